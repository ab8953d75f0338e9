import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Money } from '../../src/core/base/money.js';
import { timestampText, decimalText } from '../../src/core/cloud-costs/values.js';
import { FOCUS_REFERENCE } from '../helpers/reference.js';

/** The FOCUS specification's own sample CSVs (test/reference/focus/examples). */
export const FOCUS_EXAMPLES = join(FOCUS_REFERENCE, 'examples');

export function readCsv(text: string): Array<Record<string, string>> {
  return parse(text, { bom: true, columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

export function readCsvFile(file: string): Array<Record<string, string>> {
  return readCsv(readFileSync(file, 'utf8'));
}

/**
 * A cell as FOCUS means it, for round-trip comparison: empty and "null" are null,
 * numbers compare as decimals, date-times as instants; spreadsheet spellings are
 * normalised the way --lenient documents.
 */
export function canonicalCell(v: string | undefined): string {
  if (v === undefined || v === '' || v === 'null' || v === 'NULL') return '';
  const t = v.trim();
  const money = /^(-?)\$?(-?)([\d,]+(?:\.\d+)?)$/.exec(t);
  if (money && /\d/.test(money[3]!)) {
    const d = decimalText(`${money[1] || money[2] ? '-' : ''}${money[3]!.replace(/,/g, '')}`);
    if (d !== undefined) return `#${new Money(d).toFixed()}`;
  }
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/.exec(t);
  if (us) return `@${timestampText(`20${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}`)}`;
  const ts = timestampText(t);
  if (ts && /^\d{4}-/.test(t)) return `@${ts}`;
  return t;
}

/** Rows as sorted canonical strings over the given columns: order-free multiset comparison. */
export function canonicalRows(rows: Array<Record<string, string>>, columns: string[]): string[] {
  return rows.map((r) => columns.map((c) => canonicalCell(r[c])).join('\u0001')).sort();
}

/**
 * stderr of a --json run, minus the warnings oclif emits when it cannot load some other
 * command module (a build of another topic running at the same moment on a shared
 * machine); anything oco itself prints stays.
 */
export function ownStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^\(node:\d+\) Warning: |^module: @|^task: |^plugin: |^root: |^See more details/.test(l))
    .join('\n');
}
