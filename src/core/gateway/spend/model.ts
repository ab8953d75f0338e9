import { LLM_PROVIDERS, PROVIDER_SLUG } from '../model.js';
import { ConfigError, UsageError } from '../../base/errors.js';
import { Money, money } from '../../base/money.js';
import type { Attribution } from '../model.js';
import { parseSpanSeconds } from '../../base/durations.js';
import { PERIOD_KINDS, isValidTimezone, type PeriodKind, type PeriodSpec } from './period.js';

/**
 * Budgets and rate limits as data, and the one validation both the CLI and the
 * admin API go through. A validation error names the flag (the API reports the
 * same name as the field), so "nothing stored" and "which input was wrong" hold
 * for every entry point.
 */
export type BudgetScope = 'org' | 'team' | 'agent' | 'user' | 'key' | 'tag';

interface ScopeDef {
  /** The attribution values of a call this scope matches against. */
  of(a: Attribution): readonly string[];
  /** spend_events column holding the value (tag is matched inside the ',a,b,' list). */
  column: string;
}

export const SCOPES: Record<BudgetScope, ScopeDef> = {
  org: { of: (a) => [a.orgId], column: 'org_id' },
  team: { of: (a) => [a.teamId], column: 'team_id' },
  agent: { of: (a) => [a.agentId], column: 'agent_id' },
  user: { of: (a) => [a.userId], column: 'user_id' },
  key: { of: (a) => (a.keyId ? [a.keyId] : []), column: 'key_id' },
  tag: { of: (a) => a.tags, column: 'tags' },
};
export const SCOPE_NAMES = Object.keys(SCOPES) as BudgetScope[];

/**
 * Rate limits apply to the same scopes as budgets: a user limit caps one end user of a shared agent, a tag
 * limit a feature or a job that spans agents.
 */
export const RATE_LIMIT_SCOPES = ['key', 'agent', 'team', 'org', 'user', 'tag'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

/**
 * rpm / tpm / concurrent slide over a short window and live in the rate limiter; `requests` is a quota of
 * calls per budget period (daily, weekly, monthly, rolling, total), counted in the budget ledger, so it
 * survives restarts and is shared through Redis exactly like a budget.
 */
export const RATE_LIMIT_KINDS = ['rpm', 'tpm', 'concurrent', 'requests'] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

export const PROVIDERS = LLM_PROVIDERS;

/**
 * Redis counters hold integer nano-dollars inside Lua's exact-integer range
 * (2^53), so one budget tops out at 9 million USD. Larger limits would be
 * compared inexactly there; refusing them up front keeps every backend exact.
 */
export const MAX_LIMIT_USD = new Money('9000000');

export interface Budget {
  id: string;
  name: string | null;
  scope: BudgetScope;
  entityId: string;
  provider: string | null;
  model: string | null;
  limitUsd: Money;
  period: PeriodKind;
  rollingSeconds: number | null;
  timezone: string;
  hard: boolean;
  alertThresholds: number[];
  webhookUrl: string | null;
  resetAt: Date | null;
  /** A temporary raise (`oco budgets raise`): added to limitUsd until raiseUntil, then ignored. */
  raiseUsd: Money | null;
  raiseUntil: Date | null;
  createdAt: string;
  updatedAt: string;
  /**
   * 'requests': a request quota (a `requests` rate limit) enforced by the ledger; limitUsd then holds the
   * number of calls allowed and every amount in the ledger counts calls, 1 per call. Absent: a USD budget.
   */
  unit?: 'requests';
}

export interface RateLimit {
  id: string;
  scope: RateLimitScope;
  entityId: string;
  kind: RateLimitKind;
  limit: number;
  windowSeconds: number;
  /** Narrowing: the limit counts only calls to this provider and/or model (null: every call of the entity). */
  provider: string | null;
  model: string | null;
  /** kind 'requests' only: the quota's period, as a budget's (rolling: windowSeconds is the window). */
  period: PeriodKind | null;
  timezone: string | null;
  createdAt: string;
}

/**
 * A request quota as the ledger sees it: a hard budget of `limit` calls, keyed by the limit's id and version
 * (the limit's creation time changes when it is replaced, so an edited quota counts again from the store).
 */
export function quotaBudget(l: RateLimit): Budget {
  return {
    id: l.id,
    name: null,
    scope: l.scope,
    entityId: l.entityId,
    provider: l.provider,
    model: l.model,
    limitUsd: new Money(l.limit),
    period: l.period ?? 'monthly',
    rollingSeconds: l.period === 'rolling' ? l.windowSeconds : null,
    timezone: l.timezone ?? 'UTC',
    hard: true,
    alertThresholds: [],
    webhookUrl: null,
    resetAt: null,
    raiseUsd: null,
    raiseUntil: null,
    createdAt: l.createdAt,
    updatedAt: l.createdAt,
    unit: 'requests',
  };
}

export function periodSpec(b: Pick<Budget, 'period' | 'rollingSeconds' | 'timezone'>): PeriodSpec {
  return { kind: b.period, rollingSeconds: b.rollingSeconds, timezone: b.timezone };
}

/**
 * Whether a budget applies to a call: its entity is among the
 * call's, and its provider/model narrowing (if any) matches.
 */
export function budgetApplies(b: Budget, provider: string, model: string, a: Attribution): boolean {
  if (b.provider && b.provider !== provider) return false;
  if (b.model && b.model !== model) return false;
  return SCOPES[b.scope].of(a).includes(b.entityId);
}

/** The raise in force at `now`, or null (none, or its --until has passed). */
export function activeRaise(b: Pick<Budget, 'raiseUsd' | 'raiseUntil'>, now: Date): { usd: Money; until: Date } | null {
  return b.raiseUsd && b.raiseUntil && b.raiseUntil.getTime() > now.getTime()
    ? { usd: b.raiseUsd, until: b.raiseUntil }
    : null;
}

/** The limit admission and status use at `now`: the configured limit plus a raise still in force. */
export function effectiveLimit(b: Pick<Budget, 'limitUsd' | 'raiseUsd' | 'raiseUntil'>, now: Date): Money {
  const r = activeRaise(b, now);
  return r ? b.limitUsd.plus(r.usd) : b.limitUsd;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * `budgets raise --by AMOUNT --until TIME`: --by an exact decimal above 0 (the raised limit stays within
 * MAX_LIMIT_USD), --until an ISO-8601 date or time with a zone, after `now`. Errors name the flag.
 */
export function parseRaise(limit: Money, by: unknown, until: unknown, now: Date): { usd: Money; until: Date } {
  const bad = (flag: string, message: string, hint: string) =>
    new UsageError(`--${flag}: ${message}`, { code: 'OCO_BUDGET_RAISE_INVALID', hint, details: { flag } });
  const s = typeof by === 'number' ? String(by) : typeof by === 'string' ? by.trim() : '';
  if (!/^\d+(\.\d+)?$/.test(s) || money(s).lte(0))
    throw bad(
      'by',
      `"${String(by ?? '').slice(0, 40)}" is not an amount of USD above 0`,
      'E.g. --by 20 or --by 12.50.',
    );
  const usd = money(s);
  if (limit.plus(usd).gt(MAX_LIMIT_USD))
    throw bad(
      'by',
      `the raised limit would be above the largest budget, ${MAX_LIMIT_USD.toFixed()} USD`,
      'Raise less.',
    );
  const u = typeof until === 'string' ? until.trim() : '';
  const at = ISO_8601.test(u) ? new Date(u.length === 10 ? `${u}T00:00:00Z` : u) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw bad(
      'until',
      `"${String(until ?? '').slice(0, 40)}" is not an ISO-8601 date or time with a zone`,
      'E.g. --until 2026-12-31 or --until 2026-12-31T18:00:00Z.',
    );
  if (at.getTime() <= now.getTime())
    throw bad(
      'until',
      `${at.toISOString()} is not in the future`,
      'A raise ends by itself at --until: give a later time.',
    );
  return { usd, until: at };
}

export function rateLimitApplies(l: RateLimit, provider: string, model: string, a: Attribution): boolean {
  if (l.provider && l.provider !== provider) return false;
  if (l.model && l.model !== model) return false;
  return SCOPES[l.scope].of(a).includes(l.entityId);
}

// ---------------------------------------------------------------- validation

/** Raw input as flags or JSON give it; keys are the CLI flag names. */
export interface BudgetInput {
  scope?: unknown;
  entity?: unknown;
  limit?: unknown;
  period?: unknown;
  window?: unknown;
  timezone?: unknown;
  soft?: unknown;
  'alert-at'?: unknown;
  provider?: unknown;
  model?: unknown;
  webhook?: unknown;
  name?: unknown;
}

export type BudgetFields = Omit<Budget, 'id' | 'createdAt' | 'updatedAt' | 'resetAt' | 'raiseUsd' | 'raiseUntil'>;

export function invalid(flag: string, message: string, hint?: string): UsageError {
  return new UsageError(`--${flag}: ${message}`, {
    code: 'OCO_SPEND_INVALID',
    hint: hint ?? 'See --help for the accepted values. Nothing was stored.',
    details: { flag },
  });
}

function str(flag: string, v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw invalid(flag, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw invalid(flag, 'must be a string');
  const s = String(v).trim();
  if (s === '' || s.length > 200 || /[\u0000-\u001f,]/.test(s))
    throw invalid(
      flag,
      `"${s.slice(0, 40)}" is not a valid identifier (1-200 characters, no commas or control characters)`,
    );
  return s;
}

function oneOf<T extends string>(flag: string, v: unknown, choices: readonly T[]): T {
  const s = str(flag, v, true)!;
  if (!(choices as readonly string[]).includes(s)) throw invalid(flag, `"${s}" is not one of ${choices.join(', ')}`);
  return s as T;
}

/** A built-in provider, or an OpenAI-compatible upstream's NAME (its calls are budgeted under it). */
function providerName(v: unknown): string {
  const s = str('provider', v, true)!;
  if (!(PROVIDERS as readonly string[]).includes(s) && !PROVIDER_SLUG.test(s))
    throw invalid('provider', `"${s}" is not one of ${PROVIDERS.join(', ')} nor an upstream's NAME (a lowercase slug)`);
  return s;
}

export function parseLimitUsd(flag: string, v: unknown): Money {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+(\.\d+)?$/.test(s)) {
    throw invalid(
      flag,
      `"${String(v ?? '')}" is not a non-negative amount of USD`,
      'Give a plain decimal number such as 500 or 12.50.',
    );
  }
  const m = money(s);
  if (m.gt(MAX_LIMIT_USD)) throw invalid(flag, `${s} is above the largest budget, ${MAX_LIMIT_USD.toFixed()} USD`);
  return m;
}

function thresholds(v: unknown): number[] {
  const list = Array.isArray(v) ? v.map(String) : String(v).split(',');
  const out = list
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      if (!/^\d{1,3}$/.test(p) || Number(p) < 1 || Number(p) > 100)
        throw invalid('alert-at', `"${p}" is not a whole percentage from 1 to 100`);
      return Number(p);
    });
  return [...new Set(out)].sort((a, b) => a - b);
}

function webhook(v: unknown): string | null {
  const s = str('webhook', v, false);
  if (!s) return null;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw invalid('webhook', `"${s}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('webhook', 'must be an http:// or https:// URL');
  if (u.username || u.password)
    throw invalid('webhook', 'must not carry credentials; the payload is signed with OCO_WEBHOOK_SECRET instead');
  return u.toString();
}

function bool(flag: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(flag, 'must be true or false');
}

function periodFields(
  input: BudgetInput,
  defaultTimezone: string,
): Pick<BudgetFields, 'period' | 'rollingSeconds' | 'timezone'> {
  const period = oneOf<PeriodKind>('period', input.period, PERIOD_KINDS);
  let rollingSeconds: number | null = null;
  if (period === 'rolling') {
    const w = str('window', input.window, false);
    if (!w) throw invalid('window', 'is required with --period rolling (e.g. 24h, 7d)');
    const secs = parseSpanSeconds(w);
    if (!secs || secs < 60 || secs > 366 * 86_400)
      throw invalid('window', `"${w}" is not a window from 1m to 366d such as 6h or 30d`);
    rollingSeconds = secs;
  } else if (input.window !== undefined && input.window !== null && input.window !== '') {
    throw invalid('window', 'only applies to --period rolling');
  }
  const given = str('timezone', input.timezone, false);
  const timezone = given ?? defaultTimezone;
  if (!isValidTimezone(timezone)) {
    if (given === undefined) {
      // The default came from configuration, not from this input: say where to fix it.
      throw new ConfigError(`budget.timezone (OCO_BUDGET_TIMEZONE) is "${timezone}", not an IANA timezone`, {
        hint:
          'Set it to a name such as UTC or Europe/Berlin ("oco config set budget.timezone UTC"),' +
          ' or pass --timezone.',
      });
    }
    throw invalid(
      'timezone',
      `"${timezone}" is not an IANA timezone`,
      'Use a name such as UTC, Europe/Berlin or America/New_York.',
    );
  }
  return { period, rollingSeconds, timezone };
}

/** A complete new budget from raw input; throws a UsageError naming the flag. */
export function parseBudgetInput(input: BudgetInput, defaultTimezone: string): BudgetFields {
  const scope = oneOf<BudgetScope>('scope', input.scope, SCOPE_NAMES);
  const entityId = str('entity', input.entity, true)!;
  const limitUsd = parseLimitUsd('limit', input.limit);
  const p = periodFields(input, defaultTimezone);
  const provider =
    input.provider === undefined || input.provider === null || input.provider === ''
      ? null
      : providerName(input.provider);
  return {
    name: str('name', input.name, false) ?? null,
    scope,
    entityId,
    provider,
    model: str('model', input.model, false) ?? null,
    limitUsd,
    ...p,
    hard: input.soft === undefined ? true : !bool('soft', input.soft),
    alertThresholds: input['alert-at'] === undefined ? [50, 80, 100] : thresholds(input['alert-at']),
    webhookUrl: webhook(input.webhook),
  };
}

/** The fields an update changes, validated the same way; the rest stay as they are. */
export function parseBudgetUpdate(current: Budget, input: BudgetInput): BudgetFields {
  const fields: BudgetFields = { ...current };
  if (input.limit !== undefined) fields.limitUsd = parseLimitUsd('limit', input.limit);
  if (input.period !== undefined || input.window !== undefined || input.timezone !== undefined) {
    const p = periodFields(
      {
        period: input.period ?? current.period,
        window:
          input.window ??
          (input.period === undefined && current.rollingSeconds ? `${current.rollingSeconds}s` : undefined),
        timezone: input.timezone ?? current.timezone,
      },
      current.timezone,
    );
    Object.assign(fields, p);
  }
  if (input.soft !== undefined) fields.hard = !bool('soft', input.soft);
  if (input['alert-at'] !== undefined) fields.alertThresholds = thresholds(input['alert-at']);
  if (input.webhook !== undefined)
    fields.webhookUrl = input.webhook === '' || input.webhook === 'none' ? null : webhook(input.webhook);
  if (input.name !== undefined) fields.name = str('name', input.name, false) ?? null;
  return fields;
}

export interface RateLimitInput {
  scope?: unknown;
  entity?: unknown;
  kind?: unknown;
  limit?: unknown;
  window?: unknown;
  provider?: unknown;
  model?: unknown;
  period?: unknown;
  timezone?: unknown;
}

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

export function parseRateLimitInput(
  input: RateLimitInput,
  defaultTimezone = 'UTC',
): Omit<RateLimit, 'id' | 'createdAt'> {
  const scope = oneOf<RateLimitScope>('scope', input.scope, RATE_LIMIT_SCOPES);
  const entityId = str('entity', input.entity, true)!;
  const kind = oneOf<RateLimitKind>('kind', input.kind, RATE_LIMIT_KINDS);
  const raw =
    typeof input.limit === 'number' ? String(input.limit) : typeof input.limit === 'string' ? input.limit.trim() : '';
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw)))
    throw invalid('limit', `"${String(input.limit ?? '')}" is not a whole number from 1`);
  // A quota is counted in the ledger next to budgets, whose Redis counters top out at MAX_LIMIT_USD units.
  if (kind === 'requests' && new Money(raw).gt(MAX_LIMIT_USD))
    throw invalid('limit', `${raw} is above the largest quota, ${MAX_LIMIT_USD.toFixed()} requests`);
  const provider = given(input.provider) ? providerName(input.provider) : null;
  const model = str('model', input.model, false) ?? null;
  if (kind === 'requests') {
    const p = periodFields({ period: input.period, window: input.window, timezone: input.timezone }, defaultTimezone);
    return {
      scope,
      entityId,
      kind,
      limit: Number(raw),
      windowSeconds: p.rollingSeconds ?? 0,
      provider,
      model,
      period: p.period,
      timezone: p.timezone,
    };
  }
  if (given(input.period))
    throw invalid('period', 'only applies to --kind requests (a quota per period)', 'Use --window for rpm and tpm.');
  if (given(input.timezone)) throw invalid('timezone', 'only applies to --kind requests');
  let windowSeconds = 60;
  if (given(input.window)) {
    if (kind === 'concurrent') throw invalid('window', 'does not apply to --kind concurrent');
    const secs = parseSpanSeconds(String(input.window));
    if (!secs || secs < 1 || secs > 86_400)
      throw invalid('window', `"${String(input.window)}" is not a window from 1s to 1d such as 1m`);
    windowSeconds = secs;
  }
  return {
    scope,
    entityId,
    kind,
    limit: Number(raw),
    windowSeconds: kind === 'concurrent' ? 0 : windowSeconds,
    provider,
    model,
    period: null,
    timezone: null,
  };
}
