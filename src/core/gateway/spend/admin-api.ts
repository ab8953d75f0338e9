import type { OcoConfig } from '../../base/config/resolve.js';
import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import { UsageError } from '../../base/errors.js';
import { arr, obj, op, pathParam, queryParam, type RouteDocs } from '../../base/openapi.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import { bodyObject, guarded } from '../proxy/admin-errors.js';
import type { Store } from '../../base/store/types.js';
import {
  RATE_LIMIT_KINDS,
  RATE_LIMIT_SCOPES,
  SCOPE_NAMES,
  invalid,
  parseBudgetInput,
  parseBudgetUpdate,
  parseRateLimitInput,
  type BudgetInput,
} from './model.js';
import {
  deleteBudget,
  deleteRateLimit,
  findBudget,
  listAlerts,
  listBudgets,
  listRateLimits,
  resetBudget,
  updateBudget,
} from './repo.js';
import {
  budgetStatus,
  budgetStatuses,
  createBudget,
  createRateLimit,
  raiseBudget,
  rateLimitStatuses,
  rateLimitView,
} from './service.js';

/**
 * The budgets part of the admin API. The daemon owns HTTP, the X-API-Key check
 * and JSON parsing; these handlers take parsed input and return {status, body}.
 * Bodies use the same names as the CLI flags (scope, entity, limit, period,
 * window, timezone, soft, alert-at, provider, model, webhook) and accept the
 * API spellings entity_id, limit_usd, alert_at, webhook_url and hard.
 * Responses spell the service's camelCase budget status in snake_case, the
 * admin API's key style (the CLI's --json prints the same status in camelCase).
 * A new budget's team or org must be managed, or its key exist (`create_entity: true` creates the team or
 * org); `POST /api/v1/budgets/{id}/raise` is `oco budgets raise`. Errors carry the registry's code.
 */

function apiError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): AdminRouteResponse {
  const code = status === 404 ? 'OCO_BUDGET_NOT_FOUND' : status === 409 ? 'OCO_BUDGET_EXISTS' : 'OCO_SPEND_INVALID';
  return { status, body: { error: { type, code, message, ...extra } } };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    const field = err.details?.flag as string | undefined;
    const code = { code: err.code };
    if (err.code === 'OCO_BUDGET_EXISTS') return apiError(409, 'conflict', err.message, code);
    if (err.code === 'OCO_BUDGET_NOT_FOUND') return apiError(404, 'not_found', err.message, code);
    if (err.exitCode === 2)
      return apiError(400, 'invalid_request', err.message.replace(/^--[\w-]+: /, ''), {
        ...(field ? { field } : {}),
        ...code,
        ...(err.hint ? { hint: err.hint } : {}),
      });
  }
  throw err;
}

/** Maps an API body onto the CLI's input names, so one validation serves both. */
export function bodyToInput(body: unknown): BudgetInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const pick = (...names: string[]) => names.map((n) => b[n]).find((v) => v !== undefined);
  const hard = pick('hard');
  return {
    scope: pick('scope'),
    entity: pick('entity', 'entity_id'),
    limit: pick('limit', 'limit_usd'),
    period: pick('period'),
    window: pick('window', 'rolling_window'),
    timezone: pick('timezone'),
    soft: pick('soft') ?? (typeof hard === 'boolean' ? !hard : hard),
    'alert-at': pick('alert-at', 'alert_at', 'alert_thresholds'),
    provider: pick('provider'),
    model: pick('model'),
    webhook: pick('webhook', 'webhook_url'),
    name: pick('name'),
  };
}

/** The body fields PATCH /api/v1/budgets/{id} accepts (the CLI's flag names and the API spellings). */
const UPDATE_FIELDS = [
  'limit',
  'limit_usd',
  'period',
  'window',
  'rolling_window',
  'timezone',
  'soft',
  'hard',
  'alert-at',
  'alert_at',
  'alert_thresholds',
  'webhook',
  'webhook_url',
  'name',
];

export interface BudgetsApiRequest {
  method: string;
  /** Path without the query, e.g. /api/v1/budgets/team/payments. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** One entry point for daemons without a route table: answers the three budget routes, or null for any other path. */
export async function handleBudgetsApi(
  config: OcoConfig,
  store: Store,
  req: BudgetsApiRequest,
): Promise<AdminRouteResponse | null> {
  for (const route of budgetAdminRoutes(config, store)) {
    const m = route.pattern.exec(req.path);
    if (m && route.method === req.method.toUpperCase())
      return route.handle({ params: { ...m.groups }, query: req.query, body: req.body });
  }
  return null;
}

export function budgetAdminRoutes(config: OcoConfig, store: Store): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/budgets\/?$/,
      async handle({ query }) {
        const scope = query.get('scope') ?? undefined;
        if (scope && !SCOPE_NAMES.includes(scope as never))
          return apiError(400, 'invalid_request', `scope must be one of ${SCOPE_NAMES.join(', ')}`, { field: 'scope' });
        const budgets = await listBudgets(store, { scope, entityId: query.get('entity_id') ?? undefined });
        return { status: 200, body: snakeCaseKeys({ budgets: await budgetStatuses(store, budgets) }) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/budgets\/?$/,
      async handle({ body }) {
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return apiError(400, 'invalid_request', 'the body must be a JSON object', { code: 'OCO_ADMIN_BAD_REQUEST' });
        try {
          const fields = parseBudgetInput(bodyToInput(body), config.string('budget.timezone') ?? 'UTC');
          const createEntity = (body as Record<string, unknown>).create_entity;
          if (createEntity !== undefined && typeof createEntity !== 'boolean')
            return apiError(400, 'invalid_request', 'create_entity must be true or false', {
              field: 'create_entity',
              code: 'OCO_SPEND_INVALID',
            });
          const created = await createBudget(store, fields, { createEntity: createEntity === true });
          return { status: 201, body: snakeCaseKeys({ budget: await budgetStatus(store, created) }) };
        } catch (err) {
          return fromError(err);
        }
      },
    },
    {
      // {"by": "20", "until": "2026-12-31T00:00:00Z"} or {"clear": true}: the CLI's budgets raise.
      method: 'POST',
      pattern: /^\/api\/v1\/budgets\/(?<id>bud_[^/]+)\/raise\/?$/,
      async handle({ params, body }) {
        if (body !== undefined && (!body || typeof body !== 'object' || Array.isArray(body)))
          return apiError(400, 'invalid_request', 'the body must be a JSON object');
        const b = (body ?? {}) as Record<string, unknown>;
        const unknown = Object.keys(b).find((k) => !['by', 'until', 'clear'].includes(k));
        if (unknown)
          return apiError(400, 'invalid_request', `unknown field ${unknown}; fields: by, until, clear`, {
            field: unknown,
            code: 'OCO_BUDGET_RAISE_INVALID',
          });
        try {
          const budget = await findBudget(store, { id: decodeURIComponent(params.id ?? '') });
          const raised = await raiseBudget(store, budget, b);
          return { status: 200, body: snakeCaseKeys({ budget: await budgetStatus(store, raised) }) };
        } catch (err) {
          return fromError(err);
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/budgets\/(?<scope>[^/]+)\/(?<entity_id>[^/]+)\/?$/,
      async handle({ params }) {
        const scope = decodeURIComponent(params.scope ?? '');
        const entityId = decodeURIComponent(params.entity_id ?? '');
        if (!SCOPE_NAMES.includes(scope as never))
          return apiError(400, 'invalid_request', `scope must be one of ${SCOPE_NAMES.join(', ')}`, { field: 'scope' });
        const budgets = await listBudgets(store, { scope, entityId });
        if (budgets.length === 0) return apiError(404, 'not_found', `no budget for ${scope} ${entityId}`);
        return { status: 200, body: snakeCaseKeys({ budgets: await budgetStatuses(store, budgets) }) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/api\/v1\/budgets\/(?<id>[^/]+)\/?$/,
      handle: guarded(async ({ params, body }) => {
        const b = bodyObject(body);
        const unknown = Object.keys(b).find((k) => !UPDATE_FIELDS.includes(k));
        if (unknown !== undefined)
          throw invalid(
            unknown,
            `unknown field ${unknown}`,
            `Fields: ${UPDATE_FIELDS.join(', ')}. Nothing was stored.`,
          );
        const changes = bodyToInput(b);
        if (Object.values(changes).every((v) => v === undefined))
          throw new UsageError(`nothing to change: give at least one of ${UPDATE_FIELDS.join(', ')}`, {
            code: 'OCO_ADMIN_BAD_REQUEST',
          });
        const current = await findBudget(store, { id: decodeURIComponent(params.id ?? '') });
        const fields = parseBudgetUpdate(current, changes);
        const updated = await updateBudget(store, current.id, fields);
        return { status: 200, body: snakeCaseKeys({ budget: await budgetStatus(store, updated) }) };
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/budgets\/(?<id>[^/]+)\/?$/,
      handle: guarded(async ({ params }) => {
        const b = await findBudget(store, { id: decodeURIComponent(params.id ?? '') });
        await deleteBudget(store, b.id);
        return { status: 200, body: snakeCaseKeys({ deleted: b.id, scope: b.scope, entityId: b.entityId }) };
      }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/budgets\/(?<id>[^/]+)\/reset\/?$/,
      handle: guarded(async ({ params }) => {
        const b = await findBudget(store, { id: decodeURIComponent(params.id ?? '') });
        return {
          status: 200,
          body: snakeCaseKeys({ budget: await budgetStatus(store, await resetBudget(store, b.id)) }),
        };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/budgets\/alerts\/?$/,
      handle: guarded(async ({ query }) => {
        const limit = query.get('limit') ?? '100';
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000)
          throw invalid('limit', `"${limit}" is not a whole number from 1 to 10000`);
        const id = query.get('budget') ?? undefined;
        const alerts = await listAlerts(store, {
          budgetId: id === undefined ? undefined : (await findBudget(store, { id })).id,
          limit: Number(limit),
        });
        return { status: 200, body: snakeCaseKeys(alerts) };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/limits\/?$/,
      handle: guarded(async () => ({
        status: 200,
        body: snakeCaseKeys(await rateLimitStatuses(store, await listRateLimits(store))),
      })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/limits\/?$/,
      handle: guarded(async ({ body }) => {
        const b = bodyObject(body);
        const input = parseRateLimitInput(
          {
            scope: b.scope,
            entity: b.entity ?? b.entity_id,
            kind: b.kind,
            limit: b.limit,
            window: b.window,
            provider: b.provider,
            model: b.model,
            period: b.period,
            timezone: b.timezone,
          },
          config.string('budget.timezone') ?? 'UTC',
        );
        if (b.create_entity !== undefined && typeof b.create_entity !== 'boolean')
          throw invalid('create_entity', 'must be true or false');
        const created = await createRateLimit(store, input, { createEntity: b.create_entity === true });
        return { status: 200, body: snakeCaseKeys(rateLimitView(created)) };
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/limits\/(?<id>[^/]+)\/?$/,
      handle: guarded(async ({ params }) => ({
        status: 200,
        body: snakeCaseKeys(
          (await deleteRateLimit(store, { id: decodeURIComponent(params.id ?? '') })).map(rateLimitView),
        ),
      })),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/limits\/?$/,
      handle: guarded(async ({ query }) => {
        const scope = query.get('scope');
        const entity = query.get('entity') ?? query.get('entity_id');
        if (!scope || !entity)
          throw invalid(
            scope ? 'entity' : 'scope',
            'name the limits with scope and entity (or DELETE /api/v1/limits/{id})',
          );
        if (!RATE_LIMIT_SCOPES.includes(scope as never))
          throw invalid('scope', `"${scope}" is not one of ${RATE_LIMIT_SCOPES.join(', ')}`);
        const kind = query.get('kind') ?? undefined;
        if (kind !== undefined && !RATE_LIMIT_KINDS.includes(kind as never))
          throw invalid('kind', `"${kind}" is not one of ${RATE_LIMIT_KINDS.join(', ')}`);
        const removed = await deleteRateLimit(store, { scope, entityId: entity, kind });
        return { status: 200, body: snakeCaseKeys(removed.map(rateLimitView)) };
      }),
    },
  ];
}

const BUDGET = obj('`oco budgets get --json` in snake_case: the budget and its status (spent, reserved, remaining)');
const BUDGET_BODY = obj('the CLI flag names, or the API spellings in parentheses', {
  scope: { type: 'string', enum: [...SCOPE_NAMES] },
  entity: { type: 'string', description: 'entity id within the scope (entity_id)' },
  limit: { type: ['string', 'number'], description: 'USD, a plain decimal (limit_usd)' },
  period: { type: 'string', description: 'daily, weekly, monthly or rolling' },
  window: { type: 'string', description: 'rolling window, e.g. 7d (rolling_window)' },
  timezone: { type: 'string' },
  soft: { type: 'boolean', description: 'alert only (or hard: false)' },
  hard: { type: 'boolean' },
  'alert-at': { description: 'thresholds in percent, e.g. "50,80,100" (alert_at)' },
  provider: { type: 'string' },
  model: { type: 'string' },
  webhook: { type: 'string', description: 'https URL (webhook_url); "none" or "" clears it on update' },
  name: { type: 'string' },
});
const BUDGET_ID = pathParam('id', 'budget id (oco budgets list)');
const LIMIT_VIEW = obj('`oco limits list --json` row in snake_case', {
  id: { type: 'string' },
  scope: { type: 'string', enum: [...RATE_LIMIT_SCOPES] },
  entity_id: { type: 'string' },
  kind: { type: 'string', enum: [...RATE_LIMIT_KINDS] },
  limit: { type: 'integer' },
  window: { type: ['string', 'null'] },
  period: { type: ['string', 'null'], description: 'kind requests: the quota period' },
  timezone: { type: ['string', 'null'] },
  provider: { type: ['string', 'null'] },
  model: { type: ['string', 'null'] },
  used: { type: ['integer', 'null'], description: 'kind requests: calls counted this period (else null: unknown)' },
  remaining: { type: ['integer', 'null'] },
  resets_at: { type: ['string', 'null'] },
  created_at: { type: 'string' },
});

export const spendRouteDocs: RouteDocs = {
  '/api/v1/budgets': {
    get: op('get', {
      id: 'listBudgets',
      tag: 'budgets',
      summary: 'Budgets with their status (oco budgets list)',
      params: [
        queryParam('scope', 'only this scope', { type: 'string', enum: [...SCOPE_NAMES] }),
        queryParam('entity_id', 'only this entity'),
      ],
      ok: obj('budgets', { budgets: arr('budget statuses', BUDGET) }),
    }),
    post: op('post', {
      id: 'createBudget',
      tag: 'budgets',
      summary: 'Create a budget (oco budgets create)',
      body: { ...BUDGET_BODY, required: ['scope', 'entity', 'limit'] },
      ok: obj('the new budget', { budget: BUDGET }),
      okStatus: 201,
      conflict: true,
    }),
  },
  '/api/v1/budgets/{scope}/{entity_id}': {
    get: op('get', {
      id: 'getBudgets',
      tag: 'budgets',
      summary: "An entity's budgets with their status (oco budgets get --scope --entity)",
      params: [
        pathParam('scope', 'budget scope', { type: 'string', enum: [...SCOPE_NAMES] }),
        pathParam('entity_id', 'entity id within the scope'),
      ],
      ok: obj('budgets', { budgets: arr('budget statuses', BUDGET) }),
      notFound: true,
    }),
  },
  '/api/v1/budgets/{id}': {
    patch: op('patch', {
      id: 'updateBudget',
      tag: 'budgets',
      summary: "Change a budget's limit, period, thresholds, webhook, name or hard/soft mode (oco budgets update)",
      params: [BUDGET_ID],
      body: BUDGET_BODY,
      ok: obj('the changed budget', { budget: BUDGET }),
      notFound: true,
    }),
    delete: op('delete', {
      id: 'deleteBudget',
      tag: 'budgets',
      summary: 'Delete a budget and its alert records; the ledger stays (oco budgets delete)',
      params: [BUDGET_ID],
      ok: obj('what was deleted', {
        deleted: { type: 'string' },
        scope: { type: 'string' },
        entity_id: { type: 'string' },
      }),
      notFound: true,
    }),
  },
  '/api/v1/budgets/{id}/reset': {
    post: op('post', {
      id: 'resetBudget',
      tag: 'budgets',
      summary: "Start a budget's current period over; alerts re-arm (oco budgets reset)",
      params: [BUDGET_ID],
      ok: obj('the reset budget', { budget: BUDGET }),
      notFound: true,
    }),
  },
  '/api/v1/budgets/{id}/raise': {
    post: op('post', {
      id: 'raiseBudget',
      tag: 'budgets',
      summary: "Raise a budget's limit for a while, or clear the raise (oco budgets raise)",
      description: 'Give by and until together, or clear alone; an empty body is refused.',
      params: [
        pathParam('id', 'budget id (oco budgets list); only ids of the form bud_… are routed here', {
          type: 'string',
          pattern: '^bud_',
          examples: ['bud_0123456789abcdef'],
        }),
      ],
      body: obj('by and until, or clear; any other field is refused (OCO_BUDGET_RAISE_INVALID)', {
        by: { type: ['string', 'number'], description: 'USD added to the limit, a plain decimal above 0' },
        until: {
          type: 'string',
          description: 'when the raise ends, in the future: an ISO 8601 date (midnight UTC) or date-time with a zone',
        },
        clear: {
          type: ['boolean', 'string'],
          description: 'true (or "true"): end the raise now; not with by or until',
        },
      }),
      ok: obj('the budget with its raise', { budget: BUDGET }),
      notFound: true,
    }),
  },
  '/api/v1/budgets/alerts': {
    get: op('get', {
      id: 'listBudgetAlerts',
      tag: 'budgets',
      summary: 'Recorded budget alerts (thresholds crossed, calls refused), newest first (oco budgets alerts)',
      params: [
        queryParam('budget', 'only this budget id'),
        queryParam('limit', 'at most this many (1 to 10000)', {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          default: 100,
        }),
      ],
      ok: arr('alerts in snake_case (`oco budgets alerts --json`)'),
      notFound: true,
    }),
  },
  '/api/v1/limits': {
    get: op('get', {
      id: 'listRateLimits',
      tag: 'limits',
      summary: 'Rate limits (oco limits list)',
      ok: arr('rate limits', LIMIT_VIEW),
    }),
    post: op('post', {
      id: 'setRateLimit',
      tag: 'limits',
      summary:
        'Create or change a rate limit or request quota: one per scope, entity, kind and narrowing (oco limits create)',
      body: obj('the CLI flag names', {
        scope: { type: 'string', enum: [...RATE_LIMIT_SCOPES] },
        entity: { type: 'string', description: 'entity id within the scope (entity_id)' },
        kind: { type: 'string', enum: [...RATE_LIMIT_KINDS] },
        limit: { type: ['integer', 'string'], description: 'requests, tokens or concurrent calls (≥ 1)' },
        window: { type: 'string', description: 'rpm/tpm window, e.g. 1m (default), 10s, 1h; a rolling quota window' },
        period: { type: 'string', description: 'kind requests: daily, weekly, monthly, rolling or total' },
        timezone: { type: 'string', description: 'kind requests: IANA timezone of calendar periods' },
        provider: { type: 'string', description: 'count only calls to this provider' },
        model: { type: 'string', description: 'count only calls to this model' },
        create_entity: { type: 'boolean', description: 'create the team or org when it is not managed yet' },
      }),
      ok: LIMIT_VIEW,
    }),
    delete: op('delete', {
      id: 'deleteRateLimits',
      tag: 'limits',
      summary: 'Delete the limits of a scope and entity, optionally one kind (oco limits delete --scope --entity)',
      params: [
        queryParam('scope', 'key, agent, team or org', { type: 'string', enum: [...RATE_LIMIT_SCOPES] }),
        queryParam('entity', 'entity id within the scope'),
        queryParam('kind', 'only this kind', { type: 'string', enum: [...RATE_LIMIT_KINDS] }),
      ],
      ok: arr('the deleted limits', LIMIT_VIEW),
      notFound: true,
    }),
  },
  '/api/v1/limits/{id}': {
    delete: op('delete', {
      id: 'deleteRateLimit',
      tag: 'limits',
      summary: 'Delete a rate limit by id (oco limits delete ID)',
      params: [pathParam('id', 'rate limit id')],
      ok: arr('the deleted limit', LIMIT_VIEW),
      notFound: true,
    }),
  },
};
