import { UsageError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import { arr, obj, op, queryParam, type RouteDocs } from '../../base/openapi.js';
import type { Store } from '../../base/store/types.js';
import { guarded } from '../proxy/admin-errors.js';
import type { AdminRoute } from '../proxy/admission.js';
import { parseRequestQuery, parseSummaryQuery, type RequestQueryInput } from './request-query.js';
import { GROUP_BY, listRequests, summarize, type GroupBy } from './summary.js';

/**
 * LLM spend on the admin API, the same services and validation as `oco spend summary|requests`:
 * `GET /api/v1/spend/summary?by=team,model&since=7d&until=…` and `GET /api/v1/spend/requests` with the
 * command's filters as query parameters (key, agent, team, model, provider, status, since, until, min_cost,
 * routed, limit, cursor). `GET /api/v1/costs/summary|requests` are the older spellings (group_by, from, to).
 */
const DAY = 86_400_000;

function parseTime(v: string | null, name: string): Date | undefined {
  if (v === null || v === '') return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--${name}: must be an ISO-8601 date or time`, {
      code: 'OCO_SPEND_FILTER_INVALID',
      details: { flag: name },
    });
  return d;
}

const REQUEST_PARAMS = ['key', 'agent', 'team', 'model', 'provider', 'status', 'since', 'until', 'min_cost'];
const get = (q: URLSearchParams, name: string) => q.get(name) ?? undefined;

export function usageAdminRoutes(store: Store): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/spend\/summary\/?$/,
      handle: guarded(async ({ query }) => {
        const q = parseSummaryQuery({ by: get(query, 'by'), since: get(query, 'since'), until: get(query, 'until') });
        return { status: 200, body: snakeCaseKeys(await summarize(store, q)) };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/spend\/requests\/?$/,
      handle: guarded(async ({ query }) => {
        const input: RequestQueryInput = { limit: get(query, 'limit'), cursor: get(query, 'cursor') };
        for (const p of REQUEST_PARAMS) {
          const v = get(query, p);
          if (v !== undefined) (input as Record<string, string>)[p.replace('_', '-')] = v;
        }
        const routed = get(query, 'routed');
        if (routed !== undefined) input.routed = routed;
        return { status: 200, body: requestsBody(await listRequests(store, parseRequestQuery(input))) };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/costs\/summary\/?$/,
      handle: guarded(async ({ query }) => {
        const groupBy = (query.get('group_by') ?? 'model') as GroupBy;
        if (!GROUP_BY.includes(groupBy))
          throw new UsageError(`--group-by: must be one of ${GROUP_BY.join(', ')}`, {
            code: 'OCO_SPEND_FILTER_INVALID',
            details: { flag: 'group-by' },
          });
        const to = parseTime(query.get('to'), 'to') ?? new Date();
        const from = parseTime(query.get('from'), 'from') ?? new Date(to.getTime() - 30 * DAY);
        return { status: 200, body: snakeCaseKeys(await summarize(store, { from, to, groupBy })) };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/costs\/requests\/?$/,
      handle: guarded(async ({ query }) => {
        const page = await listRequests(
          store,
          parseRequestQuery({
            limit: get(query, 'limit') ?? '50',
            cursor: get(query, 'cursor'),
            routed: get(query, 'routed'),
          }),
        );
        return { status: 200, body: requestsBody(page) };
      }),
    },
  ];
}

/** A page of calls in snake_case, except inside key_metadata, whose keys are the user's own (kept as given). */
function requestsBody(page: Awaited<ReturnType<typeof listRequests>>): Record<string, unknown> {
  const body = snakeCaseKeys<{ requests: Array<Record<string, unknown>> }>(page);
  body.requests.forEach((r, i) => (r.key_metadata = page.requests[i]!.keyMetadata));
  return body;
}

const SUMMARY = obj('`oco spend summary --json` in snake_case: rows (key, sub_key, requests, cost_usd…) and total', {
  rows: arr('one row per group (and sub-group)'),
  total: obj('the totals; cost_usd an exact decimal string'),
});
const PAGE = obj('a page of calls, newest first', {
  requests: arr('`oco spend requests --json` rows in snake_case; cost_usd null when unpriced'),
  next_cursor: { type: ['string', 'null'], description: 'pass as cursor for the next page (same filters)' },
});
const LIMIT = queryParam('limit', 'how many calls (1 to 1000)', { type: 'integer', minimum: 1, maximum: 1000 });
const CURSOR = queryParam('cursor', 'next_cursor of the previous page');
const ROUTED = queryParam('routed', 'only calls smart routing sent to another model (false: only the others)', {
  type: 'boolean',
});

export const usageRouteDocs: RouteDocs = {
  '/api/v1/spend/summary': {
    get: op('get', {
      id: 'spendSummary',
      tag: 'spend',
      summary: 'What LLM calls cost, grouped (oco spend summary)',
      params: [
        queryParam('by', `one of ${GROUP_BY.join(', ')}, or two as A,B (team,model)`, {
          type: 'string',
          default: 'model',
        }),
        queryParam('since', 'a duration back from now (7d) or an ISO-8601 time', { type: 'string', default: '30d' }),
        queryParam('until', 'an ISO-8601 time or a duration back from now (default now)'),
      ],
      ok: SUMMARY,
    }),
  },
  '/api/v1/spend/requests': {
    get: op('get', {
      id: 'spendRequests',
      tag: 'spend',
      summary: 'The recorded LLM calls, newest first, filtered and keyset-paged (oco spend requests)',
      params: [
        queryParam('key', 'a virtual key id'),
        queryParam('agent', 'an agent id'),
        queryParam('team', 'a team id'),
        queryParam('model', 'the model called'),
        queryParam('provider', "openai, anthropic, gemini or an upstream's name"),
        queryParam('status', 'an HTTP status (429) or a class (2xx, 4xx, 5xx)', {
          type: 'string',
          pattern: '^[1-5]([0-9][0-9]|xx)$',
        }),
        queryParam('since', 'calls from: a duration back from now or an ISO-8601 time'),
        queryParam('until', 'calls before: a duration back from now or an ISO-8601 time'),
        queryParam('min_cost', 'only calls that cost at least this many USD (unpriced calls are left out)', {
          type: 'string',
          pattern: '^[0-9]+(\\.[0-9]+)?$',
        }),
        ROUTED,
        { ...LIMIT, schema: { ...LIMIT.schema, default: 20 } },
        CURSOR,
      ],
      ok: PAGE,
    }),
  },
  '/api/v1/costs/summary': {
    get: op('get', {
      id: 'costsSummary',
      tag: 'spend',
      summary: 'LLM spend grouped by one dimension (older spelling of /api/v1/spend/summary)',
      params: [
        queryParam('group_by', `one of ${GROUP_BY.join(', ')}`, { type: 'string', enum: [...GROUP_BY] }),
        queryParam('from', 'ISO-8601 start (default 30 days before to)', { type: 'string', format: 'date-time' }),
        queryParam('to', 'ISO-8601 end (default now)', { type: 'string', format: 'date-time' }),
      ],
      ok: SUMMARY,
    }),
  },
  '/api/v1/costs/requests': {
    get: op('get', {
      id: 'costsRequests',
      tag: 'spend',
      summary: 'The latest LLM calls (older spelling of /api/v1/spend/requests, without its filters)',
      params: [{ ...LIMIT, schema: { ...LIMIT.schema, default: 50 } }, CURSOR, ROUTED],
      ok: PAGE,
    }),
  },
};
