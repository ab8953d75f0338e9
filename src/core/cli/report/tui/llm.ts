import type { LlmView } from '../../../base/report/model.js';
import { budgetBar } from './bar.js';
import { orUnknown, pathText, spendCells } from './format.js';
import type { Line, Screen } from './screen.js';
import type { Column } from './text.js';

export function spendColumns(by: string, calls: boolean): Column[] {
  return [
    { header: by, width: 12, flex: true },
    { header: 'cost USD', width: 14, align: 'right' },
    { header: 'previous', width: 12, align: 'right', drop: 3 },
    { header: 'delta', width: 12, align: 'right' },
    { header: 'delta %', width: 9, align: 'right', drop: 2 },
    ...(calls ? [{ header: 'calls', width: 6, align: 'right' as const, drop: 1 }] : []),
    { header: 'trend', width: 14, drop: 4 },
  ];
}

/** LLM spend: rows by team (agent, model…), the total, and every budget as a bar. */
export function llmScreen(v: LlmView): Screen {
  const t = v.total;
  const path = pathText(v.path);
  const above: Line[] = [
    {
      text:
        `Total ${t.costUsd ?? 'unknown'} USD (${spendCells({ ...t, key: null }, true)[3]} vs ${orUnknown(
          t.previousCostUsd,
        )}), ${t.requests ?? 0} calls` + (t.unpricedRequests ? `, ${t.unpricedRequests} unpriced` : ''),
    },
  ];
  const below: Line[] = v.budgets.length
    ? [{ text: 'Budgets (spent / reserved / remaining, next reset)', dim: true }]
    : [];
  for (const b of v.budgets)
    below.push({
      text:
        `${budgetBar(b.usedPct, 10)} ${b.usedPct} % ${b.name ?? `${b.scope}:${b.entityId}`}: ${b.spentUsd} / ` +
        `${b.reservedUsd} / ${b.remainingUsd} of ${b.limitUsd}, resets ${b.resetsAt ?? 'never'}`,
      fg: b.nearLimit ? 'red' : undefined,
    });
  return {
    title: `LLM spend by ${v.by}${path ? ` in ${path}` : ''}` + (v.next ? ` (enter: ${v.next})` : ' (enter: calls)'),
    above,
    columns: spendColumns(v.by, true),
    items: v.rows.map((r) => ({ cells: spendCells(r, true), key: r.key, search: String(r.key).toLowerCase() })),
    below,
  };
}
