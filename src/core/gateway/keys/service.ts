import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { Queryable, Store } from '../../base/store/types.js';

/**
 * Virtual keys: `oco_` + 32 random bytes (base64url). Only the SHA-256 hash and a
 * short prefix are stored; the prefix finds candidate rows through an index, the
 * hash is compared in constant time. The key itself is shown once, at creation
 * (and at each rotation, for the new secret).
 */
export const KEY_PREFIX = 'oco_';
export const PREFIX_LENGTH = KEY_PREFIX.length + 8;

export type KeyStatus = 'active' | 'blocked' | 'revoked' | 'expired';

export type VirtualKey = {
  id: string;
  name: string;
  prefix: string;
  orgId: string | null;
  teamId: string | null;
  agentId: string | null;
  userId: string | null;
  /** Model patterns the key may call (`*` any characters); null: no restriction of its own. */
  allowedModels: string[] | null;
  /** Providers the key may call; null: no restriction of its own. */
  allowedProviders: string[] | null;
  /** Free-form labels (`--metadata k=v`), shown in lists; never secrets. */
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  blockedAt: string | null;
  /** The secret a rotation replaced is accepted until then (null: none, or its grace has ended). */
  previousValidUntil: string | null;
  /** Written by the daemon at most every 30 s, so it is "last used around then". */
  lastUsedAt: string | null;
  status: KeyStatus;
};

/** Well formed: the prefix and enough characters to look a row up by its stored prefix. */
export function isVirtualKey(value: string | undefined): value is string {
  return Boolean(value && value.startsWith(KEY_PREFIX) && value.length > PREFIX_LENGTH);
}

/**
 * Meant as a virtual key, well formed or not: `oco_`, `oco-`, any case. No provider issues keys
 * starting with "oco" (OpenAI `sk-`, Anthropic `sk-ant-`, Google `AIza`, Azure hex), so a
 * credential of this shape that is not an active key is refused, never passed upstream.
 */
export function looksLikeVirtualKey(value: string): boolean {
  return /^\s*oco[_-]/i.test(value);
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new secret and the columns that store it. */
export function newSecret(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashKey(key) };
}

export function newKeyId(): string {
  return `key_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export const COLUMNS =
  'id, name, prefix, org_id, team_id, agent_id, user_id, created_at, updated_at, expires_at, revoked_at, ' +
  'blocked_at, last_used_at, allowed_models, allowed_providers, metadata, previous_valid_until';

type Ts = string | Date | null;

/** An api_keys row as the drivers return it: timestamps are text (SQLite) or Date (PostgreSQL). */
export type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  org_id: string | null;
  team_id: string | null;
  agent_id: string | null;
  user_id: string | null;
  created_at: string | Date;
  updated_at: Ts;
  expires_at: Ts;
  revoked_at: Ts;
  blocked_at: Ts;
  last_used_at: Ts;
  allowed_models: string | null;
  allowed_providers: string | null;
  metadata: string | null;
  previous_valid_until: Ts;
};

const iso = (v: Ts | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());

function jsonList(v: string | null): string[] | null {
  if (v === null || v === undefined) return null;
  const parsed = JSON.parse(v) as unknown;
  return Array.isArray(parsed) ? parsed.map(String) : null;
}

function statusOf(revokedAt: string | null, blockedAt: string | null, expiresAt: string | null, now: number) {
  if (revokedAt) return 'revoked';
  if (expiresAt && Date.parse(expiresAt) <= now) return 'expired';
  if (blockedAt) return 'blocked';
  return 'active';
}

export function toKey(r: KeyRow, now = Date.now()): VirtualKey {
  const expiresAt = iso(r.expires_at);
  const revokedAt = iso(r.revoked_at);
  const blockedAt = iso(r.blocked_at);
  const previous = iso(r.previous_valid_until);
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    orgId: r.org_id ?? null,
    teamId: r.team_id ?? null,
    agentId: r.agent_id ?? null,
    userId: r.user_id ?? null,
    allowedModels: jsonList(r.allowed_models),
    allowedProviders: jsonList(r.allowed_providers),
    metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, string>) : {},
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at),
    expiresAt,
    revokedAt,
    blockedAt,
    previousValidUntil: previous && Date.parse(previous) > now ? previous : null,
    lastUsedAt: iso(r.last_used_at),
    status: statusOf(revokedAt, blockedAt, expiresAt, now),
  };
}

export async function getKey(q: Queryable, id: string): Promise<VirtualKey | undefined> {
  const r = await q.get<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return r ? toKey(r) : undefined;
}

export async function listKeys(store: Queryable): Promise<VirtualKey[]> {
  const rows = await store.all<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  return rows.map((r) => toKey(r));
}

/**
 * A key named by id, prefix (as `oco keys list` shows it) or name; never by the key itself, which
 * is refused without repeating it. Unknown → OCO_KEY_NOT_FOUND (exit 1); a prefix or name that
 * several keys share → exit 2, naming their ids.
 */
export async function findKey(q: Queryable, ref: string): Promise<VirtualKey> {
  if (isVirtualKey(ref))
    throw new UsageError("give the key's id (key_…), prefix or name, not the key itself", {
      code: 'OCO_KEY_INVALID',
      hint: 'See "oco keys list" for ids, prefixes and names.',
    });
  const rows = await q.all<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 OR prefix = $1 OR name = $1`, [ref]);
  const byId = rows.find((r) => r.id === ref);
  if (byId) return toKey(byId);
  if (rows.length === 0)
    throw new NotFoundError(`no virtual key with id, prefix or name "${ref}"`, {
      code: 'OCO_KEY_NOT_FOUND',
      hint: 'List the keys with "oco keys list".',
    });
  if (rows.length > 1)
    throw new UsageError(`"${ref}" matches ${rows.length} keys (${rows.map((r) => r.id).join(', ')})`, {
      hint: 'Name the key by its id (see "oco keys list").',
    });
  return toKey(rows[0]!);
}

/** Revokes by id, prefix or name; revoking twice is not an error (the first revocation time stays). Final. */
export async function revokeKey(store: Store, ref: string): Promise<VirtualKey> {
  const k = await findKey(store, ref);
  const now = new Date().toISOString();
  await store.run('UPDATE api_keys SET revoked_at = $2, updated_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
    k.id,
    now,
  ]);
  return (await getKey(store, k.id))!;
}

/**
 * Compared against when no stored hash is a candidate, so a malformed or unknown key costs the same hash and compare.
 */
const DUMMY_HASH = randomBytes(32).toString('hex');

/** What a presented key resolves to: the key, and when the secret presented stops being accepted (a rotated one). */
export interface Verified {
  key: VirtualKey;
  /** Epoch ms the presented (rotated-out) secret is refused from; undefined for the current secret. */
  graceEndsAt?: number;
}

/**
 * Looks a presented key up; undefined unless it is the key's current secret, or the secret a rotation
 * replaced while its grace lasts, and the key is active (not revoked, blocked or expired). Every reason
 * for undefined does the same work after the lookup by prefix: one hash, a constant-time compare with
 * both hashes of every candidate (a dummy one when there is none), no early exit.
 */
export async function verifyPresented(
  store: Queryable,
  presented: string,
  now = Date.now(),
): Promise<Verified | undefined> {
  const want = Buffer.from(hashKey(presented), 'hex');
  const rows = isVirtualKey(presented)
    ? await store.all<KeyRow & { key_hash: string; previous_key_hash: string | null }>(
        `SELECT ${COLUMNS}, key_hash, previous_key_hash FROM api_keys WHERE prefix = $1 OR previous_prefix = $1`,
        [presented.slice(0, PREFIX_LENGTH)],
      )
    : [];
  const same = (hex: string | null) => {
    const have = Buffer.from(hex ?? DUMMY_HASH, 'hex');
    return have.length === want.length && timingSafeEqual(have, want) && hex !== null;
  };
  let found: Verified | undefined;
  for (const r of rows.length > 0 ? rows : [{ key_hash: DUMMY_HASH, previous_key_hash: null }]) {
    const current = same(r.key_hash) && rows.length > 0;
    const previous = same(r.previous_key_hash);
    if (found || (!current && !previous)) continue;
    const row = r as KeyRow;
    const graceEndsAt = current ? undefined : row.previous_valid_until ? Date.parse(iso(row.previous_valid_until)!) : 0;
    found = { key: toKey(row, now), graceEndsAt };
  }
  if (!found || found.key.status !== 'active') return undefined;
  if (found.graceEndsAt !== undefined && found.graceEndsAt <= now) return undefined;
  return found;
}

/** The key a presented secret resolves to (see verifyPresented). */
export async function verifyKey(
  store: Queryable,
  presented: string,
  now = Date.now(),
): Promise<VirtualKey | undefined> {
  return (await verifyPresented(store, presented, now))?.key;
}

/** Records when keys were last used; only ever moves forward (several daemons may write). */
export async function touchKeys(store: Store, used: ReadonlyMap<string, Date>): Promise<void> {
  for (const [id, at] of used) {
    await store.run(
      'UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)',
      [id, at],
    );
  }
}

/**
 * Name and metadata of the given keys (their current ones), for call listings that show who a call was billed to;
 * keys since deleted are absent from the map.
 */
export async function keyLabels(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, { name: string | null; metadata: Record<string, string> }>> {
  const out = new Map<string, { name: string | null; metadata: Record<string, string> }>();
  if (ids.length === 0) return out;
  const rows = await q.all<{ id: string; name: string | null; metadata: string | null }>(
    `SELECT id, name, metadata FROM api_keys WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
    [...ids],
  );
  for (const r of rows)
    out.set(r.id, { name: r.name, metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, string>) : {} });
  return out;
}
