import { UsageError, isOcoError } from '../../base/errors.js';
import { parseSpanSeconds } from '../../base/durations.js';
import type { Queryable, Store } from '../../base/store/types.js';
import { parseBudgetInput, parseBudgetUpdate, parseRateLimitInput, type Budget } from '../spend/model.js';
import { insertBudgetIn, listBudgets, listRateLimits, updateBudget, upsertRateLimit } from '../spend/repo.js';
import type { RateLimit } from '../spend/model.js';
import { listUpstreams } from '../upstreams/registry.js';
import { parseModelPatterns, parseProviders } from './allow.js';
import { findKey, getKey, newKeyId, newSecret, type VirtualKey } from './service.js';
import { VALID_LABEL } from './labels.js';
import { mergeMetadata, parseMetadata } from './metadata.js';
import { keyDefaults } from '../entities/service.js';

export { parseMetadata } from './metadata.js';

/**
 * The lifecycle of virtual keys beyond create/revoke: allow-lists, metadata, budget and rate limit
 * in one step, update, rotate with a grace period, block and unblock. Every input is validated
 * before anything is written, and each operation writes in one transaction: bad input or a failed
 * write changes nothing. Flag names are the CLI's; the admin API maps its fields onto them.
 */

/** Raw input as flags or JSON give it (undefined: not given). */
export interface KeyInput {
  name?: unknown;
  org?: unknown;
  team?: unknown;
  agent?: unknown;
  user?: unknown;
  /** A Date, or null to clear (update only). */
  expires?: Date | null;
  models?: unknown;
  providers?: unknown;
  /** `k=v` strings (repeatable flag) or an object; on update `k=` (or null) removes k. */
  metadata?: unknown;
  /** Budget limit in USD, with period (default monthly) and window (rolling). */
  budget?: unknown;
  period?: unknown;
  window?: unknown;
  /** Requests per minute. */
  rpm?: unknown;
}

export interface KeyLimits {
  budget: Budget | null;
  rateLimit: RateLimit | null;
}

function invalid(flag: string, message: string, hint: string): UsageError {
  return new UsageError(`--${flag}: ${message}`, { code: 'OCO_KEY_INVALID', hint, details: { flag } });
}

function label(flag: string, v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const s = String(v).trim();
  if (!VALID_LABEL.test(s))
    throw invalid(flag, `"${s.slice(0, 60)}" must be 1-128 characters of letters, digits and . _ @ : / + -`, '');
  return s;
}

function keyName(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s || s.length > 200 || /[\u0000-\u001f]/.test(s))
    throw new UsageError('--name must be 1-200 characters without control characters', {
      code: 'OCO_KEY_INVALID',
      hint: 'Give the key a name, e.g. --name ci-bot.',
      details: { flag: 'name' },
    });
  return s;
}

/** A spend-controls validation error spelled with this command's flag (--limit → --budget or --rpm). */
function renamed<T>(from: string, to: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isOcoError(err) && err.exitCode === 2 && err.details?.flag === from)
      throw new UsageError(err.message.replace(`--${from}`, `--${to}`), {
        code: 'OCO_KEY_INVALID',
        hint: err.hint,
        details: { flag: to },
      });
    throw err;
  }
}

async function knownUpstreams(store: Store, providers: unknown): Promise<string[]> {
  return providers === undefined || providers === null ? [] : (await listUpstreams(store)).map((u) => u.name);
}

interface LimitPlan {
  budget?: (tx: Queryable, keyId: string) => Promise<void>;
  rpm?: (tx: Queryable, keyId: string) => Promise<void>;
}

/** The budget and rate limit a create/update asks for, validated now, written later inside the transaction. */
function planLimits(input: KeyInput, timezone: string, probeId: string, existing?: Budget): LimitPlan {
  const plan: LimitPlan = {};
  if (input.budget !== undefined && input.budget !== null) {
    const raw = { scope: 'key', entity: probeId, limit: input.budget, period: input.period, window: input.window };
    if (existing) {
      const fields = renamed('limit', 'budget', () => parseBudgetUpdate(existing, raw));
      plan.budget = async (tx) => void (await updateBudget(tx, existing.id, fields));
    } else {
      const fields = renamed('limit', 'budget', () =>
        parseBudgetInput({ ...raw, period: input.period ?? 'monthly' }, timezone),
      );
      plan.budget = async (tx, keyId) => void (await insertBudgetIn(tx, { ...fields, entityId: keyId }));
    }
  } else if (input.period !== undefined || input.window !== undefined) {
    throw invalid('period', 'only applies with --budget', 'Add --budget AMOUNT.');
  }
  if (input.rpm !== undefined && input.rpm !== null) {
    const l = renamed('limit', 'rpm', () =>
      parseRateLimitInput({ scope: 'key', entity: probeId, kind: 'rpm', limit: input.rpm }),
    );
    plan.rpm = async (tx, keyId) => void (await upsertRateLimit(tx, { ...l, entityId: keyId }));
  }
  return plan;
}

/** The key's own budget (scope key, no provider/model narrowing) and rpm limit. */
export async function keyLimits(q: Queryable, keyId: string): Promise<KeyLimits> {
  const budget = (await listBudgets(q, { scope: 'key', entityId: keyId })).find((b) => !b.provider && !b.model);
  const rateLimit = (await listRateLimits(q)).find(
    (l) => l.scope === 'key' && l.entityId === keyId && l.kind === 'rpm',
  );
  return { budget: budget ?? null, rateLimit: rateLimit ?? null };
}

export interface CreatedKey {
  key: string;
  record: VirtualKey;
  limits: KeyLimits;
}

/**
 * What flows down from a managed team (else its org) to a key created in it: the team's org as the key's
 * org when none is given (another org is refused: the team belongs to one), and the default budget and
 * rpm when the key names none of its own. An unmanaged team label passes unchanged, as before teams existed.
 */
async function withDefaults(
  store: Queryable,
  input: KeyInput,
  labels: { org: string | null | undefined; team: string | null | undefined },
): Promise<KeyInput> {
  const d = await keyDefaults(store, labels.team, labels.org);
  if (!d) return input;
  if (d.org && labels.org && labels.org !== d.org)
    throw invalid('org', `team "${labels.team}" belongs to org "${d.org}", not "${labels.org}"`, 'Leave --org out.');
  if (d.org) labels.org = d.org;
  const out = { ...input };
  if ((input.budget === undefined || input.budget === null) && d.budgetUsd !== null && input.period === undefined) {
    out.budget = d.budgetUsd;
    out.period = d.budgetPeriod ?? 'monthly';
  }
  if ((input.rpm === undefined || input.rpm === null) && d.rpm !== null) out.rpm = d.rpm;
  return out;
}

/**
 * A new key with its allow-lists, metadata, budget and rpm limit, in one transaction:
 * if any part fails, nothing is created.
 */
export async function createKey(
  store: Store,
  input: KeyInput & { expiresAt?: Date; orgId?: string; teamId?: string; agentId?: string; userId?: string },
  opts: { timezone?: string } = {},
): Promise<CreatedKey> {
  const name = keyName(input.name);
  const expires = input.expires ?? input.expiresAt;
  if (expires && expires.getTime() <= Date.now())
    throw new UsageError('--expires is in the past', {
      code: 'OCO_KEY_INVALID',
      hint: 'Give a future date or a duration such as 30d.',
      details: { flag: 'expires' },
    });
  const labels = {
    org: label('org', input.org ?? input.orgId),
    team: label('team', input.team ?? input.teamId),
    agent: label('agent', input.agent ?? input.agentId),
    user: label('user', input.user ?? input.userId),
  };
  const models = parseModelPatterns(input.models) ?? null;
  const providers = parseProviders(input.providers, await knownUpstreams(store, input.providers)) ?? null;
  const metadata = mergeMetadata({}, parseMetadata(input.metadata, false) ?? []);
  const id = newKeyId();
  const limits = planLimits(await withDefaults(store, input, labels), opts.timezone ?? 'UTC', id);
  const secret = newSecret();
  const now = new Date().toISOString();
  await store.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO api_keys (id, name, prefix, key_hash, org_id, team_id, agent_id, user_id, created_at, updated_at,
         expires_at, allowed_models, allowed_providers, metadata)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10,$11,$12,$13)`,
      [
        id,
        name,
        secret.prefix,
        secret.hash,
        labels.org ?? null,
        labels.team ?? null,
        labels.agent ?? null,
        labels.user ?? null,
        now,
        expires?.toISOString() ?? null,
        models ? JSON.stringify(models) : null,
        providers ? JSON.stringify(providers) : null,
        JSON.stringify(metadata),
      ],
    );
    await limits.budget?.(tx, id);
    await limits.rpm?.(tx, id);
  });
  return { key: secret.key, record: (await getKey(store, id))!, limits: await keyLimits(store, id) };
}

function assertChangeable(k: VirtualKey, what: string): void {
  if (k.status === 'revoked')
    throw new UsageError(`key "${k.name}" (${k.id}) is revoked and cannot be ${what}`, {
      code: 'OCO_KEY_STATE',
      hint: 'Revocation is final; create a new key ("oco keys create"). Block a key instead to refuse it reversibly.',
    });
}

/**
 * Changes what is given (name, org/team/agent/user, metadata merged, expiry, allow-lists, budget, rpm),
 * in one transaction. A revoked key is not changed (OCO_KEY_STATE).
 */
export async function updateKey(
  store: Store,
  ref: string,
  input: KeyInput,
  opts: { timezone?: string } = {},
): Promise<{ record: VirtualKey; limits: KeyLimits }> {
  const k = await findKey(store, ref);
  assertChangeable(k, 'changed');
  const sets: Array<[string, unknown]> = [];
  if (input.name !== undefined) sets.push(['name', keyName(input.name)]);
  for (const f of ['org', 'team', 'agent', 'user'] as const) {
    const v = label(f, input[f]);
    if (v !== undefined) sets.push([`${f}_id`, v]);
  }
  if (input.expires !== undefined) {
    if (input.expires && input.expires.getTime() <= Date.now())
      throw invalid('expires', 'is in the past', 'Give a future date, a duration such as 30d, or "never".');
    sets.push(['expires_at', input.expires?.toISOString() ?? null]);
  }
  const models = parseModelPatterns(input.models);
  if (models !== undefined) sets.push(['allowed_models', models ? JSON.stringify(models) : null]);
  const providers = parseProviders(input.providers, await knownUpstreams(store, input.providers));
  if (providers !== undefined) sets.push(['allowed_providers', providers ? JSON.stringify(providers) : null]);
  const meta = parseMetadata(input.metadata, true);
  if (meta) sets.push(['metadata', JSON.stringify(mergeMetadata(k.metadata, meta))]);
  const current = await keyLimits(store, k.id);
  const limits = planLimits(input, opts.timezone ?? 'UTC', k.id, current.budget ?? undefined);
  if (sets.length === 0 && !limits.budget && !limits.rpm)
    throw new UsageError('nothing to change', {
      code: 'OCO_KEY_INVALID',
      hint: 'Give at least one of --name, --metadata, --expires, --models, --providers, --budget, --rpm.',
    });
  await store.transaction(async (tx) => {
    sets.push(['updated_at', new Date().toISOString()]);
    await tx.run(`UPDATE api_keys SET ${sets.map(([c], i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [
      k.id,
      ...(sets.map(([, v]) => v) as Array<string | null>),
    ]);
    await limits.budget?.(tx, k.id);
    await limits.rpm?.(tx, k.id);
  });
  return { record: (await getKey(store, k.id))!, limits: await keyLimits(store, k.id) };
}

/** The longest grace a rotated-out secret can keep: a rotation is meant to end the old secret. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

/** "0", or a span such as 10m, 24h, 7d (at most 30d) → seconds. */
export function parseGrace(v: unknown): number {
  const s = typeof v === 'number' ? `${v}s` : String(v ?? '').trim();
  if (s === '0' || s === '0s') return 0;
  const secs = parseSpanSeconds(s);
  if (secs === undefined || secs > MAX_GRACE_SECONDS)
    throw invalid('grace', `"${s.slice(0, 40)}" is not 0 or a span from 1s to 30d such as 1h`, 'E.g. --grace 24h.');
  return secs;
}

/**
 * A new secret for the key; the one it replaces is accepted for graceSeconds more (0: refused at once),
 * then refused with the same 401 as an unknown key. Both resolve to the same key id, so spend stays on
 * one key. A secret still in an earlier rotation's grace ends now: only one previous secret is kept.
 */
export async function rotateKey(
  store: Store,
  ref: string,
  graceSeconds: number,
  now = new Date(),
): Promise<{ key: string; record: VirtualKey }> {
  const k = await findKey(store, ref);
  assertChangeable(k, 'rotated');
  const secret = newSecret();
  const until = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  await store.run(
    `UPDATE api_keys SET previous_key_hash = key_hash, previous_prefix = prefix, previous_valid_until = $2,
       key_hash = $3, prefix = $4, updated_at = $5
     WHERE id = $1`,
    [k.id, until, secret.hash, secret.prefix, now.toISOString()],
  );
  return { key: secret.key, record: (await getKey(store, k.id))! };
}

/** Blocks (the gateway refuses the key within seconds) or unblocks it; reversible, unlike revoke. */
export async function setBlocked(store: Store, ref: string, blocked: boolean): Promise<VirtualKey> {
  const k = await findKey(store, ref);
  assertChangeable(k, blocked ? 'blocked' : 'unblocked');
  const now = new Date().toISOString();
  await store.run(
    blocked
      ? 'UPDATE api_keys SET blocked_at = $2, updated_at = $2 WHERE id = $1 AND blocked_at IS NULL'
      : 'UPDATE api_keys SET blocked_at = NULL, updated_at = $2 WHERE id = $1 AND blocked_at IS NOT NULL',
    [k.id, now],
  );
  return (await getKey(store, k.id))!;
}
