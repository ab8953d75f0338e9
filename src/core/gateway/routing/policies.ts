/**
 * Routing strategies chosen per virtual key and per team (`oco route set|unset|list`, the admin
 * API's `/api/v1/route/policies`), stored in `route_policies`. The daemon keeps the whole table in
 * memory (`RoutePolicyCache`), re-read every few seconds in the background, so a change takes
 * effect without a restart and a request never waits on the store.
 *
 * Precedence on a call: the `X-OCO-Route` header, then the key's strategy, then the team's, then
 * `route.strategy`. A key or team set to `off` pins its calls' models even under a routing default.
 */
import type { Logger } from 'pino';
import { NotFoundError, UsageError } from '../../base/errors.js';
import { TableCopy } from '../../base/table-copy.js';
import type { Queryable } from '../../base/store/types.js';
import { isVirtualKey } from '../keys/service.js';
import { VALID_ID } from '../proxy/attribution.js';
import { parseStrategy, STRATEGIES, type Strategy } from './strategy.js';

export const POLICY_SCOPES = ['key', 'team'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];

export type RoutePolicy = {
  scope: PolicyScope;
  /** The key's id (scope key) or the team id (scope team). */
  subject: string;
  /** The key's name, for people (scope key; null for a team, or a key since deleted). */
  keyName: string | null;
  /** The key's status (scope key): a revoked or expired key's policy stays until unset. */
  keyStatus: 'active' | 'revoked' | 'expired' | 'missing' | null;
  strategy: Strategy;
  updatedAt: string;
};

/** Which policy names a subject: exactly one of key (id, prefix or name) and team. */
export interface PolicyTarget {
  key?: string;
  team?: string;
}

type KeyRow = { id: string; name: string; prefix: string; revoked_at: unknown; expires_at: unknown };

function keyStatus(r: Pick<KeyRow, 'revoked_at' | 'expires_at'>): 'active' | 'revoked' | 'expired' {
  if (r.revoked_at !== null && r.revoked_at !== undefined) return 'revoked';
  if (r.expires_at !== null && r.expires_at !== undefined && new Date(r.expires_at as string).getTime() <= Date.now())
    return 'expired';
  return 'active';
}

/** A key named by id, prefix (as `oco keys list` shows it) or name; never by the key itself. */
export async function resolveKey(q: Queryable, ref: string): Promise<KeyRow> {
  // A whole key is a secret: refused without repeating it, so it lands in no message, log or shell history twice.
  if (isVirtualKey(ref))
    throw new UsageError("--key: give the key's id (key_…), prefix or name, not the key itself", {
      hint: 'See "oco keys list" for ids, prefixes and names.',
      details: { flag: 'key' },
    });
  const rows = await q.all<KeyRow>(
    'SELECT id, name, prefix, revoked_at, expires_at FROM api_keys WHERE id = $1 OR prefix = $1 OR name = $1',
    [ref],
  );
  const byId = rows.find((r) => r.id === ref);
  if (byId) return byId;
  if (rows.length === 0)
    throw new NotFoundError(`--key: no virtual key with id, prefix or name "${ref}"`, {
      code: 'OCO_KEY_NOT_FOUND',
      hint: 'List the keys with "oco keys list" and name one by its id (key_…), prefix or name.',
      details: { flag: 'key' },
    });
  if (rows.length > 1)
    throw new UsageError(`--key: "${ref}" matches ${rows.length} keys (${rows.map((r) => r.id).join(', ')})`, {
      hint: 'Name the key by its id (see "oco keys list").',
      details: { flag: 'key' },
    });
  return rows[0]!;
}

function parseTarget(t: PolicyTarget): { scope: PolicyScope; ref: string } {
  const key = t.key?.trim();
  const team = t.team?.trim();
  if ((key ? 1 : 0) + (team ? 1 : 0) !== 1)
    throw new UsageError('name exactly one of --key and --team', {
      hint: 'E.g. oco route set --key ci-bot --strategy cost, or oco route set --team payments --strategy quality.',
      details: { flag: key || team ? 'team' : 'key' },
    });
  if (team !== undefined && team !== '' && !VALID_ID.test(team))
    throw new UsageError(`--team: "${team}" is not a team id: 1-128 characters of letters, digits and . _ @ : / + -`, {
      hint: "Use the team id calls are attributed to (X-Team-ID, or the key's --team).",
      details: { flag: 'team' },
    });
  return key ? { scope: 'key', ref: key } : { scope: 'team', ref: team! };
}

/** Sets (or replaces) the strategy of one key or team; returns the policy as listed. */
export async function setRoutePolicy(
  q: Queryable,
  target: PolicyTarget,
  strategyText: string | undefined,
): Promise<RoutePolicy> {
  if (strategyText === undefined || strategyText.trim() === '')
    throw new UsageError('--strategy is required', {
      hint: `Use one of ${STRATEGIES.join(', ')}.`,
      details: { flag: 'strategy' },
    });
  let strategy: Strategy;
  try {
    strategy = parseStrategy(strategyText, '--strategy');
  } catch (err) {
    const e = err as UsageError;
    throw new UsageError(e.message, { hint: e.hint, details: { flag: 'strategy' } });
  }
  const { scope, ref } = parseTarget(target);
  let subject = ref;
  let key: KeyRow | undefined;
  if (scope === 'key') {
    key = await resolveKey(q, ref);
    const status = keyStatus(key);
    if (status !== 'active')
      throw new UsageError(`--key: ${key.id} (${key.name}) is ${status}; its calls are refused, nothing to route`, {
        hint: 'Create a new key with "oco keys create" and set its strategy.',
        details: { flag: 'key' },
      });
    subject = key.id;
  }
  const now = new Date().toISOString();
  await q.run(
    `INSERT INTO route_policies (scope, subject, strategy, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (scope, subject) DO UPDATE SET strategy = excluded.strategy, updated_at = excluded.updated_at`,
    [scope, subject, strategy, now],
  );
  return {
    scope,
    subject,
    keyName: key?.name ?? null,
    keyStatus: key ? 'active' : null,
    strategy,
    updatedAt: now,
  };
}

/** Removes one key's or team's strategy; `removed` is false when there was none (not an error: unset twice is fine). */
export async function unsetRoutePolicy(
  q: Queryable,
  target: PolicyTarget,
): Promise<{ scope: PolicyScope; subject: string; removed: boolean }> {
  const { scope, ref } = parseTarget(target);
  let subject = ref;
  if (scope === 'key') {
    // A policy whose key is gone can still be removed by the id that `route list` shows.
    const held = await q.get('SELECT 1 AS x FROM route_policies WHERE scope = $1 AND subject = $2', ['key', ref]);
    if (!held) subject = (await resolveKey(q, ref)).id;
  }
  const gone = await q.run('DELETE FROM route_policies WHERE scope = $1 AND subject = $2', [scope, subject]);
  return { scope, subject, removed: gone.changes > 0 };
}

type PolicyRow = {
  scope: string;
  subject: string;
  strategy: string;
  updated_at: string | Date;
  key_name: string | null;
  key_id: string | null;
  revoked_at: unknown;
  expires_at: unknown;
};

/** Every policy, keys first, then teams, each by subject. */
export async function listRoutePolicies(q: Queryable): Promise<RoutePolicy[]> {
  const rows = await q.all<PolicyRow>(
    `SELECT p.scope, p.subject, p.strategy, p.updated_at, k.name AS key_name, k.id AS key_id, k.revoked_at, k.expires_at
     FROM route_policies p LEFT JOIN api_keys k ON p.scope = 'key' AND k.id = p.subject
     ORDER BY p.scope, p.subject`,
  );
  return rows.map((r) => ({
    scope: r.scope as PolicyScope,
    subject: r.subject,
    keyName: r.key_name ?? null,
    keyStatus: r.scope !== 'key' ? null : r.key_id === null ? 'missing' : keyStatus(r),
    strategy: r.strategy as Strategy,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

/** Where a call's strategy came from. */
export type StrategySource = 'header' | 'key' | 'team' | 'config';

/** What the request path asks: the key's or team's strategy, from memory. */
export interface RoutePolicyLookup {
  /** How many policies there are: none, and a call need not even say who it is from. */
  readonly size: number;
  strategyFor(
    keyId: string | undefined,
    teamId: string | undefined,
  ): { strategy: Strategy; source: 'key' | 'team' } | undefined;
}

/** How often the daemon re-reads the policies: a change takes effect within this long. */
export const POLICY_REFRESH_MS = 2000;

/**
 * The daemon's copy of `route_policies`: read at start, then every refreshMs in the background.
 * A failed read keeps the last copy (logged); the request path only reads the maps.
 */
export class RoutePolicyCache extends TableCopy implements RoutePolicyLookup {
  private byKey = new Map<string, Strategy>();
  private byTeam = new Map<string, Strategy>();

  constructor(
    private readonly store: Queryable,
    opts: { logger?: Logger; refreshMs?: number } = {},
  ) {
    super(opts.refreshMs ?? POLICY_REFRESH_MS, 'routing policies', opts.logger);
  }

  get size(): number {
    return this.byKey.size + this.byTeam.size;
  }

  strategyFor(keyId: string | undefined, teamId: string | undefined) {
    const k = keyId === undefined ? undefined : this.byKey.get(keyId);
    if (k) return { strategy: k, source: 'key' as const };
    const t = teamId === undefined ? undefined : this.byTeam.get(teamId);
    return t ? { strategy: t, source: 'team' as const } : undefined;
  }

  protected async read(): Promise<void> {
    const rows = await this.store.all<{ scope: string; subject: string; strategy: string }>(
      'SELECT scope, subject, strategy FROM route_policies',
    );
    const byKey = new Map<string, Strategy>();
    const byTeam = new Map<string, Strategy>();
    for (const r of rows) {
      // A strategy this version does not know (written by a newer one) is skipped, never guessed.
      if (!(STRATEGIES as readonly string[]).includes(r.strategy)) continue;
      (r.scope === 'key' ? byKey : r.scope === 'team' ? byTeam : undefined)?.set(r.subject, r.strategy as Strategy);
    }
    this.byKey = byKey;
    this.byTeam = byTeam;
  }
}
