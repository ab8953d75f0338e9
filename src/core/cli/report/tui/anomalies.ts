import type { AnomaliesView } from '../../../base/report/model.js';
import { signed } from './format.js';
import type { Screen } from './screen.js';

/** Anomalies whose last day is in the period, newest first. */
export function anomaliesScreen(v: AnomaliesView): Screen {
  return {
    title: 'Anomalies in the period',
    above: [],
    columns: [
      { header: 'days', width: 10, drop: 1 },
      { header: 'kind', width: 8 },
      { header: 'series', width: 16, flex: true },
      { header: 'actual', width: 12, align: 'right', drop: 2 },
      { header: 'expected', width: 12, align: 'right', drop: 3 },
      { header: 'impact', width: 16, align: 'right' },
    ],
    items: v.recent.map((a) => ({
      cells: [
        a.firstDay === a.lastDay ? a.firstDay : `${a.firstDay}..${a.lastDay}`,
        a.kind,
        `${a.domain} ${a.series}`,
        a.actual,
        a.expected,
        `${signed(a.impact)} ${a.currency}`,
      ],
      key: a.id,
      search: `${a.kind} ${a.domain} ${a.series}`.toLowerCase(),
    })),
    below: [],
    empty: 'No anomalies in the period.',
  };
}
