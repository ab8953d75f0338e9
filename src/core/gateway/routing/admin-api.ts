import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import { arr, obj, op, pathParam, type RouteDocs } from '../../base/openapi.js';
import type { Queryable } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import { listRoutePolicies, setRoutePolicy, unsetRoutePolicy, type PolicyTarget } from './policies.js';

/**
 * Routing policies on the admin API, the same service as `oco route set|unset|list`:
 * `GET /api/v1/route/policies`, `PUT /api/v1/route/policies/{key|team}/{id}` with `{"strategy": "cost"}`,
 * `DELETE /api/v1/route/policies/{key|team}/{id}`. A key is named by id, prefix or name; keys are
 * snake_case here, camelCase in the CLI's --json.
 */
function apiError(status: number, type: string, message: string, field?: unknown, code?: string): AdminRouteResponse {
  const c = code ?? (status === 404 ? 'OCO_NOT_FOUND' : 'OCO_ADMIN_BAD_REQUEST');
  return { status, body: { error: { type, code: c, message, ...(field ? { field } : {}) } } };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    const field = err.details?.flag;
    if (err.code === 'OCO_KEY_NOT_FOUND')
      return apiError(404, 'not_found', err.message.replace(/^--key: /, ''), field, err.code);
    if (err.exitCode === 2)
      return apiError(
        400,
        'invalid_request',
        err.message.replace(/^--[\w-]+: /, '').replace(/--(\w+)/g, '$1'),
        field,
        err.code,
      );
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

const POLICY_PARAMS = [
  pathParam('scope', 'key or team', { type: 'string', enum: ['key', 'team'] }),
  pathParam('subject', 'key id, prefix or name; or the team label'),
];

export const routePolicyRouteDocs: RouteDocs = {
  '/api/v1/route/policies': {
    get: op('get', {
      id: 'listRoutePolicies',
      tag: 'routing',
      summary: 'Routing strategies per key and team (oco route list)',
      ok: obj('policies', { policies: arr('one per key or team') }),
    }),
  },
  '/api/v1/route/policies/{scope}/{subject}': {
    put: op('put', {
      id: 'setRoutePolicy',
      tag: 'routing',
      summary: 'Set the routing strategy of a key or team (oco route set)',
      params: POLICY_PARAMS,
      body: {
        ...obj('the strategy', { strategy: { type: 'string', enum: ['off', 'cost', 'quality', 'latency'] } }),
        required: ['strategy'],
      },
      ok: obj('the policy', { policy: obj('scope, subject, strategy') }),
      notFound: true,
    }),
    delete: op('delete', {
      id: 'unsetRoutePolicy',
      tag: 'routing',
      summary: 'Remove the routing strategy of a key or team (oco route unset)',
      params: POLICY_PARAMS,
      ok: obj('what was removed'),
      notFound: true,
    }),
  },
};
