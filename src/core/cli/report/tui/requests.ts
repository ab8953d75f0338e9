import type { RecentPage } from '../../../base/report/model.js';
import { orUnknown, pathText } from './format.js';
import type { Screen } from './screen.js';

/** The last drill-down level of LLM spend: the calls themselves, newest first, a page at a time. */
export function requestsScreen(p: RecentPage, page: number): Screen {
  return {
    title:
      `Calls in ${pathText(p.path)}, newest first ` +
      `(page ${page + 1}${p.nextCursor ? ', n: next' : ''}${page ? ', b: back' : ''})`,
    above: [],
    columns: [
      { header: 'time (UTC)', width: 19 },
      { header: 'model', width: 12, flex: true },
      { header: 'cost USD', width: 12, align: 'right' },
      { header: 'in', width: 7, align: 'right', drop: 2 },
      { header: 'out', width: 6, align: 'right', drop: 1 },
      { header: 'status', width: 6, align: 'right', drop: 3 },
    ],
    items: p.requests.map((r) => ({
      cells: [
        r.ts.slice(0, 19).replace('T', ' '),
        r.model,
        orUnknown(r.costUsd),
        String(r.inputTokens),
        String(r.outputTokens),
        orUnknown(r.statusCode),
      ],
      key: r.id,
      search: `${r.model} ${r.provider} ${r.userId}`.toLowerCase(),
    })),
    below: [],
    empty: 'No calls.',
  };
}
