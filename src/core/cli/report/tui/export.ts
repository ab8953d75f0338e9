/**
 * `e`: the current screen to a CSV and a Markdown file, side by side. A view level is written as a one-view report
 * through the static renderers, so the files carry the same figures as `oco report --csv|--markdown`; the calls
 * level is written as its page of calls.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import {
  REPORT_FORMAT,
  type Period,
  type RecentPage,
  type Report,
  type ReportViews,
} from '../../../base/report/model.js';
import { previousPeriod } from '../../../base/report/period.js';
import { renderCsv, renderMarkdown } from '../render.js';

export type Exported = { csv: string; markdown: string };

function lastDay(p: Period): string {
  return new Date(Date.parse(`${p.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function slug(parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 120);
}

export function exportView(
  dir: string,
  data: NonNullable<ReportViews[keyof ReportViews]>,
  period: Period,
  compare: Period | undefined,
  now: Date,
): Exported {
  const report: Report = {
    format: REPORT_FORMAT,
    generatedAt: now.toISOString(),
    period,
    comparison: { kind: compare ? 'period' : 'previous', period: compare ?? previousPeriod(period), file: null },
    views: { [data.view]: data },
  };
  const path = 'path' in data ? data.path.map((s) => s.key) : [];
  const base = join(dir, `oco-report-${slug([data.view, ...path, period.from, lastDay(period)])}`);
  return write(base, renderCsv(report), renderMarkdown(report));
}

const CALL_FIELDS = ['id', 'ts', 'provider', 'model', 'teamId', 'agentId', 'userId', 'costUsd'] as const;
const TOKEN_FIELDS = ['inputTokens', 'outputTokens', 'statusCode'] as const;

export function exportCalls(dir: string, page: RecentPage): Exported {
  const fields = [...CALL_FIELDS, ...TOKEN_FIELDS];
  const rows = page.requests.map((r) => fields.map((f) => (r[f] === null ? '' : String(r[f]))));
  const csv = stringify(rows, { header: true, columns: [...fields], record_delimiter: 'windows' });
  const where = page.path.map((s) => `${s.by}=${s.key}`).join(' > ');
  const md = [
    `## LLM calls in ${where}`,
    '',
    `| ${fields.join(' | ')} |`,
    `|${fields.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|') || '–').join(' | ')} |`),
    '',
  ].join('\n');
  return write(join(dir, `oco-report-calls-${slug(page.path.map((s) => s.key))}`), csv, md);
}

function write(base: string, csv: string, markdown: string): Exported {
  writeFileSync(`${base}.csv`, csv);
  writeFileSync(`${base}.md`, markdown);
  return { csv: `${base}.csv`, markdown: `${base}.md` };
}
