import type { OcoConfig } from '../../base/config/resolve.js';
import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import type { Store } from '../../base/store/types.js';
import { SCOPE_NAMES, parseBudgetInput, type BudgetInput } from './model.js';
import { findBudget, listBudgets } from './repo.js';
import { budgetStatus, budgetStatuses, createBudget, raiseBudget } from './service.js';

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
  return { status, body: { error: { type, message, ...extra } } };
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
          return apiError(400, 'invalid_request', 'the body must be a JSON object');
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
  ];
}
