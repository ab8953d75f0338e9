import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import type { Queryable } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import { listRoutePolicies, setRoutePolicy, unsetRoutePolicy, type PolicyTarget } from './policies.js';

/**
 * Routing policies on the admin API, the same service as `oco route set|unset|list`:
 * `GET /api/v1/route/policies`, `PUT /api/v1/route/policies/{key|team}/{id}` with `{"strategy": "cost"}`,
 * `DELETE /api/v1/route/policies/{key|team}/{id}`. A key is named by id, prefix or name; keys are
 * snake_case here, camelCase in the CLI's --json.
 */
function apiError(status: number, type: string, message: string, field?: unknown): AdminRouteResponse {
  return { status, body: { error: { type, message, ...(field ? { field } : {}) } } };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    const field = err.details?.flag;
    if (err.code === 'OCO_KEY_NOT_FOUND') return apiError(404, 'not_found', err.message.replace(/^--key: /, ''), field);
    if (err.exitCode === 2)
      return apiError(400, 'invalid_request', err.message.replace(/^--[\w-]+: /, '').replace(/--(\w+)/g, '$1'), field);
  }
  throw err;
}

function target(params: Record<string, string | undefined>): PolicyTarget {
  const subject = decodeURIComponent(params.subject ?? '');
  return params.scope === 'key' ? { key: subject } : { team: subject };
}

const ONE = /^\/api\/v1\/route\/policies\/(?<scope>key|team)\/(?<subject>[^/]+)\/?$/;

export function routePolicyAdminRoutes(store: Queryable): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/route\/policies\/?$/,
      async handle() {
        return { status: 200, body: snakeCaseKeys({ policies: await listRoutePolicies(store) }) };
      },
    },
    {
      method: 'PUT',
      pattern: ONE,
      async handle({ params, body }) {
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return apiError(400, 'invalid_request', 'the body must be a JSON object such as {"strategy": "cost"}');
        const strategy = (body as Record<string, unknown>).strategy;
        if (typeof strategy !== 'string')
          return apiError(
            400,
            'invalid_request',
            'strategy must be a string: off, cost, quality or latency',
            'strategy',
          );
        try {
          return {
            status: 200,
            body: snakeCaseKeys({ policy: await setRoutePolicy(store, target(params), strategy) }),
          };
        } catch (err) {
          return fromError(err);
        }
      },
    },
    {
      method: 'DELETE',
      pattern: ONE,
      async handle({ params }) {
        try {
          const out = await unsetRoutePolicy(store, target(params));
          if (!out.removed)
            return apiError(404, 'not_found', `no routing strategy is set for ${out.scope} ${out.subject}`);
          return { status: 200, body: snakeCaseKeys(out) };
        } catch (err) {
          return fromError(err);
        }
      },
    },
  ];
}
