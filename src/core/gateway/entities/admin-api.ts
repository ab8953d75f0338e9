import { isOcoError, UsageError } from '../../base/errors.js';
import { snakeCase } from '../../base/json-keys.js';
import type { Store } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import {
  createEntity,
  deleteEntity,
  entityReferences,
  entityView,
  getEntity,
  listEntities,
  updateEntity,
  type EntityInput,
  type EntityScope,
} from './service.js';

/**
 * Teams and orgs on the admin API, the same services and validation as `oco teams|orgs …`:
 * `GET|POST /api/v1/{teams|orgs}`, `GET|PATCH|DELETE /api/v1/{teams|orgs}/{name}` (DELETE `?force=true`).
 * Bodies: name, org (teams), description, metadata (object), models, providers, default_budget,
 * default_budget_period, default_rpm. Responses are the CLI's --json documents in snake_case; errors carry
 * the registry's code and the field.
 */
const FIELDS: Record<string, keyof EntityInput> = {
  name: 'name',
  org: 'org',
  description: 'description',
  metadata: 'metadata',
  models: 'models',
  providers: 'providers',
  default_budget: 'default-budget',
  default_budget_period: 'default-budget-period',
  default_rpm: 'default-rpm',
};

/** snake_case keys at every depth, except inside `metadata`, whose keys are the user's own. */
function apiView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(apiView);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [snakeCase(k), k === 'metadata' ? x : apiView(x)]));
}

function apiError(
  status: number,
  type: string,
  err: { message: string; code?: string; hint?: string },
  field?: unknown,
) {
  return {
    status,
    body: {
      error: {
        type,
        message: err.message.replace(/^--([\w-]+): /, '$1: '),
        ...(err.code ? { code: err.code } : {}),
        ...(typeof field === 'string' ? { field: field.replaceAll('-', '_') } : {}),
        ...(err.hint ? { hint: err.hint } : {}),
      },
    },
  };
}

function fromError(err: unknown): AdminRouteResponse {
  if (isOcoError(err)) {
    if (err.code === 'OCO_ENTITY_NOT_FOUND') return apiError(404, 'not_found', err);
    if (err.code === 'OCO_ENTITY_EXISTS' || err.code === 'OCO_ENTITY_IN_USE') return apiError(409, 'conflict', err);
    if (err.exitCode === 2) return apiError(400, 'invalid_request', err, err.details?.flag);
  }
  throw err;
}

function input(body: unknown, scope: EntityScope): EntityInput {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new UsageError('the body must be a JSON object', { code: 'OCO_ENTITY_INVALID' });
  const out: EntityInput = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const f = FIELDS[k];
    if (!f || (scope === 'org' && k === 'org'))
      throw new UsageError(`unknown field ${k}`, {
        code: 'OCO_ENTITY_INVALID',
        hint: `Fields: ${Object.keys(FIELDS)
          .filter((n) => scope === 'team' || n !== 'org')
          .join(', ')}.`,
        details: { flag: k },
      });
    out[f] = v;
  }
  return out;
}

export function entityAdminRoutes(store: Store): AdminRoute[] {
  const guarded =
    (fn: (req: Parameters<AdminRoute['handle']>[0]) => Promise<AdminRouteResponse>) =>
    async (req: Parameters<AdminRoute['handle']>[0]) => {
      try {
        return await fn(req);
      } catch (err) {
        return fromError(err);
      }
    };
  const name = (params: Record<string, string | undefined>) => decodeURIComponent(params.name ?? '');
  return (['team', 'org'] as const).flatMap((scope): AdminRoute[] => {
    const plural = `${scope}s`;
    const one = new RegExp(`^/api/v1/${plural}/(?<name>[^/]+)/?$`);
    return [
      {
        method: 'GET',
        pattern: new RegExp(`^/api/v1/${plural}/?$`),
        handle: guarded(async () => {
          const views = [];
          for (const e of await listEntities(store, scope)) views.push(await entityView(store, e));
          return { status: 200, body: apiView({ [plural]: views }) };
        }),
      },
      {
        method: 'POST',
        pattern: new RegExp(`^/api/v1/${plural}/?$`),
        handle: guarded(async ({ body }) => {
          const e = await createEntity(store, scope, input(body, scope));
          return { status: 201, body: apiView(await entityView(store, e)) };
        }),
      },
      {
        method: 'GET',
        pattern: one,
        handle: guarded(async ({ params }) => {
          const e = await getEntity(store, scope, name(params));
          const references = await entityReferences(store, scope, e.name);
          return { status: 200, body: apiView({ ...(await entityView(store, e)), references }) };
        }),
      },
      {
        method: 'PATCH',
        pattern: one,
        handle: guarded(async ({ params, body }) => {
          const b = input(body, scope);
          if (b.name !== undefined)
            throw new UsageError('name: a team or org is not renamed (its name is the label calls carry)', {
              code: 'OCO_ENTITY_INVALID',
              hint: 'Create a new one and move its keys.',
              details: { flag: 'name' },
            });
          const e = await updateEntity(store, scope, name(params), b);
          return { status: 200, body: apiView(await entityView(store, e)) };
        }),
      },
      {
        method: 'DELETE',
        pattern: one,
        handle: guarded(async ({ params, query }) => {
          const force = query.get('force');
          if (force !== null && force !== 'true' && force !== 'false')
            throw new UsageError('force: must be true or false', {
              code: 'OCO_ENTITY_INVALID',
              details: { flag: 'force' },
            });
          const out = await deleteEntity(store, scope, name(params), { force: force === 'true' });
          return { status: 200, body: apiView(out) };
        }),
      },
    ];
  });
}
