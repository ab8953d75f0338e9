/**
 * The report's static outputs: text tables, CSV (RFC 4180, one number per line) and Markdown (a PR or issue
 * comment). Every figure is the model's exact decimal string, so the three formats and --json carry the same numbers.
 */
import { stringify } from 'csv-stringify/sync';
import type { Period, Report, SpendRow, SpendTotal } from '../../base/report/model.js';
import { renderTable } from '../table.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of daily values (unknown days are blank); the scale is the series' own maximum. */
export function sparkline(values: ReadonlyArray<string | null>): string {
  const nums = values.map((v) => (v === null ? null : Number(v)));
  const max = Math.max(0, ...nums.filter((n): n is number => n !== null));
  return nums
    .map((n) => (n === null ? ' ' : max === 0 ? BARS[0] : BARS[Math.min(7, Math.floor((n / max) * 7.999))]))
    .join('');
}

/** A signed figure: +12.5, -3, 0; unknown: "unknown". */
export function signed(v: string | null): string {
  if (v === null) return 'unknown';
  return v.startsWith('-') || /^0(\.0*)?$/.test(v) ? v : `+${v}`;
}

function pct(v: string | null): string {
  return v === null ? '' : `${signed(v)} %`;
}

function days(p: Period): string {
  const last = new Date(Date.parse(`${p.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return `${p.from} to ${last}`;
}

function comparedWith(r: Report): string {
  const c = r.comparison;
  return c.kind === 'file'
    ? `the saved report ${c.file} (${days(c.period)})`
    : `${days(c.period)}${c.kind === 'previous' ? ' (the previous period)' : ''}`;
}

/** Cost cell: USD, or the billed currencies when a currency has no rate. */
function cost(r: Pick<SpendRow, 'costUsd' | 'byCurrency'>): string {
  if (r.costUsd !== null) return r.costUsd;
  return r.byCurrency.map((a) => `${a.amount} ${a.currency}`).join(' + ') || 'unknown';
}

function spendTableRows(rows: ReadonlyArray<SpendRow | (SpendTotal & { key: string })>) {
  return rows.map((r) => ({
    key: r.key,
    cost: cost(r),
    previous: r.previousCostUsd,
    delta: signed(r.deltaUsd),
    pct: pct(r.deltaPct),
    requests: r.requests,
    unpriced: r.unpricedRequests,
    trend: sparkline(r.trend),
  }));
}

export function renderText(r: Report): string {
  const out: string[] = [`Report ${days(r.period)}, compared with ${comparedWith(r)}.`];
  const v = r.views;
  for (const spend of [v.llm, v.cloud]) {
    if (!spend) continue;
    const title = spend.view === 'llm' ? 'LLM spend (USD)' : 'Cloud costs (effective, USD)';
    const path = spend.path.map((s) => `${s.by}=${s.key}`).join(' > ');
    out.push('', `${title} by ${spend.by}${path ? ` in ${path}` : ''}`);
    const llm = spend.view === 'llm';
    out.push(
      renderTable(spendTableRows([...spend.rows, { ...spend.total, key: 'TOTAL' }]), [
        { key: 'key', header: spend.by },
        { key: 'cost', header: 'cost' },
        { key: 'previous' },
        { key: 'delta' },
        { key: 'pct', header: 'delta %' },
        ...(llm ? [{ key: 'requests' }, { key: 'unpriced' }] : []),
        { key: 'trend' },
      ]),
    );
    if (spend.next) out.push(`Drill down: --where ${spend.by}=KEY (next level: ${spend.next}).`);
    if (spend.view === 'llm' && spend.budgets.length) {
      out.push('', 'Budgets');
      out.push(
        renderTable(
          spend.budgets.map((b) => ({
            budget: b.name ?? `${b.scope}:${b.entityId}`,
            spent: b.spentUsd,
            reserved: b.reservedUsd,
            remaining: b.remainingUsd,
            limit: b.limitUsd,
            used: `${b.usedPct} %${b.nearLimit ? ' !' : ''}`,
            resets: b.resetsAt,
            state: b.state,
          })),
        ),
      );
    }
    if (spend.view === 'cloud') {
      out.push(`Daily: ${sparkline(spend.daily.map((d) => d.costUsd))}`);
      if (spend.movers.length) {
        out.push('', 'Week-over-week movers');
        out.push(
          renderTable(
            spend.movers.map((m) => ({
              key: m.key,
              before: m.previousWeekUsd,
              last: m.lastWeekUsd,
              delta: signed(m.deltaUsd),
            })),
            [
              { key: 'key', header: spend.by },
              { key: 'before', header: 'week before' },
              { key: 'last', header: 'last week' },
              { key: 'delta' },
            ],
          ),
        );
      }
      for (const c of spend.missingRates)
        out.push(`No rate for ${c}: set one with "oco costs rates set ${c} <USD per ${c}>".`);
    }
  }
  if (v.savings) {
    const s = v.savings;
    out.push(
      '',
      `Savings: ${s.open} open recommendations, ${amounts(s.monthlySavings)} a month${unknownNote(s.unknownSavings)}`,
    );
    if (s.top.length)
      out.push(
        renderTable(
          s.top.map((t) => ({
            savings: t.monthlySavings === null ? 'unknown' : `${t.monthlySavings} ${t.currency}`,
            action: t.action,
            title: t.title,
          })),
        ),
      );
  }
  if (v.policies) {
    const p = v.policies;
    out.push(
      '',
      `Policies: ${p.open} open violations (${p.bySeverity.map((s) => `${s.open} ${s.severity}`).join(', ')})`,
    );
    if (p.top.length)
      out.push(
        renderTable(
          p.top.map((t) => ({ severity: t.severity, policy: t.policy, subject: t.subject, message: t.message })),
        ),
      );
  }
  if (v.anomalies) {
    out.push('', `Anomalies: ${v.anomalies.recent.length} in the period`);
    if (v.anomalies.recent.length)
      out.push(
        renderTable(
          v.anomalies.recent.map((a) => ({
            days: a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay}..${a.lastDay}`,
            kind: a.kind,
            series: `${a.domain} ${a.series}`,
            impact: `${signed(a.impact)} ${a.currency}`,
          })),
        ),
      );
  }
  if (v.backups) {
    const b = v.backups;
    out.push('', 'Backups');
    if (b.schedules.length)
      out.push(
        renderTable(
          b.schedules.map((s) => ({
            schedule: s.schedule,
            context: s.context,
            lastSuccess: s.lastSuccessAt,
            lastPhase: s.lastPhase,
          })),
          [
            { key: 'schedule' },
            { key: 'context' },
            { key: 'lastSuccess', header: 'last success' },
            { key: 'lastPhase', header: 'last phase' },
          ],
        ),
      );
    if (b.drPolicies.length)
      out.push(
        '',
        renderTable(
          b.drPolicies.map((d) => ({
            policy: d.policy,
            rpo: d.rpo,
            last: d.lastBackupAt,
            ok: d.withinRpo ? 'yes' : 'BREACH',
            next: d.nextRunAt,
          })),
          [
            { key: 'policy', header: 'dr policy' },
            { key: 'rpo' },
            { key: 'last', header: 'last backup' },
            { key: 'ok', header: 'within rpo' },
            { key: 'next', header: 'next run' },
          ],
        ),
      );
    out.push(
      `Failed backups in the period: ${b.failed.length}` +
        `${b.failed.length ? ` (${b.failed.map((f) => f.name).join(', ')})` : ''}`,
    );
  }
  return out.join('\n');
}

function amounts(list: ReadonlyArray<{ currency: string; amount: string }>): string {
  return list.length ? list.map((a) => `${a.amount} ${a.currency}`).join(' + ') : '0';
}

function unknownNote(n: number): string {
  return n ? ` (+ ${n} with unknown savings)` : '';
}

/** RFC 4180 CSV, one figure per line: view, section, key, field, value. */
export function renderCsv(r: Report): string {
  const lines: Array<[string, string, string, string, string]> = [];
  const put = (view: string, section: string, key: string | null, field: string, value: unknown) => {
    if (value === undefined) return;
    lines.push([view, section, key ?? '', field, value === null ? '' : String(value)]);
  };
  const v = r.views;
  put('report', 'period', null, 'from', r.period.from);
  put('report', 'period', null, 'to', r.period.to);
  put('report', 'comparison', null, 'from', r.comparison.period.from);
  put('report', 'comparison', null, 'to', r.comparison.period.to);
  for (const spend of [v.llm, v.cloud]) {
    if (!spend) continue;
    const rows: Array<[string, string | null, SpendTotal]> = [
      ...spend.rows.map((x): [string, string | null, SpendTotal] => ['rows', x.key, x]),
      ['total', null, spend.total],
    ];
    for (const [section, key, x] of rows) {
      put(spend.view, section, key, 'costUsd', x.costUsd);
      for (const a of x.byCurrency) put(spend.view, section, key, `cost.${a.currency}`, a.amount);
      put(spend.view, section, key, 'previousCostUsd', x.previousCostUsd);
      put(spend.view, section, key, 'deltaUsd', x.deltaUsd);
      put(spend.view, section, key, 'deltaPct', x.deltaPct);
      if (x.requests !== null) put(spend.view, section, key, 'requests', x.requests);
      if (x.unpricedRequests !== null) put(spend.view, section, key, 'unpricedRequests', x.unpricedRequests);
    }
    if (spend.view === 'llm')
      for (const b of spend.budgets)
        for (const f of ['spentUsd', 'reservedUsd', 'remainingUsd', 'limitUsd', 'usedPct', 'resetsAt'] as const)
          put('llm', 'budgets', b.name ?? `${b.scope}:${b.entityId}`, f, b[f]);
    if (spend.view === 'cloud') {
      for (const d of spend.daily) put('cloud', 'daily', d.day, 'costUsd', d.costUsd);
      for (const m of spend.movers) {
        put('cloud', 'movers', m.key, 'previousWeekUsd', m.previousWeekUsd);
        put('cloud', 'movers', m.key, 'lastWeekUsd', m.lastWeekUsd);
        put('cloud', 'movers', m.key, 'deltaUsd', m.deltaUsd);
      }
    }
  }
  if (v.savings) {
    put('savings', 'total', null, 'open', v.savings.open);
    put('savings', 'total', null, 'unknownSavings', v.savings.unknownSavings);
    for (const a of v.savings.monthlySavings) put('savings', 'total', null, `monthlySavings.${a.currency}`, a.amount);
    for (const t of v.savings.top) put('savings', 'top', t.id, `monthlySavings.${t.currency}`, t.monthlySavings);
  }
  if (v.policies) {
    put('policies', 'total', null, 'open', v.policies.open);
    for (const s of v.policies.bySeverity) put('policies', 'bySeverity', s.severity, 'open', s.open);
  }
  if (v.anomalies)
    for (const a of v.anomalies.recent) put('anomalies', 'recent', a.id, `impact.${a.currency}`, a.impact);
  if (v.backups) {
    for (const s of v.backups.schedules) put('backups', 'schedules', s.schedule, 'lastSuccessAt', s.lastSuccessAt);
    for (const d of v.backups.drPolicies) {
      put('backups', 'drPolicies', d.policy, 'withinRpo', d.withinRpo);
      put('backups', 'drPolicies', d.policy, 'ageSeconds', d.ageSeconds);
    }
    put('backups', 'failed', null, 'count', v.backups.failed.length);
  }
  return stringify(lines, {
    header: true,
    columns: ['view', 'section', 'key', 'field', 'value'],
    record_delimiter: 'windows',
  });
}

const MD_TOP = 10;

function mdCell(v: string | number | null): string {
  return v === null ? '–' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(headers: string[], align: string[], rows: Array<Array<string | number | null>>): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ];
}

/** A PR / issue comment: totals, signed deltas, top items, budgets near their limit. */
export function renderMarkdown(r: Report): string {
  const out: string[] = [`## Cost report: ${days(r.period)}`, '', `Compared with ${comparedWith(r)}.`];
  const v = r.views;
  for (const spend of [v.llm, v.cloud]) {
    if (!spend) continue;
    const t = spend.total;
    out.push('', `### ${spend.view === 'llm' ? 'LLM spend' : 'Cloud costs'}`, '');
    out.push(
      `**Total: ${t.costUsd === null ? cost(t) : `${t.costUsd} USD`}** ` +
        `(${signed(t.deltaUsd)} USD${t.deltaPct === null ? '' : `, ${pct(t.deltaPct)}`}; ` +
        `previous ${t.previousCostUsd ?? 'unknown'} USD)${t.requests !== null ? `, ${t.requests} requests` : ''}` +
        `${t.unpricedRequests ? `, ${t.unpricedRequests} unpriced` : ''}`,
    );
    out.push('');
    out.push(
      ...mdTable(
        [spend.by, 'cost (USD)', 'change', 'change %', 'trend'],
        ['l', 'r', 'r', 'r', 'l'],
        spend.rows
          .slice(0, MD_TOP)
          .map((x) => [
            x.key,
            cost(x),
            signed(x.deltaUsd),
            x.deltaPct === null ? null : pct(x.deltaPct),
            sparkline(x.trend),
          ]),
      ),
    );
    if (spend.rows.length > MD_TOP) out.push('', `…and ${spend.rows.length - MD_TOP} more.`);
    if (spend.view === 'llm') {
      const near = spend.budgets.filter((b) => b.nearLimit);
      if (near.length) {
        out.push('', '#### Budgets near their limit (≥ 80 %)', '');
        out.push(
          ...mdTable(
            ['budget', 'spent (USD)', 'limit (USD)', 'used', 'resets'],
            ['l', 'r', 'r', 'r', 'l'],
            near.map((b) => [
              b.name ?? `${b.scope}:${b.entityId}`,
              b.spentUsd,
              b.limitUsd,
              `${b.usedPct} %`,
              b.resetsAt,
            ]),
          ),
        );
      }
    }
    if (spend.view === 'cloud' && spend.movers.length) {
      out.push('', '#### Week-over-week movers', '');
      out.push(
        ...mdTable(
          [spend.by, 'week before', 'last week', 'change'],
          ['l', 'r', 'r', 'r'],
          spend.movers.map((m) => [m.key, m.previousWeekUsd, m.lastWeekUsd, signed(m.deltaUsd)]),
        ),
      );
    }
  }
  if (v.savings) {
    out.push(
      '',
      '### Savings',
      '',
      `${v.savings.open} open recommendations: **${amounts(v.savings.monthlySavings)} a month**` +
        `${unknownNote(v.savings.unknownSavings)}.`,
    );
    if (v.savings.top.length)
      out.push(
        '',
        ...mdTable(
          ['saving a month', 'action', 'recommendation'],
          ['r', 'l', 'l'],
          v.savings.top.map((t) => [
            t.monthlySavings === null ? 'unknown' : `${t.monthlySavings} ${t.currency}`,
            t.action,
            t.title,
          ]),
        ),
      );
  }
  if (v.policies) {
    out.push(
      '',
      '### Policies',
      '',
      `${v.policies.open} open violations: ${v.policies.bySeverity.map((s) => `${s.open} ${s.severity}`).join(', ')}.`,
    );
    if (v.policies.top.length)
      out.push(
        '',
        ...mdTable(
          ['severity', 'policy', 'subject', 'message'],
          ['l', 'l', 'l', 'l'],
          v.policies.top.map((t) => [t.severity, t.policy, t.subject, t.message]),
        ),
      );
  }
  if (v.anomalies && v.anomalies.recent.length) {
    out.push('', '### Anomalies', '');
    out.push(
      ...mdTable(
        ['days', 'kind', 'series', 'impact'],
        ['l', 'l', 'l', 'r'],
        v.anomalies.recent.map((a) => [
          a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay}..${a.lastDay}`,
          a.kind,
          `${a.domain} ${a.series}`,
          `${signed(a.impact)} ${a.currency}`,
        ]),
      ),
    );
  }
  if (v.backups) {
    const breaches = v.backups.drPolicies.filter((d) => !d.withinRpo);
    out.push(
      '',
      '### Backups',
      '',
      `${v.backups.failed.length} failed backups in the period; ${breaches.length} of ` +
        `${v.backups.drPolicies.length} DR policies outside their RPO` +
        `${breaches.length ? ` (${breaches.map((b) => b.policy).join(', ')})` : ''}.`,
    );
  }
  return `${out.join('\n')}\n`;
}
