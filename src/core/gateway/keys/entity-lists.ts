import type { Logger } from 'pino';
import { UsageError } from '../../base/errors.js';
import { TableCopy } from '../../base/table-copy.js';
import type { Queryable, Store } from '../../base/store/types.js';
import type { Attribution } from '../model.js';
import { listUpstreams } from '../upstreams/registry.js';
import { parseModelPatterns, parseProviders, type AllowList, type ScopedAllowList } from './allow.js';
import { VALID_LABEL } from './labels.js';
import type { VirtualKey } from './service.js';

/**
 * Allow-lists of teams and orgs, keyed by the attribution label calls carry: `oco keys allow --team payments
 * --models …`, `PUT /api/v1/allow-lists/team/payments`, or a managed team's own lists (`oco teams create
 * payments --models …`: the same row). A call must pass its key's list, its team's, its org's and, for a
 * managed team, its team's org's, so a key can only narrow its team's list and a team its org's.
 */
export const ENTITY_SCOPES = ['team', 'org'] as const;
export type EntityScope = (typeof ENTITY_SCOPES)[number];

export interface EntityAllowList extends AllowList {
  scope: EntityScope;
  entityId: string;
  updatedAt: string;
}

function invalid(flag: string, message: string, hint: string): UsageError {
  return new UsageError(`--${flag}: ${message}`, { code: 'OCO_KEY_INVALID', hint, details: { flag } });
}

/** Which team or org: exactly one, a valid label. */
export function parseEntity(t: { team?: unknown; org?: unknown }): { scope: EntityScope; entityId: string } {
  const given = ENTITY_SCOPES.filter((s) => t[s] !== undefined && t[s] !== null && t[s] !== '');
  if (given.length !== 1)
    throw new UsageError('name exactly one of --team and --org', {
      code: 'OCO_KEY_INVALID',
      hint: 'E.g. oco keys allow --team payments --models gpt-4o-mini,claude-haiku-*.',
      details: { flag: 'team' },
    });
  const scope = given[0]!;
  const entityId = String(t[scope]).trim();
  if (!VALID_LABEL.test(entityId))
    throw invalid(
      scope,
      `"${entityId.slice(0, 60)}" is not a ${scope} id: 1-128 letters, digits and . _ @ : / + -`,
      '',
    );
  return { scope, entityId };
}

type Row = {
  scope: string;
  entity_id: string;
  allowed_models: string | null;
  allowed_providers: string | null;
  updated_at: string | Date;
};

function fromRow(r: Row): EntityAllowList {
  return {
    scope: r.scope as EntityScope,
    entityId: r.entity_id,
    models: r.allowed_models ? (JSON.parse(r.allowed_models) as string[]) : null,
    providers: r.allowed_providers ? (JSON.parse(r.allowed_providers) as string[]) : null,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function listEntityAllowLists(q: Queryable): Promise<EntityAllowList[]> {
  const rows = await q.all<Row>(
    'SELECT scope, entity_id, allowed_models, allowed_providers, updated_at FROM entity_allow_lists' +
      ' ORDER BY scope, entity_id',
  );
  return rows.map(fromRow);
}

/**
 * Sets a team's or org's lists (models and/or providers; "none" lifts one). A list left with neither
 * restriction is removed. Returns the stored list, or null when removed.
 */
export async function setEntityAllowList(
  store: Store,
  target: { team?: unknown; org?: unknown },
  input: { models?: unknown; providers?: unknown },
): Promise<{ scope: EntityScope; entityId: string; list: EntityAllowList | null }> {
  const { scope, entityId } = parseEntity(target);
  const models = parseModelPatterns(input.models);
  const known = input.providers ? (await listUpstreams(store)).map((u) => u.name) : [];
  const providers = parseProviders(input.providers, known);
  if (models === undefined && providers === undefined)
    throw invalid('models', 'give --models and/or --providers', 'E.g. --models gpt-4o-mini or --providers openai.');
  await store.transaction(async (tx) => {
    await writeEntityAllowList(tx, scope, entityId, models, providers);
  });
  const list = (await listEntityAllowLists(store)).find((l) => l.scope === scope && l.entityId === entityId);
  return { scope, entityId, list: list ?? null };
}

/**
 * Changes a team's or org's lists inside the caller's transaction: undefined keeps a list, null lifts it.
 * A managed team or org (`oco teams create --models …`) keeps its lists here too: one row per label.
 */
export async function writeEntityAllowList(
  tx: Queryable,
  scope: EntityScope,
  entityId: string,
  models: string[] | null | undefined,
  providers: string[] | null | undefined,
): Promise<void> {
  if (models === undefined && providers === undefined) return;
  const cur = (await listEntityAllowLists(tx)).find((l) => l.scope === scope && l.entityId === entityId);
  const m = models === undefined ? (cur?.models ?? null) : models;
  const p = providers === undefined ? (cur?.providers ?? null) : providers;
  await tx.run('DELETE FROM entity_allow_lists WHERE scope = $1 AND entity_id = $2', [scope, entityId]);
  if (m || p)
    await tx.run(
      `INSERT INTO entity_allow_lists (scope, entity_id, allowed_models, allowed_providers, updated_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [scope, entityId, m ? JSON.stringify(m) : null, p ? JSON.stringify(p) : null, new Date().toISOString()],
    );
}

/** What the gateway asks on each call: the lists that apply (key, team, org), from memory. */
export interface AllowListLookup {
  listsFor(key: VirtualKey | undefined, a: Attribution): ScopedAllowList[];
}

export const ALLOW_LIST_REFRESH_MS = 2000;

/**
 * The daemon's copy of `entity_allow_lists`, read at start and every refreshMs in the background (a
 * failed read keeps the last copy). The key's own lists come with the key from the key cache.
 */
export class AllowListCache extends TableCopy implements AllowListLookup {
  private byTeam = new Map<string, EntityAllowList>();
  private byOrg = new Map<string, EntityAllowList>();
  private orgOfTeam = new Map<string, string>();

  constructor(
    private readonly store: Queryable,
    opts: { logger?: Logger; refreshMs?: number } = {},
  ) {
    super(opts.refreshMs ?? ALLOW_LIST_REFRESH_MS, 'allow-lists', opts.logger);
  }

  listsFor(key: VirtualKey | undefined, a: Attribution): ScopedAllowList[] {
    const out: ScopedAllowList[] = [];
    if (key && (key.allowedModels || key.allowedProviders))
      out.push({ scope: 'key', name: key.name, models: key.allowedModels, providers: key.allowedProviders });
    const team = this.byTeam.get(a.teamId);
    if (team) out.push({ scope: 'team', name: a.teamId, models: team.models, providers: team.providers });
    const org = this.byOrg.get(a.orgId);
    if (org) out.push({ scope: 'org', name: a.orgId, models: org.models, providers: org.providers });
    // A managed team's org applies to the team's calls even when the call names another org (or none).
    const teamOrg = this.orgOfTeam.get(a.teamId);
    const parent = teamOrg !== undefined && teamOrg !== a.orgId ? this.byOrg.get(teamOrg) : undefined;
    if (parent) out.push({ scope: 'org', name: teamOrg!, models: parent.models, providers: parent.providers });
    return out;
  }

  protected async read(): Promise<void> {
    const teams = await this.store.all<{ name: string; parent_org: string }>(
      "SELECT name, parent_org FROM entities WHERE scope = 'team' AND parent_org IS NOT NULL",
    );
    this.orgOfTeam = new Map(teams.map((t) => [t.name, t.parent_org]));
    const lists = await listEntityAllowLists(this.store);
    this.byTeam = new Map(lists.filter((l) => l.scope === 'team').map((l) => [l.entityId, l]));
    this.byOrg = new Map(lists.filter((l) => l.scope === 'org').map((l) => [l.entityId, l]));
  }
}
