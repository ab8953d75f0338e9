import { guarded as guardedWith } from '../proxy/admin-errors.js';
import { isOcoError, UsageError } from '../../base/errors.js';
import { arr, obj, op, pathParam, type RouteDocs } from '../../base/openapi.js';
import type { Store } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteRequest, AdminRouteResponse } from '../proxy/admission.js';
import { parseTimeOrDuration } from '../usage/time.js';
import { listEntityAllowLists, setEntityAllowList } from './entity-lists.js';
import { createKey, keyLimits, parseGrace, rotateKey, setBlocked, updateKey, type KeyInput } from './lifecycle.js';
import { findKey, listKeys } from './service.js';
import { apiKeyView, limitsView } from './view.js';

/**
 * Virtual keys on the admin API, the same services and validation as `oco keys …` (bodies use the
 * CLI's flag names; responses are the CLI's --json documents in snake_case):
 * `GET|POST /api/v1/keys`, `GET|PATCH /api/v1/keys/{ref}`, `POST /api/v1/keys/{ref}/{rotate|block|unblock}`,
 * `GET /api/v1/allow-lists`, `PUT /api/v1/allow-lists/{team|org}/{id}`. A key is named by id, prefix or name.
 */
function apiError(status: number, type: string, code: string, message: string, field?: unknown): AdminRouteResponse {
  return { status, body: { error: { type, code, message, ...(field ? { field } : {}) } } };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    const field = err.details?.flag;
    if (err.code === 'OCO_KEY_NOT_FOUND') return apiError(404, 'not_found', err.code, err.message);
    if (err.code === 'OCO_KEY_STATE') return apiError(409, 'conflict', err.code, err.message);
    if (err.exitCode === 2)
      return apiError(400, 'invalid_request', err.code, err.message.replace(/^--([\w-]+): /, '$1: '), field);
  }
  throw err;
}

function object(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new UsageError('the body must be a JSON object', { code: 'OCO_KEY_INVALID' });
  return body as Record<string, unknown>;
}

/** `expires`: an ISO-8601 time or a duration such as 30d; null or "never" clears it (update). */
function expires(v: unknown): Date | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === 'never') return null;
  if (typeof v !== 'string') throw new UsageError('--expires: must be a string', { details: { flag: 'expires' } });
  return parseTimeOrDuration(v, 'expires', 'future');
}

function keyInput(b: Record<string, unknown>): KeyInput {
  const known = ['name', 'org', 'team', 'agent', 'user', 'expires', 'models', 'providers', 'metadata'];
  const unknown = Object.keys(b).filter((k) => ![...known, 'budget', 'period', 'window', 'rpm'].includes(k));
  if (unknown.length > 0)
    throw new UsageError(`unknown field ${unknown[0]}`, {
      code: 'OCO_KEY_INVALID',
      hint: `Fields: ${known.join(', ')}, budget, period, window, rpm.`,
      details: { flag: unknown[0] },
    });
  return { ...b, expires: expires(b.expires) } as KeyInput;
}

const ONE = '(?<ref>[^/]+)';

export function keyAdminRoutes(store: Store, opts: { timezone: string }): AdminRoute[] {
  const guarded = (fn: (req: AdminRouteRequest) => Promise<AdminRouteResponse>) => guardedWith(fn, fromError);
  const ref = (params: Record<string, string | undefined>) => decodeURIComponent(params.ref ?? '');
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/keys\/?$/,
      handle: guarded(async () => ({ status: 200, body: { keys: apiKeyView(await listKeys(store)) } })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/keys\/?$/,
      handle: guarded(async ({ body }) => {
        const input = keyInput(object(body));
        if (input.expires === null) delete input.expires;
        const { key, record, limits } = await createKey(store, input, opts);
        return { status: 201, body: apiKeyView({ ...record, key, limits: limitsView(limits) }) };
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/keys/${ONE}/?$`),
      handle: guarded(async ({ params }) => {
        const k = await findKey(store, ref(params));
        return { status: 200, body: apiKeyView({ ...k, limits: limitsView(await keyLimits(store, k.id)) }) };
      }),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/api/v1/keys/${ONE}/?$`),
      handle: guarded(async ({ params, body }) => {
        const { record, limits } = await updateKey(store, ref(params), keyInput(object(body)), opts);
        return { status: 200, body: apiKeyView({ ...record, limits: limitsView(limits) }) };
      }),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/keys/${ONE}/rotate/?$`),
      handle: guarded(async ({ params, body }) => {
        const b = body === undefined ? {} : object(body);
        const { key, record } = await rotateKey(store, ref(params), parseGrace(b.grace ?? '0'));
        return { status: 200, body: apiKeyView({ ...record, key }) };
      }),
    },
    ...(['block', 'unblock'] as const).map((action): AdminRoute => ({
      method: 'POST',
      pattern: new RegExp(`^/api/v1/keys/${ONE}/${action}/?$`),
      handle: guarded(async ({ params }) => ({
        status: 200,
        body: apiKeyView(await setBlocked(store, ref(params), action === 'block')),
      })),
    })),
    {
      method: 'GET',
      pattern: /^\/api\/v1\/allow-lists\/?$/,
      handle: guarded(async () => ({
        status: 200,
        body: apiKeyView({ allowLists: await listEntityAllowLists(store) }),
      })),
    },
    {
      method: 'PUT',
      pattern: /^\/api\/v1\/allow-lists\/(?<scope>team|org)\/(?<id>[^/]+)\/?$/,
      handle: guarded(async ({ params, body }) => {
        const b = object(body);
        const out = await setEntityAllowList(
          store,
          { [params.scope!]: decodeURIComponent(params.id ?? '') },
          { models: b.models, providers: b.providers },
        );
        return { status: 200, body: apiKeyView(out) };
      }),
    },
  ];
}

const KEY = obj('`oco keys get --json` in snake_case (never the secret, except `key` after create and rotate)');
const REF = pathParam('ref', 'key id, prefix or name');
const KEY_BODY = obj('the flags of oco keys create/update', {
  name: { type: 'string' },
  org: { type: 'string' },
  team: { type: 'string' },
  agent: { type: 'string' },
  user: { type: 'string' },
  expires: { type: ['string', 'null'], description: 'ISO-8601 time or a duration (30d); null or "never" clears' },
  models: { description: 'allowed model patterns (`*` any characters)' },
  providers: { description: 'allowed providers' },
  metadata: { description: 'free-form labels' },
  budget: { description: 'USD budget created with the key' },
  period: { type: 'string' },
  window: { type: 'string' },
  rpm: { description: 'requests per minute' },
});

export const keyRouteDocs: RouteDocs = {
  '/api/v1/keys': {
    get: op('get', {
      id: 'listKeys',
      tag: 'keys',
      summary: 'Virtual keys (oco keys list)',
      ok: obj('keys', { keys: arr('keys', KEY) }),
    }),
    post: op('post', {
      id: 'createKey',
      tag: 'keys',
      summary: 'Create a virtual key; the secret is in this answer only (oco keys create)',
      body: KEY_BODY,
      ok: KEY,
      okStatus: 201,
    }),
  },
  '/api/v1/keys/{ref}': {
    get: op('get', {
      id: 'getKey',
      tag: 'keys',
      summary: 'One virtual key (oco keys get)',
      params: [REF],
      ok: KEY,
      notFound: true,
    }),
    patch: op('patch', {
      id: 'updateKey',
      tag: 'keys',
      summary: "Change a key's labels, expiry, allow-lists or limits (oco keys update)",
      params: [REF],
      body: KEY_BODY,
      ok: KEY,
      notFound: true,
      conflict: true,
    }),
  },
  '/api/v1/keys/{ref}/rotate': {
    post: op('post', {
      id: 'rotateKey',
      tag: 'keys',
      summary: 'A new secret; the old one is accepted for the grace (oco keys rotate)',
      params: [REF],
      body: obj('grace: a duration such as 1h (default 0)', { grace: { type: 'string' } }),
      bodyRequired: false,
      ok: KEY,
      notFound: true,
      conflict: true,
    }),
  },
  ...Object.fromEntries(
    (['block', 'unblock'] as const).map((action) => [
      `/api/v1/keys/{ref}/${action}`,
      {
        post: op('post', {
          id: `${action}Key`,
          tag: 'keys',
          summary: `${action === 'block' ? 'Refuse' : 'Accept again'} the key's calls (oco keys ${action})`,
          params: [REF],
          ok: KEY,
          notFound: true,
          conflict: true,
        }),
      },
    ]),
  ),
  '/api/v1/allow-lists': {
    get: op('get', {
      id: 'listAllowLists',
      tag: 'keys',
      summary: 'Team and org allow-lists (oco keys allow)',
      ok: obj('allow-lists', { allow_lists: arr('one per team or org') }),
    }),
  },
  '/api/v1/allow-lists/{scope}/{id}': {
    put: op('put', {
      id: 'setAllowList',
      tag: 'keys',
      summary: "Set a team's or org's allowed models and providers (oco keys allow --team|--org)",
      params: [
        pathParam('scope', 'team or org', { type: 'string', enum: ['team', 'org'] }),
        pathParam('id', 'the team or org label'),
      ],
      body: obj('models and providers: lists of patterns (null clears)', { models: {}, providers: {} }),
      ok: obj('the allow-list'),
    }),
  },
};
