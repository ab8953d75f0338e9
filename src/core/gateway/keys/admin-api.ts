import { isOcoError, UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
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
function apiError(status: number, type: string, message: string, field?: unknown): AdminRouteResponse {
  return { status, body: { error: { type, message, ...(field ? { field } : {}) } } };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    const field = err.details?.flag;
    if (err.code === 'OCO_KEY_NOT_FOUND') return apiError(404, 'not_found', err.message);
    if (err.code === 'OCO_KEY_STATE') return apiError(409, 'conflict', err.message);
    if (err.exitCode === 2)
      return apiError(400, 'invalid_request', err.message.replace(/^--([\w-]+): /, '$1: '), field);
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
  const guarded =
    (fn: (req: Parameters<AdminRoute['handle']>[0]) => Promise<AdminRouteResponse>) =>
    async (req: Parameters<AdminRoute['handle']>[0]) => {
      try {
        return await fn(req);
      } catch (err) {
        return fromError(err);
      }
    };
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
