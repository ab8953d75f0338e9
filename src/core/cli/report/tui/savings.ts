import type { SavingsView } from '../../../base/report/model.js';
import { amounts } from './format.js';
import type { Screen } from './screen.js';

/** Open recommendations, the largest monthly saving first; `a` accepts and `d` dismisses the selected one. */
export function savingsScreen(v: SavingsView): Screen {
  return {
    title: 'Savings: open recommendations (a: accept, d: dismiss)',
    above: [
      {
        text:
          `${v.open} open, ${amounts(v.monthlySavings)} a month` +
          (v.unknownSavings ? ` (+ ${v.unknownSavings} with unknown savings)` : ''),
      },
    ],
    columns: [
      { header: 'a month', width: 14, align: 'right' },
      { header: 'action', width: 12, drop: 1 },
      { header: 'recommendation', width: 20, flex: true },
    ],
    items: v.top.map((r) => ({
      cells: [r.monthlySavings === null ? 'unknown' : `${r.monthlySavings} ${r.currency}`, r.action, r.title],
      key: r.id,
      id: r.id,
      search: `${r.title} ${r.action} ${r.provider}`.toLowerCase(),
    })),
    below: [],
    empty: 'No open recommendations.',
  };
}
