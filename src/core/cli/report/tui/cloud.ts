import type { CloudView } from '../../../base/report/model.js';
import { orUnknown, pathText, signed, spendCells, trend } from './format.js';
import { spendColumns } from './llm.js';
import type { Line, Screen } from './screen.js';

/** Cloud costs: rows by provider (service, account, resource…), the daily trend, week-over-week movers. */
export function cloudScreen(v: CloudView): Screen {
  const t = v.total;
  const path = pathText(v.path);
  const above: Line[] = [
    {
      text:
        `Total ${spendCells({ ...t, key: null }, false)[1]} USD (${signed(t.deltaUsd)} vs ` +
        `${orUnknown(t.previousCostUsd)})  daily ${trend(
          v.daily.map((d) => d.costUsd),
          31,
        )}`,
    },
  ];
  const below: Line[] = [];
  if (v.movers.length) {
    below.push({ text: 'Week-over-week movers (last 7 days vs the 7 before)', dim: true });
    for (const m of v.movers)
      below.push({
        text:
          `${m.key ?? '(none)'}: ${orUnknown(m.previousWeekUsd)} → ${orUnknown(m.lastWeekUsd)} ` +
          `(${signed(m.deltaUsd)})`,
      });
  }
  for (const c of v.missingRates)
    below.push({ text: `No rate for ${c}: oco costs rates set ${c} <USD>`, fg: 'yellow' });
  return {
    title: `Cloud costs by ${v.by}${path ? ` in ${path}` : ''}${v.next ? ` (enter: ${v.next})` : ''}`,
    above,
    columns: spendColumns(v.by, false),
    items: v.rows.map((r) => ({ cells: spendCells(r, false), key: r.key, search: String(r.key).toLowerCase() })),
    below,
  };
}
