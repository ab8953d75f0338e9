import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';

/**
 * Virtual keys: `oco_` + 32 random bytes (base64url). Only the SHA-256 hash and a
 * short prefix are stored; the prefix finds candidate rows through an index, the
 * hash is compared in constant time. The key itself is shown once, at creation.
 */
export const KEY_PREFIX = 'oco_';
const PREFIX_LENGTH = KEY_PREFIX.length + 8;

export type VirtualKey = {
  id: string;
  name: string;
  prefix: string;
  orgId: string | null;
  teamId: string | null;
  agentId: string | null;
  userId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Written by the daemon at most every 30 s, so it is "last used around then". */
  lastUsedAt: string | null;
  status: 'active' | 'revoked' | 'expired';
};

export interface CreateKeyInput {
  name: string;
  orgId?: string;
  teamId?: string;
  agentId?: string;
  userId?: string;
  expiresAt?: Date;
}

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

export async function createKey(store: Store, input: CreateKeyInput): Promise<{ key: string; record: VirtualKey }> {
  if (!input.name.trim())
    throw new UsageError('--name must not be empty', { hint: 'Give the key a name, e.g. --name ci-bot.' });
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
    throw new UsageError('--expires is in the past', { hint: 'Give a future date or a duration such as 30d.' });
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const id = `key_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const now = new Date().toISOString();
  await store.run(
    `INSERT INTO api_keys (id, name, prefix, key_hash, org_id, team_id, agent_id, user_id, created_at, expires_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
    [
      id,
      input.name,
      key.slice(0, PREFIX_LENGTH),
      hashKey(key),
      input.orgId ?? null,
      input.teamId ?? null,
      input.agentId ?? null,
      input.userId ?? null,
      now,
      input.expiresAt?.toISOString() ?? null,
    ],
  );
  return { key, record: (await getKey(store, id))! };
}

const COLUMNS =
  'id, name, prefix, org_id, team_id, agent_id, user_id, created_at, expires_at, revoked_at, last_used_at';

/** An api_keys row as the drivers return it: timestamps are text (SQLite) or Date (PostgreSQL). */
type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  org_id: string | null;
  team_id: string | null;
  agent_id: string | null;
  user_id: string | null;
  created_at: string | Date;
  expires_at: string | Date | null;
  revoked_at: string | Date | null;
  last_used_at: string | Date | null;
};

function toKey(r: KeyRow, now = Date.now()): VirtualKey {
  const iso = (v: string | Date | null | undefined) =>
    v === null || v === undefined ? null : new Date(v).toISOString();
  const expiresAt = iso(r.expires_at);
  const revokedAt = iso(r.revoked_at);
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    orgId: r.org_id ?? null,
    teamId: r.team_id ?? null,
    agentId: r.agent_id ?? null,
    userId: r.user_id ?? null,
    createdAt: iso(r.created_at)!,
    expiresAt,
    revokedAt,
    lastUsedAt: iso(r.last_used_at),
    status: revokedAt ? 'revoked' : expiresAt && Date.parse(expiresAt) <= now ? 'expired' : 'active',
  };
}

export async function getKey(store: Store, id: string): Promise<VirtualKey | undefined> {
  const r = await store.get<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return r ? toKey(r) : undefined;
}

export async function listKeys(store: Store): Promise<VirtualKey[]> {
  const rows = await store.all<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  return rows.map((r) => toKey(r));
}

/** Revokes by id or prefix; revoking twice is not an error (the first revocation time stays). */
export async function revokeKey(store: Store, idOrPrefix: string): Promise<VirtualKey> {
  const rows = await store.all<{ id: string }>('SELECT id FROM api_keys WHERE id = $1 OR prefix = $1', [idOrPrefix]);
  if (rows.length === 0)
    throw new NotFoundError(`no virtual key with id or prefix "${idOrPrefix}"`, {
      code: 'OCO_KEY_NOT_FOUND',
      hint: 'List the keys with "oco keys list".',
    });
  if (rows.length > 1)
    throw new UsageError(`prefix "${idOrPrefix}" matches ${rows.length} keys`, {
      hint: 'Revoke by id (see "oco keys list").',
    });
  await store.run('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
    rows[0]!.id,
    new Date().toISOString(),
  ]);
  return (await getKey(store, rows[0]!.id))!;
}

/**
 * Compared against when no stored hash is a candidate, so a malformed or unknown key costs the same hash and compare.
 */
const NO_CANDIDATE: Array<{ key_hash: string }> = [{ key_hash: randomBytes(32).toString('hex') }];

/**
 * Looks a presented key up; undefined unless it exists, is not revoked and not expired.
 * Every reason for undefined does the same work after the lookup by prefix: one hash, a
 * constant-time compare with every candidate (a dummy one when there is none), no early exit.
 */
export async function verifyKey(store: Store, presented: string): Promise<VirtualKey | undefined> {
  const want = Buffer.from(hashKey(presented), 'hex');
  const rows = isVirtualKey(presented)
    ? await store.all<KeyRow & { key_hash: string }>(`SELECT ${COLUMNS}, key_hash FROM api_keys WHERE prefix = $1`, [
        presented.slice(0, PREFIX_LENGTH),
      ])
    : [];
  let match: (KeyRow & { key_hash: string }) | undefined;
  for (const [i, r] of (rows.length > 0 ? rows : NO_CANDIDATE).entries()) {
    const have = Buffer.from(String(r.key_hash), 'hex');
    const same = have.length === want.length && timingSafeEqual(have, want);
    if (same && rows.length > 0) match ??= rows[i];
  }
  if (!match) return undefined;
  const k = toKey(match);
  return k.status === 'active' ? k : undefined;
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
