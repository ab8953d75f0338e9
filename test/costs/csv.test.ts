import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvRecords, CsvSyntaxError } from '../../src/core/cloud-costs/focus/csv.js';
import { decimalText, timestampText } from '../../src/core/cloud-costs/values.js';

async function all(text: string, chunk: number): Promise<Array<{ fields: string[]; line: number }>> {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += chunk) pieces.push(text.slice(i, i + chunk));
  const out = [];
  for await (const b of csvRecords(Readable.from(pieces))) out.push(...b);
  return out;
}

describe('the import CSV reader', () => {
  const lf = '\uFEFFa,b,c\n1,"x, ""quoted""",3\n\n4,"multi\nline",6\n7,,"end"';
  const crlf = lf.replace(/\n/g, '\r\n');
  it.each([
    [1, 'LF'],
    [2, 'CRLF'],
    [3, 'LF'],
    [7, 'CRLF'],
    [1000, 'LF'],
    [1000, 'CRLF'],
  ])('agrees with csv-parse whatever the chunk size (%i, %s) and gives start lines', async (size, eol) => {
    const text = eol === 'LF' ? lf : crlf;
    const got = await all(text, size as number);
    expect(got.map((r) => r.fields)).toEqual(parse(text, { bom: true, skip_empty_lines: true }));
    expect(got.map((r) => r.line)).toEqual([1, 2, 4, 6]);
  });

  it('names the line of an unclosed quote', async () => {
    await expect(all('a,b\n1,2\n3,"open\n', 4)).rejects.toSatisfy(
      (e: unknown) => e instanceof CsvSyntaxError && e.line === 3,
    );
  });
});

describe('exact value parsing', () => {
  it('keeps decimals as written and normalises E-notation without a float', () => {
    expect(decimalText('0.1000000000000000055511151231257827')).toBe('0.1000000000000000055511151231257827');
    expect(decimalText('1.5E-7')).toBe('0.00000015');
    expect(decimalText('-5.')).toBe('-5');
    expect(decimalText('1,000.00')).toBeUndefined();
    expect(decimalText('$1')).toBeUndefined();
  });

  it('reads ISO date-times as UTC and refuses impossible ones', () => {
    expect(timestampText('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(timestampText('2024-03-01T01:00:00+01:00')).toBe('2024-03-01T00:00:00.000Z');
    expect(timestampText('2024-03-01')).toBe('2024-03-01T00:00:00.000Z');
    expect(timestampText('2024-03-01T00:00:00.123Z')).toBe('2024-03-01T00:00:00.123Z');
    for (const bad of ['2023-02-29T00:00:00Z', '2023-02-01T30:00:00Z', '2023-13-01T00:00:00Z', '5/1/25', ''])
      expect(timestampText(bad), bad).toBeUndefined();
  });
});
