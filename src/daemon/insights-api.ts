/**
 * `GET /api/v1/insights?since=30d&domain=llm&min_impact=10` (or `from`/`to`) on the admin API: the
 * document `oco insights --json` prints, keys in the admin API's snake_case. The insight table
 * (and the cloud providers it asks whether they are configured) loads on the first request.
 */
import type { OcoConfig } from '../core/base/config/resolve.js';
import { insightReport, parseInsightQuery, type ParamNames } from '../core/base/insights/service.js';
import { snakeCaseKeys } from '../core/base/json-keys.js';
import { obj, op, queryParam, type RouteDocs } from '../core/base/openapi.js';
import type { Store } from '../core/base/store/types.js';
import type { AdminRoute } from '../core/gateway/proxy/admission.js';

const PARAM_NAMES: ParamNames = {
  since: 'query parameter since',
  from: 'query parameter from',
  to: 'query parameter to',
  domain: 'query parameter domain',
  minImpact: 'query parameter min_impact',
};

export function insightsAdminRoutes(config: OcoConfig, store: Store): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/insights$/,
      async handle({ query }) {
        const now = new Date();
        // A usage error (a bad parameter) becomes a 400 naming it in the admin API's handler.
        const q = parseInsightQuery(
          {
            since: query.get('since'),
            from: query.get('from'),
            to: query.get('to'),
            domain: query.get('domain'),
            minImpact: query.get('min_impact'),
          },
          PARAM_NAMES,
          now,
        );
        const { INSIGHT_SOURCES } = await import('./insight-sources.js');
        const report = await insightReport(store, INSIGHT_SOURCES, q, {
          now,
          setting: (key) => config.get(key),
          config,
        });
        return { status: 200, body: snakeCaseKeys(report) };
      },
    },
  ];
}

export const insightsRouteDocs: RouteDocs = {
  '/api/v1/insights': {
    get: op('get', {
      id: 'insights',
      tag: 'insights',
      summary: 'Insights over LLM and cloud spend, by money impact (oco insights --json)',
      params: [
        queryParam('since', 'a span back from now, e.g. 30d'),
        queryParam('from', 'start, ISO-8601'),
        queryParam('to', 'end, ISO-8601'),
        queryParam('domain', 'llm or cloud', { type: 'string', enum: ['llm', 'cloud'] }),
        queryParam('min_impact', 'USD: leave out smaller known impacts', { type: 'string' }),
      ],
      ok: obj('`oco insights --json` in snake_case'),
    }),
  },
};
