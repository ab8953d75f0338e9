import { isOcoError, NotFoundError, UsageError } from '../../base/errors.js';
import { money } from '../../base/money.js';
import type { Queryable, Store } from '../../base/store/types.js';
import { parseModelPatterns, parseProviders } from '../keys/allow.js';
import { listEntityAllowLists, writeEntityAllowList, type EntityScope } from '../keys/entity-lists.js';
import { VALID_LABEL } from '../keys/labels.js';
import { mergeMetadata, parseMetadata } from '../keys/metadata.js';
import { findKey } from '../keys/service.js';
import { parseLimitUsd } from '../spend/model.js';
import { listUpstreams } from '../upstreams/registry.js';

/**
 * Teams and orgs as managed objects. A team's or org's name IS the attribution label calls carry (a key's
 * --team/--org, X-Team-ID/X-Org-ID), so budgets, rate limits and allow-lists keep matching by label and
 * managing a label changes nothing for calls already made under it. A team belongs to at most one org.
 * What flows down: the allow-lists (checked at call time, key ∩ team ∩ org), and the default budget and rpm
 * a key created in the team gets when it names none of its own (the team's, else its org's).
 */
export type { EntityScope };

export interface Entity {
  scope: EntityScope;
  name: string;
  /** A team's org (null: none); always null for an org. */
  org: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** The team's or org's allow-lists (the entity_allow_lists row of its label); null: no restriction. */
  allowedModels: string[] | null;
  allowedProviders: string[] | null;
  /** What a key created in the team (or the org's teams) gets when it names no budget / rpm of its own. */
  defaultBudgetUsd: string | null;
  defaultBudgetPeriod: string | null;
  defaultRpm: number | null;
  createdAt: string;
  updatedAt: string;
}

/** Raw input as flags or JSON give them (undefined: not given; null or "none" clears on update). */
export interface EntityInput {
  name?: unknown;
  org?: unknown;
  description?: unknown;
  metadata?: unknown;
  models?: unknown;
  providers?: unknown;
  'default-budget'?: unknown;
  'default-budget-period'?: unknown;
  'default-rpm'?: unknown;
}

/** What still names a team or org: delete refuses while any of these exist (unless forced). */
export interface EntityReferences {
  keys: number;
  teams: number;
  budgets: number;
  rateLimits: number;
}

/** Periods a default budget may have; rolling needs a window, which a default does not carry. */
export const DEFAULT_BUDGET_PERIODS = ['daily', 'weekly', 'monthly', 'total'] as const;

function invalid(flag: string, message: string, hint = 'Nothing was changed.'): UsageError {
  return new UsageError(`--${flag}: ${message}`, { code: 'OCO_ENTITY_INVALID', hint, details: { flag } });
}

function cleared(v: unknown): boolean {
  return v === null || v === '' || v === 'none';
}

export function parseEntityName(scope: EntityScope, v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!VALID_LABEL.test(s))
    throw invalid(
      'name',
      `"${String(v ?? '').slice(0, 60)}" is not a ${scope} name: 1-128 letters, digits and . _ @ : / + -`,
      `The name is the label calls carry, e.g. oco ${scope}s create payments.`,
    );
  return s;
}

type Row = {
  scope: string;
  name: string;
  parent_org: string | null;
  description: string | null;
  metadata: string | null;
  default_rpm: number | string | null;
  default_budget_usd: string | number | null;
  default_budget_period: string | null;
  created_at: string | Date;
  updated_at: string | Date;
};

const COLUMNS =
  'scope, name, parent_org, description, metadata, default_rpm, default_budget_usd, default_budget_period,' +
  ' created_at, updated_at';

async function withLists(q: Queryable, rows: Row[]): Promise<Entity[]> {
  const lists = rows.length ? await listEntityAllowLists(q) : [];
  return rows.map((r) => {
    const l = lists.find((x) => x.scope === r.scope && x.entityId === r.name);
    return {
      scope: r.scope as EntityScope,
      name: r.name,
      org: r.parent_org,
      description: r.description,
      metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, string>) : {},
      allowedModels: l?.models ?? null,
      allowedProviders: l?.providers ?? null,
      defaultBudgetUsd: r.default_budget_usd === null ? null : money(String(r.default_budget_usd)).toFixed(),
      defaultBudgetPeriod: r.default_budget_period,
      defaultRpm: r.default_rpm === null ? null : Number(r.default_rpm),
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  });
}

export async function listEntities(q: Queryable, scope: EntityScope, filter: { org?: string } = {}): Promise<Entity[]> {
  const rows = filter.org
    ? await q.all<Row>(`SELECT ${COLUMNS} FROM entities WHERE scope = $1 AND parent_org = $2 ORDER BY name`, [
        scope,
        filter.org,
      ])
    : await q.all<Row>(`SELECT ${COLUMNS} FROM entities WHERE scope = $1 ORDER BY name`, [scope]);
  return withLists(q, rows);
}

export async function findEntity(q: Queryable, scope: EntityScope, name: string): Promise<Entity | undefined> {
  const r = await q.get<Row>(`SELECT ${COLUMNS} FROM entities WHERE scope = $1 AND name = $2`, [scope, name]);
  return r ? (await withLists(q, [r]))[0] : undefined;
}

export async function getEntity(q: Queryable, scope: EntityScope, name: string): Promise<Entity> {
  const e = await findEntity(q, scope, name);
  if (!e)
    throw new NotFoundError(`no ${scope} named "${name.slice(0, 128)}"`, {
      code: 'OCO_ENTITY_NOT_FOUND',
      hint: `List them with "oco ${scope}s list"; create one with "oco ${scope}s create ${name.slice(0, 128)}".`,
    });
  return e;
}

export async function entityReferences(q: Queryable, scope: EntityScope, name: string): Promise<EntityReferences> {
  const count = async (sql: string, params: string[]) => Number((await q.get<{ n: unknown }>(sql, params))?.n ?? 0);
  const column = scope === 'team' ? 'team_id' : 'org_id';
  return {
    keys: await count(`SELECT COUNT(*) AS n FROM api_keys WHERE ${column} = $1 AND revoked_at IS NULL`, [name]),
    teams:
      scope === 'org'
        ? await count("SELECT COUNT(*) AS n FROM entities WHERE scope = 'team' AND parent_org = $1", [name])
        : 0,
    budgets: await count('SELECT COUNT(*) AS n FROM budgets WHERE scope = $1 AND entity_id = $2', [scope, name]),
    rateLimits: await count('SELECT COUNT(*) AS n FROM rate_limits WHERE scope = $1 AND entity_id = $2', [scope, name]),
  };
}

interface Parsed {
  org?: string | null;
  description?: string | null;
  metadata?: Array<[string, string | null]>;
  models?: string[] | null;
  providers?: string[] | null;
  budget?: string | null;
  period?: string | null;
  rpm?: number | null;
}

function parseDescription(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s || s.length > 500 || /[\u0000-\u0008\u000b-\u001f]/.test(s))
    throw invalid('description', 'must be text of at most 500 characters without control characters');
  return s;
}

function parseDefaultBudget(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (cleared(v)) return null;
  try {
    return parseLimitUsd('default-budget', v).toFixed();
  } catch {
    throw invalid('default-budget', `"${String(v).slice(0, 40)}" is not a non-negative amount of USD`, 'E.g. 50.');
  }
}

function parseDefaultPeriod(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (cleared(v)) return null;
  if (!(DEFAULT_BUDGET_PERIODS as readonly unknown[]).includes(v))
    throw invalid(
      'default-budget-period',
      `"${String(v).slice(0, 40)}" is not one of ${DEFAULT_BUDGET_PERIODS.join(', ')}`,
      'Rolling budgets need a window: give a key its own with "oco keys create --budget … --period rolling".',
    );
  return String(v);
}

function parseDefaultRpm(v: unknown): number | null | undefined {
  if (v === undefined) return undefined;
  if (cleared(v)) return null;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s)))
    throw invalid('default-rpm', `"${String(v).slice(0, 40)}" is not a whole number from 1`);
  return Number(s);
}

/** Every field validated before anything is written (an org named by a team must be managed). */
async function parseInput(store: Store, scope: EntityScope, input: EntityInput, update: boolean): Promise<Parsed> {
  const out: Parsed = {};
  if (input.org !== undefined) {
    if (scope === 'org') throw invalid('org', 'an org belongs to no org', 'Only teams name an org.');
    if (cleared(input.org)) out.org = null;
    else {
      const org = String(input.org).trim();
      if (!VALID_LABEL.test(org)) throw invalid('org', `"${org.slice(0, 60)}" is not an org name`);
      if (!(await findEntity(store, 'org', org)))
        throw invalid('org', `no org named "${org}"`, `Create it first: oco orgs create ${org}.`);
      out.org = org;
    }
  }
  out.description = parseDescription(input.description);
  out.metadata = parseMetadata(input.metadata, update, 'OCO_ENTITY_INVALID');
  try {
    out.models = parseModelPatterns(input.models);
    const known =
      input.providers === undefined || input.providers === null ? [] : (await listUpstreams(store)).map((u) => u.name);
    out.providers = parseProviders(input.providers, known);
  } catch (err) {
    // The same grammar as a key's lists, reported under this command's code.
    if (!isOcoError(err) || err.exitCode !== 2) throw err;
    throw new UsageError(err.message, { code: 'OCO_ENTITY_INVALID', hint: err.hint, details: err.details });
  }
  out.budget = parseDefaultBudget(input['default-budget']);
  out.period = parseDefaultPeriod(input['default-budget-period']);
  out.rpm = parseDefaultRpm(input['default-rpm']);
  return out;
}

/** A new team or org (its lists and defaults in the same transaction). */
export async function createEntity(store: Store, scope: EntityScope, input: EntityInput): Promise<Entity> {
  const name = parseEntityName(scope, input.name);
  const p = await parseInput(store, scope, input, false);
  if (p.period && !p.budget)
    throw invalid('default-budget-period', 'only applies with --default-budget', 'Add --default-budget AMOUNT.');
  if (await findEntity(store, scope, name))
    throw new UsageError(`a ${scope} named "${name}" exists already`, {
      code: 'OCO_ENTITY_EXISTS',
      hint: `Change it with "oco ${scope}s update ${name} …".`,
    });
  const metadata = mergeMetadata({}, p.metadata ?? [], 'OCO_ENTITY_INVALID');
  await store.transaction(async (tx) => {
    await insertEntity(tx, scope, name, {
      org: p.org ?? null,
      description: p.description ?? null,
      metadata,
      budget: p.budget ?? null,
      period: p.budget ? (p.period ?? 'monthly') : null,
      rpm: p.rpm ?? null,
    });
    await writeEntityAllowList(tx, scope, name, p.models, p.providers);
  });
  return getEntity(store, scope, name);
}

async function insertEntity(
  tx: Queryable,
  scope: EntityScope,
  name: string,
  f: {
    org: string | null;
    description: string | null;
    metadata: Record<string, string>;
    budget: string | null;
    period: string | null;
    rpm: number | null;
  },
): Promise<void> {
  const now = new Date().toISOString();
  await tx.run(
    `INSERT INTO entities (scope, name, parent_org, description, metadata, default_rpm, default_budget_usd,
       default_budget_period, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [scope, name, f.org, f.description, JSON.stringify(f.metadata), f.rpm, f.budget, f.period, now],
  );
}

/** Changes what is given; metadata merges (k= removes k); "none" lifts a list or clears a default. */
export async function updateEntity(
  store: Store,
  scope: EntityScope,
  nameArg: string,
  input: EntityInput,
): Promise<Entity> {
  const current = await getEntity(store, scope, nameArg);
  const p = await parseInput(store, scope, input, true);
  const sets: Array<[string, string | number | null]> = [];
  if (p.org !== undefined) sets.push(['parent_org', p.org]);
  if (p.description !== undefined) sets.push(['description', p.description]);
  if (p.metadata)
    sets.push(['metadata', JSON.stringify(mergeMetadata(current.metadata, p.metadata, 'OCO_ENTITY_INVALID'))]);
  if (p.budget !== undefined) {
    sets.push(['default_budget_usd', p.budget]);
    if (p.period === undefined)
      sets.push(['default_budget_period', p.budget ? (current.defaultBudgetPeriod ?? 'monthly') : null]);
  }
  if (p.period !== undefined) {
    const budget = p.budget === undefined ? current.defaultBudgetUsd : p.budget;
    if (p.period && !budget)
      throw invalid('default-budget-period', 'only applies with a default budget', 'Add --default-budget AMOUNT.');
    sets.push(['default_budget_period', p.period ?? (budget ? 'monthly' : null)]);
  }
  if (p.rpm !== undefined) sets.push(['default_rpm', p.rpm]);
  if (sets.length === 0 && p.models === undefined && p.providers === undefined)
    throw new UsageError('nothing to change', {
      code: 'OCO_ENTITY_INVALID',
      hint:
        'Give at least one of --description, --metadata, --models, --providers, --default-budget, ' +
        `--default-budget-period, --default-rpm${scope === 'team' ? ', --org' : ''}.`,
    });
  await store.transaction(async (tx) => {
    sets.push(['updated_at', new Date().toISOString()]);
    await tx.run(
      `UPDATE entities SET ${sets.map(([c], i) => `${c} = $${i + 3}`).join(', ')} WHERE scope = $1 AND name = $2`,
      [scope, current.name, ...sets.map(([, v]) => v)],
    );
    await writeEntityAllowList(tx, scope, current.name, p.models, p.providers);
  });
  return getEntity(store, scope, current.name);
}

/**
 * Deletes a team or org and its allow-lists and defaults. While keys (not revoked), teams (of an org),
 * budgets or rate limits still name it, it is refused unless forced. Forced: those stay as they are and
 * keep applying by label (keys keep their attribution, budgets and limits keep counting), an org's teams
 * are left without an org; only the managed object and its allow-lists go.
 */
export async function deleteEntity(
  store: Store,
  scope: EntityScope,
  name: string,
  opts: { force?: boolean } = {},
): Promise<{ deleted: Entity; references: EntityReferences }> {
  const current = await getEntity(store, scope, name);
  const refs = await entityReferences(store, scope, current.name);
  const named = Object.entries(refs).filter(([, n]) => n > 0);
  if (named.length > 0 && !opts.force)
    throw new UsageError(
      `${scope} "${current.name}" is still referenced by ` +
        named
          .map(([k, n]) => `${n} ${k === 'rateLimits' ? 'rate limit' : k.replace(/s$/, '')}${n === 1 ? '' : 's'}`)
          .join(', '),
      {
        code: 'OCO_ENTITY_IN_USE',
        hint:
          `Move or revoke its keys${scope === 'org' ? ' and teams' : ''}, delete its budgets and rate limits, ` +
          'or pass --force: those then keep the label, and its allow-lists are deleted.',
      },
    );
  await store.transaction(async (tx) => {
    await tx.run('DELETE FROM entities WHERE scope = $1 AND name = $2', [scope, current.name]);
    await tx.run('DELETE FROM entity_allow_lists WHERE scope = $1 AND entity_id = $2', [scope, current.name]);
    if (scope === 'org')
      await tx.run("UPDATE entities SET parent_org = NULL, updated_at = $2 WHERE scope = 'team' AND parent_org = $1", [
        current.name,
        new Date().toISOString(),
      ]);
  });
  return { deleted: current, references: refs };
}

/**
 * What a budget or rate limit names must exist: a managed team or org (or, with createEntity, one is
 * created now, bare, so the label is managed from then on), or an existing key (named by id, prefix or
 * name; the key's id is returned, which is what calls carry). Other scopes (agent, user, tag) are free
 * labels and pass. Existing budgets and limits are never checked again: this guards new ones only.
 */
export async function requireEntity(
  tx: Queryable,
  scope: string,
  entityId: string,
  opts: { createEntity?: boolean; what: string },
): Promise<string> {
  if (scope === 'key') {
    try {
      return (await findKey(tx, entityId)).id;
    } catch (err) {
      if (!isOcoError(err) || err.code !== 'OCO_KEY_NOT_FOUND') throw err;
      throw new UsageError(`--entity: no virtual key "${entityId.slice(0, 128)}": the ${opts.what} would never apply`, {
        code: 'OCO_SPEND_ENTITY_UNKNOWN',
        hint: 'Name a key by id, prefix or name (see "oco keys list"); nothing was stored.',
        details: { flag: 'entity' },
      });
    }
  }
  if (scope !== 'team' && scope !== 'org') return entityId;
  if (await findEntity(tx, scope, entityId)) return entityId;
  if (!opts.createEntity)
    throw new UsageError(
      `--entity: no managed ${scope} "${entityId.slice(0, 128)}": the ${opts.what} would apply only to calls ` +
        'labelled so by hand',
      {
        code: 'OCO_SPEND_ENTITY_UNKNOWN',
        hint:
          `Create it with "oco ${scope}s create ${entityId.slice(0, 128)}", or pass --create-entity ` +
          '(create_entity: true over the API) to create it with this one. Nothing was stored.',
        details: { flag: 'entity' },
      },
    );
  parseEntityName(scope, entityId);
  await insertEntity(tx, scope, entityId, {
    org: null,
    description: null,
    metadata: {},
    budget: null,
    period: null,
    rpm: null,
  });
  return entityId;
}

/** The defaults a key created in this team gets: the team's own, else its org's; null when unmanaged. */
export async function keyDefaults(
  q: Queryable,
  team: string | null | undefined,
  org: string | null | undefined,
): Promise<{ org: string | null; budgetUsd: string | null; budgetPeriod: string | null; rpm: number | null } | null> {
  const t = team ? await findEntity(q, 'team', team) : undefined;
  const orgName = t?.org ?? org ?? null;
  const o = orgName ? await findEntity(q, 'org', orgName) : undefined;
  if (!t && !o) return null;
  const budgetFrom = t?.defaultBudgetUsd ? t : o?.defaultBudgetUsd ? o : undefined;
  return {
    org: t?.org ?? null,
    budgetUsd: budgetFrom?.defaultBudgetUsd ?? null,
    budgetPeriod: budgetFrom?.defaultBudgetPeriod ?? null,
    rpm: t?.defaultRpm ?? o?.defaultRpm ?? null,
  };
}

/** A team as shown; an org also lists its teams (and has no org of its own). */
export type TeamView = Entity;
export type OrgView = Omit<Entity, 'org'> & { teams: string[] };

export async function entityView(q: Queryable, e: Entity): Promise<TeamView | OrgView> {
  if (e.scope === 'team') return e;
  const { org: _org, ...rest } = e;
  return { ...rest, teams: (await listEntities(q, 'team', { org: e.name })).map((t) => t.name) };
}
