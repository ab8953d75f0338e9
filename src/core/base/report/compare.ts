/**
 * --compare-to FILE.json: a report saved with `oco report --json` (or from GET /api/v1/report, in snake_case) as the
 * baseline of the deltas, like a cost diff against the main branch. The file is checked field by field; a wrong one
 * is a usage error naming the file and the field.
 */
import { camelCase } from '../json-keys.js';
import { readJsonFile } from '../json-file.js';
import { UsageError } from '../errors.js';
import { delta } from './build.js';
import { REPORT_FORMAT, type Period, type Report, type SpendRow, type SpendTotal } from './model.js';

/** The spend views a saved report can be a baseline for. */
const SPEND_VIEWS = ['llm', 'cloud'] as const;

function camelDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelDeep);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camelCase(k), camelDeep(x)]));
}

function bad(file: string, field: string, problem: string): UsageError {
  return new UsageError(`${file}: ${field}: ${problem}`, {
    hint: 'Pass a report saved with "oco report --json --output FILE", or a period (7d, 2026-06-01..2026-06-30).',
    details: { flag: 'compare-to', file, field },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isAmount = (v: unknown) => v === null || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v));

function checkPeriod(file: string, field: string, v: unknown): Period {
  if (!isObject(v) || typeof v.from !== 'string' || typeof v.to !== 'string' || typeof v.days !== 'number')
    throw bad(file, field, 'expected {from, to, days}');
  return { from: v.from, to: v.to, days: v.days };
}

function checkRows(file: string, field: string, rows: unknown): void {
  if (!Array.isArray(rows)) throw bad(file, field, 'expected an array');
  rows.forEach((r, i) => {
    if (!isObject(r)) throw bad(file, `${field}[${i}]`, 'expected an object');
    if (r.key !== null && typeof r.key !== 'string') throw bad(file, `${field}[${i}].key`, 'expected a string or null');
    if (!isAmount(r.costUsd)) throw bad(file, `${field}[${i}].costUsd`, 'expected a decimal string or null');
  });
}

/** Reads and checks a saved report. */
export function readSavedReport(file: string): Report {
  const raw = camelDeep(
    readJsonFile(file, {
      readHint: 'Pass the path of a report saved with "oco report --json".',
      parseHint: 'The file should hold one report, as "oco report --json" prints it.',
    }),
  );
  if (!isObject(raw)) throw bad(file, '(top level)', 'expected a JSON object');
  if (raw.format !== REPORT_FORMAT)
    throw bad(file, 'format', `expected "${REPORT_FORMAT}" (got ${JSON.stringify(raw.format ?? null)})`);
  checkPeriod(file, 'period', raw.period);
  if (!isObject(raw.views)) throw bad(file, 'views', 'expected an object');
  for (const v of SPEND_VIEWS) {
    const view = raw.views[v];
    if (view === undefined) continue;
    if (!isObject(view)) throw bad(file, `views.${v}`, 'expected an object');
    if (typeof view.by !== 'string') throw bad(file, `views.${v}.by`, 'expected a string');
    checkRows(file, `views.${v}.rows`, view.rows);
    if (!isObject(view.total) || !isAmount(view.total.costUsd))
      throw bad(file, `views.${v}.total.costUsd`, 'expected a decimal string or null');
  }
  return raw as unknown as Report;
}

/**
 * The report's deltas recomputed against the saved one: per key of each spend view both hold, cut by the same
 * dimension (a key absent from the baseline had no cost there: '0').
 */
export function compareWith(report: Report, baseline: Report, file: string): Report {
  const views = { ...report.views };
  for (const v of SPEND_VIEWS) {
    const now = views[v];
    const then = baseline.views[v];
    if (!now) continue;
    if (!then) throw bad(file, `views.${v}`, `missing: the report has a ${v} view to compare`);
    if (then.by !== now.by)
      throw bad(file, `views.${v}.by`, `the saved report is cut by "${then.by}", this one by "${now.by}"`);
    const before = new Map(then.rows.map((r) => [r.key, r.costUsd]));
    const rebase = <R extends SpendTotal>(r: R, prev: string | null): R => {
      const d = delta(r.costUsd, prev);
      return { ...r, previousCostUsd: prev, deltaUsd: d.usd, deltaPct: d.pct };
    };
    (views as Record<string, unknown>)[v] = {
      ...now,
      rows: now.rows.map((r: SpendRow) => rebase(r, before.has(r.key) ? before.get(r.key)! : '0')),
      total: rebase(now.total, then.total.costUsd),
    };
  }
  return { ...report, comparison: { kind: 'file', period: baseline.period, file }, views };
}
