import { guarded as guardedWith } from '../proxy/admin-errors.js';
import { isOcoError, UsageError } from '../../base/errors.js';
import { snakeCase } from '../../base/json-keys.js';
import { arr, obj, op, pathParam, queryParam, type JsonSchema, type RouteDocs } from '../../base/openapi.js';
import type { Store } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteRequest, AdminRouteResponse } from '../proxy/admission.js';
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
  DEFAULT_BUDGET_PERIODS,
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
  const guarded = (fn: (req: AdminRouteRequest) => Promise<AdminRouteResponse>) => guardedWith(fn, fromError);
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

const LIST: JsonSchema = {
  type: ['array', 'string', 'null'],
  items: { type: 'string' },
  description: 'a list or a comma-separated string; null, "" or "none" lifts the restriction',
};

function entityBody(scope: EntityScope, update: boolean): JsonSchema {
  const clears = update ? '; null, "" or "none" clears it' : '';
  return obj(`${update ? 'the fields to change' : 'the new ' + scope}; any other field is refused`, {
    ...(update ? {} : { name: { type: 'string', description: `the ${scope} name: the label calls carry` } }),
    ...(scope === 'team'
      ? { org: { type: ['string', 'null'], description: `a managed org the team belongs to${clears}` } }
      : {}),
    description: { type: ['string', 'null'], description: `at most 500 characters${clears}` },
    metadata: {
      type: ['object', 'array'],
      description: 'key → value (or ["k=v", …]); on update a key set to null is removed',
    },
    models: {
      ...LIST,
      description: `model patterns the ${scope}'s calls may use (*: any characters); ${LIST.description}`,
    },
    providers: { ...LIST, description: `providers the ${scope}'s calls may use; ${LIST.description}` },
    default_budget: {
      type: ['string', 'number', 'null'],
      description: `USD budget a key created in the ${scope} gets when it names none${clears}`,
    },
    default_budget_period: {
      type: ['string', 'null'],
      enum: [...DEFAULT_BUDGET_PERIODS, null],
      description: "the default budget's period (monthly unless given)",
    },
    default_rpm: {
      type: ['integer', 'string', 'null'],
      description: `requests per minute a key created in the ${scope} gets when it names none${clears}`,
    },
  });
}

/** `stored`: the object as stored (a deleted org: org null, no teams list) rather than the view. */
function entityViewSchema(scope: EntityScope, stored = false): JsonSchema {
  return obj(`\`oco ${scope}s get --json\` in snake_case (metadata keys as given)`, {
    scope: { type: 'string', enum: [scope] },
    name: { type: 'string' },
    ...(scope === 'team' || stored
      ? { org: { type: ['string', 'null'], description: "a team's org; always null for an org" } }
      : { teams: arr("its teams' names", { type: 'string' }) }),
    description: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: no restriction' },
    allowed_providers: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: no restriction' },
    default_budget_usd: { type: ['string', 'null'], description: 'decimal USD' },
    default_budget_period: { type: ['string', 'null'] },
    default_rpm: { type: ['integer', 'null'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  });
}

const REFERENCES = obj('what still names it: active keys, teams (of an org), budgets and rate limits', {
  keys: { type: 'integer' },
  teams: { type: 'integer' },
  budgets: { type: 'integer' },
  rate_limits: { type: 'integer' },
});

/** The same five operations for teams and for orgs. */
export const entityRouteDocs: RouteDocs = Object.fromEntries(
  (['team', 'org'] as const).flatMap((scope) => {
    const plural = `${scope}s`;
    const Cap = scope === 'team' ? 'Team' : 'Org';
    const view = entityViewSchema(scope);
    const name = pathParam('name', `${scope} name (oco ${plural} list)`);
    return [
      [
        `/api/v1/${plural}`,
        {
          get: op('get', {
            id: `list${Cap}s`,
            tag: plural,
            summary: `Managed ${plural} (oco ${plural} list)`,
            ok: obj(plural, { [plural]: arr(plural, view) }),
          }),
          post: op('post', {
            id: `create${Cap}`,
            tag: plural,
            summary: `Create a ${scope} with its allow-lists and defaults (oco ${plural} create)`,
            body: { ...entityBody(scope, false), required: ['name'] },
            ok: view,
            okStatus: 201,
            conflict: true,
          }),
        },
      ],
      [
        `/api/v1/${plural}/{name}`,
        {
          get: op('get', {
            id: `get${Cap}`,
            tag: plural,
            summary: `A ${scope} and what still names it (oco ${plural} get)`,
            params: [name],
            ok: { ...view, properties: { ...(view.properties as object), references: REFERENCES } },
            notFound: true,
          }),
          patch: op('patch', {
            id: `update${Cap}`,
            tag: plural,
            summary: `Change a ${scope}; its name is not changed (oco ${plural} update)`,
            params: [name],
            body: entityBody(scope, true),
            ok: view,
            notFound: true,
          }),
          delete: op('delete', {
            id: `delete${Cap}`,
            tag: plural,
            summary: `Delete a ${scope}; refused (409) while referenced unless force=true (oco ${plural} delete)`,
            params: [
              name,
              queryParam('force', 'delete although keys, teams, budgets or rate limits still name it', {
                type: 'string',
                enum: ['true', 'false'],
              }),
            ],
            ok: obj('the deleted object and what named it', {
              deleted: entityViewSchema(scope, true),
              references: REFERENCES,
            }),
            notFound: true,
            conflict: true,
          }),
        },
      ],
    ];
  }),
) as RouteDocs;
