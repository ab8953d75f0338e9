import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { Queryable, Store } from '../../base/store/types.js';

/**
 * Managed admin keys (`oco admin-keys`): keys of the admin API with a scope. `read` may call GET routes,
 * `write` every route. Stored like virtual keys: the SHA-256 of the secret and a short prefix that finds the
 * row through an index; the secret is shown once. The prefix `oco-admin_` has the shape the gateway refuses
 * as a provider credential (`looksLikeVirtualKey`), so an admin key sent to a proxy route by mistake is
 * answered 401 there and never forwarded upstream.
 */
export const ADMIN_KEY_PREFIX = 'oco-admin_';
const PREFIX_LENGTH = ADMIN_KEY_PREFIX.length + 8;
export const ADMIN_SCOPES = ['read', 'write'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export type AdminKey = {
  id: string;
  name: string;
  scope: AdminScope;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  /** Written at most once a minute per key, so it is "last used around then". */
  lastUsedAt: string | null;
  status: 'active' | 'revoked';
};

type Row = {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  key_hash?: string;
  created_at: string | Date;
  revoked_at: string | Date | null;
  last_used_at: string | Date | null;
};

const COLUMNS = 'id, name, scope, prefix, created_at, revoked_at, last_used_at';
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

function toAdminKey(r: Row): AdminKey {
  const revokedAt = iso(r.revoked_at);
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as AdminScope,
    prefix: r.prefix,
    createdAt: iso(r.created_at)!,
    revokedAt,
    lastUsedAt: iso(r.last_used_at),
    status: revokedAt ? 'revoked' : 'active',
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The one validation of a scope, for the command's flag and any caller. */
export function parseAdminScope(v: unknown, flag = 'scope'): AdminScope {
  if (typeof v === 'string' && (ADMIN_SCOPES as readonly string[]).includes(v)) return v as AdminScope;
  throw new UsageError(`--${flag}: "${String(v)}" is not one of ${ADMIN_SCOPES.join(', ')}`, {
    code: 'OCO_ADMIN_KEY_INVALID',
    hint: 'read: GET routes only; write: every admin route. Nothing was stored.',
    details: { flag },
  });
}

export async function createAdminKey(
  store: Store,
  input: { scope: unknown; name?: unknown },
  now = new Date(),
): Promise<{ key: string; record: AdminKey }> {
  const scope = parseAdminScope(input.scope);
  if (input.name !== undefined && (typeof input.name !== 'string' || !/^[\w.:@-]{1,64}$/.test(input.name)))
    throw new UsageError(`--name: "${String(input.name)}" is not 1 to 64 letters, digits or . _ : @ -`, {
      code: 'OCO_ADMIN_KEY_INVALID',
      details: { flag: 'name' },
    });
  const id = `adm_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const key = ADMIN_KEY_PREFIX + randomBytes(32).toString('base64url');
  const name = (input.name as string | undefined) ?? id;
  const existing = await store.get('SELECT id FROM admin_keys WHERE name = $1 AND revoked_at IS NULL', [name]);
  if (existing)
    throw new UsageError(`--name: an active admin key is named "${name}" already`, {
      code: 'OCO_ADMIN_KEY_INVALID',
      hint: 'Pick another name, or revoke the other key first.',
      details: { flag: 'name' },
    });
  await store.run(
    'INSERT INTO admin_keys (id, name, scope, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, name, scope, key.slice(0, PREFIX_LENGTH), sha256(key), now],
  );
  return { key, record: (await findAdminKey(store, id))! };
}

export async function listAdminKeys(q: Queryable): Promise<AdminKey[]> {
  return (await q.all<Row>(`SELECT ${COLUMNS} FROM admin_keys ORDER BY created_at, id`)).map(toAdminKey);
}

async function findAdminKey(q: Queryable, ref: string): Promise<AdminKey | undefined> {
  const rows = await q.all<Row>(
    `SELECT ${COLUMNS} FROM admin_keys WHERE id = $1 OR prefix = $1 OR name = $1 ORDER BY revoked_at IS NULL DESC`,
    [ref],
  );
  return rows[0] ? toAdminKey(rows[0]) : undefined;
}

/** Revokes at once (the admin API looks each presented key up); revoking a revoked key changes nothing. */
export async function revokeAdminKey(store: Store, ref: string, now = new Date()): Promise<AdminKey> {
  const k = await findAdminKey(store, ref);
  if (!k)
    throw new NotFoundError(`no admin key ${ref}`, {
      code: 'OCO_ADMIN_KEY_NOT_FOUND',
      hint: 'List them with "oco admin-keys list" (id, prefix or name).',
    });
  if (!k.revokedAt) await store.run('UPDATE admin_keys SET revoked_at = $1 WHERE id = $2', [now, k.id]);
  return (await findAdminKey(store, k.id))!;
}

export function looksLikeAdminKey(presented: string): boolean {
  return presented.startsWith(ADMIN_KEY_PREFIX) && presented.length > PREFIX_LENGTH;
}

const lastTouched = new Map<string, number>();

/**
 * The active key a presented secret is, or undefined. Read from the store on every admin call, so a
 * revocation holds from the next call; hashes compared in constant time.
 */
export async function authenticateAdminKey(store: Store, presented: string): Promise<AdminKey | undefined> {
  if (!looksLikeAdminKey(presented)) return undefined;
  const want = Buffer.from(sha256(presented), 'hex');
  const rows = await store.all<Row>(
    `SELECT ${COLUMNS}, key_hash FROM admin_keys WHERE prefix = $1 AND revoked_at IS NULL`,
    [presented.slice(0, PREFIX_LENGTH)],
  );
  const row = rows.find((r) => timingSafeEqual(Buffer.from(r.key_hash!, 'hex'), want));
  if (!row) return undefined;
  const now = Date.now();
  // Bounded writes: a busy script calling the admin API does not turn every call into an UPDATE.
  if ((lastTouched.get(row.id) ?? 0) < now - 60_000) {
    lastTouched.set(row.id, now);
    await store.run('UPDATE admin_keys SET last_used_at = $1 WHERE id = $2', [new Date(now), row.id]);
  }
  return toAdminKey(row);
}

/** Whether a scope may make a call: read keys GET (and HEAD) only. */
export function scopeAllows(scope: AdminScope, method: string): boolean {
  return scope === 'write' || method === 'GET' || method === 'HEAD';
}
