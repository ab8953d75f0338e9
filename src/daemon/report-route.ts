/**
 * `GET /api/v1/report` on the admin API: the document `oco report --json` prints, with the same query as its flags
 * (view, since | from & to, by, where (repeatable DIMENSION=KEY), compare_to as a period), keys in snake_case as
 * everywhere on this API. `GET /api/v1/report/requests` is the last drill-down level, keyset-paged (limit, cursor).
 */
import { buildReport, recentRequests } from '../core/base/report/build.js';
import { VIEWS, type DrillStep, type View } from '../core/base/report/model.js';
import { comparePeriod, parsePeriod } from '../core/base/report/period.js';
import { isOcoError } from '../core/base/errors.js';
import { snakeCaseKeys } from '../core/base/json-keys.js';
import { arr, obj, op, queryParam, type RouteDocs } from '../core/base/openapi.js';
import type { Store } from '../core/base/store/types.js';
import type { ReportSources } from '../core/base/report/sources.js';
import type { AdminRoute, AdminRouteResponse } from '../core/gateway/proxy/admission.js';

function invalid(message: string, code = 'OCO_USAGE'): AdminRouteResponse {
  return { status: 400, body: { error: { type: 'invalid_request', code, message } } };
}

/** A flag's wording (--since) as this API's (query parameter since). */
function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err) && err.exitCode === 2)
    return invalid(
      err.message.replace(/--([\w-]+)/g, (_, f: string) => `query parameter ${f.replace(/-/g, '_')}`),
      err.code,
    );
  throw err;
}

function path(query: URLSearchParams): DrillStep[] | string {
  const out: DrillStep[] = [];
  for (const w of query.getAll('where')) {
    const i = w.indexOf('=');
    if (i <= 0 || i === w.length - 1) return `query parameter where must be DIMENSION=KEY (got "${w}")`;
    out.push({ by: w.slice(0, i), key: w.slice(i + 1) });
  }
  return out;
}

const opt = (q: URLSearchParams, k: string) => q.get(k) ?? undefined;

export function reportAdminRoutes(store: Store, sources: ReportSources): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/report\/?$/,
      async handle({ query }) {
        const view = query.get('view') ?? 'all';
        if (view !== 'all' && !(VIEWS as readonly string[]).includes(view))
          return invalid(`query parameter view must be one of ${[...VIEWS, 'all'].join(', ')}`);
        const steps = path(query);
        if (typeof steps === 'string') return invalid(steps);
        try {
          const period = parsePeriod({ since: opt(query, 'since'), from: opt(query, 'from'), to: opt(query, 'to') });
          const compareText = opt(query, 'compare_to');
          const compare = compareText === undefined ? undefined : comparePeriod(compareText, period);
          if (compareText !== undefined && !compare)
            return invalid('query parameter compare_to must be a period: 7d or FROM..TO (files are for the CLI)');
          const report = await buildReport(store, sources, {
            period,
            compare,
            views: view === 'all' ? [...VIEWS] : [view as View],
            by: opt(query, 'by'),
            path: steps,
          });
          return { status: 200, body: snakeCaseKeys(report) };
        } catch (err) {
          return fromError(err);
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/report\/requests\/?$/,
      async handle({ query }) {
        const steps = path(query);
        if (typeof steps === 'string') return invalid(steps);
        const limit = query.get('limit') ?? '50';
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000)
          return invalid('query parameter limit must be an integer from 1 to 1000');
        try {
          const page = await recentRequests(store, sources, steps, {
            limit: Number(limit),
            cursor: opt(query, 'cursor'),
          });
          return { status: 200, body: snakeCaseKeys(page) };
        } catch (err) {
          return fromError(err);
        }
      },
    },
  ];
}

const WHERE = queryParam('where', 'a drill-down step DIMENSION=KEY (repeatable, in order)', { type: 'string' });

export const reportRouteDocs: RouteDocs = {
  '/api/v1/report': {
    get: op('get', {
      id: 'report',
      tag: 'report',
      summary: 'The report document (oco report --json)',
      params: [
        queryParam('view', `one of ${[...VIEWS, 'all'].join(', ')}`, { type: 'string', enum: [...VIEWS, 'all'] }),
        queryParam('since', 'whole days back from today, e.g. 30d'),
        queryParam('from', 'first day, YYYY-MM-DD'),
        queryParam('to', 'last day, YYYY-MM-DD'),
        queryParam('by', 'grouping of the view'),
        WHERE,
        queryParam('compare_to', 'a period to compare with: 7d or FROM..TO'),
      ],
      ok: obj('`oco report --json` in snake_case'),
    }),
  },
  '/api/v1/report/requests': {
    get: op('get', {
      id: 'reportRequests',
      tag: 'report',
      summary: "The calls under a report's drill-down path, keyset-paged",
      params: [
        WHERE,
        queryParam('limit', '1 to 1000', { type: 'integer', minimum: 1, maximum: 1000, default: 50 }),
        queryParam('cursor', 'next_cursor of the previous page'),
      ],
      ok: obj('a page', { requests: arr('calls'), next_cursor: { type: ['string', 'null'] } }),
    }),
  },
};
