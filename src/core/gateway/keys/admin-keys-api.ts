import { snakeCaseKeys } from '../../base/json-keys.js';
import { arr, obj, op, pathParam, type RouteDocs } from '../../base/openapi.js';
import type { Store } from '../../base/store/types.js';
import { bodyObject, guarded } from '../proxy/admin-errors.js';
import type { AdminRoute } from '../proxy/admission.js';
import { ADMIN_SCOPES, createAdminKey, listAdminKeys, revokeAdminKey } from './admin-keys.js';

/**
 * Managed admin keys on the admin API, the same service as `oco admin-keys create|list|revoke`:
 * `GET|POST /api/v1/admin-keys`, `POST /api/v1/admin-keys/{ref}/revoke` (a key by id, prefix or name). Creating
 * and revoking need a write key like every change; the secret is in the create answer only.
 */
export function adminKeyAdminRoutes(store: Store): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/admin-keys\/?$/,
      handle: guarded(async () => ({ status: 200, body: snakeCaseKeys(await listAdminKeys(store)) })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/admin-keys\/?$/,
      handle: guarded(async ({ body }) => {
        const b = bodyObject(body);
        const { key, record } = await createAdminKey(store, { scope: b.scope, name: b.name });
        return { status: 201, body: snakeCaseKeys({ ...record, key }) };
      }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/admin-keys\/(?<ref>[^/]+)\/revoke\/?$/,
      handle: guarded(async ({ params }) => ({
        status: 200,
        body: snakeCaseKeys(await revokeAdminKey(store, decodeURIComponent(params.ref ?? ''))),
      })),
    },
  ];
}

const ADMIN_KEY = obj('an admin key (never its secret)', {
  id: { type: 'string' },
  name: { type: 'string' },
  scope: { type: 'string', enum: [...ADMIN_SCOPES] },
  prefix: { type: 'string' },
  created_at: { type: 'string' },
  revoked_at: { type: ['string', 'null'] },
  last_used_at: { type: ['string', 'null'] },
  status: { type: 'string', enum: ['active', 'revoked'] },
});

export const adminKeyRouteDocs: RouteDocs = {
  '/api/v1/admin-keys': {
    get: op('get', {
      id: 'listAdminKeys',
      tag: 'admin-keys',
      summary: 'Managed admin keys (oco admin-keys list)',
      ok: arr('admin keys', ADMIN_KEY),
    }),
    post: op('post', {
      id: 'createAdminKey',
      tag: 'admin-keys',
      summary: 'Create an admin key; the secret is in this answer only (oco admin-keys create)',
      body: {
        ...obj('scope read (GET only) or write (every route), and an optional unique name', {
          scope: { type: 'string', enum: [...ADMIN_SCOPES] },
          name: { type: 'string', pattern: '^[\\w.:@-]{1,64}$' },
        }),
        required: ['scope'],
      },
      ok: { ...ADMIN_KEY, properties: { ...(ADMIN_KEY.properties as object), key: { type: 'string' } } },
      okStatus: 201,
    }),
  },
  '/api/v1/admin-keys/{ref}/revoke': {
    post: op('post', {
      id: 'revokeAdminKey',
      tag: 'admin-keys',
      summary: 'Revoke an admin key at once (oco admin-keys revoke)',
      params: [pathParam('ref', 'admin key id, prefix or name')],
      ok: ADMIN_KEY,
      notFound: true,
    }),
  },
};
