import { UsageError } from '../../base/errors.js';
import { LLM_PROVIDERS, PROVIDER_SLUG } from '../model.js';

/**
 * Model and provider allow-lists of keys, teams and orgs. A pattern is a model name where `*`
 * stands for any run of characters (none included); nothing else is special. Matching is
 * case-insensitive, so `GPT-4o` cannot slip past a list naming `gpt-4o`. A list that is null
 * restricts nothing; an empty list is never stored (it would refuse everything: block the key).
 */
export interface AllowList {
  models: string[] | null;
  providers: string[] | null;
}

/** Where a list comes from: a call must pass every list that applies to it. */
export interface ScopedAllowList extends AllowList {
  scope: 'key' | 'team' | 'org';
  /** The key's name (never the key), or the team/org label. */
  name: string;
}

export const NO_LIST: AllowList = Object.freeze({ models: null, providers: null });

const PATTERN = /^[\w.:/@+*-]{1,128}$/;
const MAX_PATTERNS = 100;

function invalid(flag: string, message: string, hint: string): UsageError {
  return new UsageError(`--${flag}: ${message}`, { code: 'OCO_KEY_INVALID', hint, details: { flag } });
}

/** A comma list (or an array, as JSON gives it) → distinct trimmed items; undefined stays undefined. */
function items(flag: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const raw = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : undefined;
  if (!raw || raw.some((x) => typeof x !== 'string'))
    throw invalid(flag, 'must be a comma list of names', 'E.g. --models gpt-4o-mini,claude-haiku-*.');
  const out = [...new Set((raw as string[]).map((x) => x.trim()).filter(Boolean))];
  if (out.length > MAX_PATTERNS) throw invalid(flag, `at most ${MAX_PATTERNS} entries`, 'Use * patterns instead.');
  return out;
}

/**
 * Model patterns as given to --models (or the API's `models`): null clears the list ("" or "none"
 * as well), undefined leaves it as it is. Each pattern: 1-128 letters, digits, . _ : / @ + - and *.
 */
export function parseModelPatterns(v: unknown, flag = 'models'): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === 'none' || v === '') return null;
  const list = items(flag, v);
  if (list === undefined) return undefined;
  if (list.length === 0)
    throw invalid(flag, 'lists no model', 'Name at least one model pattern, or "none" to lift the restriction.');
  for (const p of list) {
    if (!PATTERN.test(p))
      throw invalid(
        flag,
        `"${p.slice(0, 60)}" is not a model pattern: 1-128 letters, digits, . _ : / @ + - and * (any characters)`,
        'E.g. gpt-4o-mini, claude-haiku-* or *-mini.',
      );
    if (/^\*+$/.test(p))
      throw invalid(flag, `"${p}" allows every model`, 'Use "none" to lift the restriction instead.');
  }
  return list;
}

/**
 * Providers as given to --providers: built-in providers, or the NAMEs of registered upstreams
 * (`known`, from the upstream registry). An unknown name is an error: a typo would refuse every call.
 */
export function parseProviders(v: unknown, known: readonly string[], flag = 'providers'): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === 'none' || v === '') return null;
  const list = items(flag, v);
  if (list === undefined) return undefined;
  if (list.length === 0)
    throw invalid(flag, 'lists no provider', 'Name at least one provider, or "none" to lift the restriction.');
  const all = [...LLM_PROVIDERS, ...known];
  for (const p of list)
    if (!all.includes(p))
      throw invalid(
        flag,
        `unknown provider "${p.slice(0, 60)}"` +
          (PROVIDER_SLUG.test(p) ? ' (no upstream of that name is registered)' : ''),
        `Providers: ${all.join(', ')} (oco route providers list shows registered upstreams).`,
      );
  return list;
}

const compiled = new Map<string, RegExp>();

/** A pattern as an anchored, case-insensitive expression; memoised (lists are few and reused by every call). */
function matcher(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'i');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

export function modelMatches(patterns: readonly string[], model: string): boolean {
  return patterns.some((p) => matcher(p).test(model));
}

/**
 * The names a model is known by in a call: as sent (`openai/gpt-4o` on the unified routes names the
 * provider too) and without the provider part, so a list of bare names serves both routes.
 */
function modelNames(model: string): string[] {
  const slash = model.indexOf('/');
  return slash > 0 ? [model, model.slice(slash + 1)] : [model];
}

export function permits(list: AllowList, provider: string, model: string): boolean {
  if (list.providers && !list.providers.includes(provider)) return false;
  if (list.models && !modelNames(model).some((m) => modelMatches(list.models!, m))) return false;
  return true;
}

/** The first list (key, then team, then org) that refuses the call, or undefined when all permit it. */
export function refusedBy(
  lists: readonly ScopedAllowList[],
  provider: string,
  model: string,
): ScopedAllowList | undefined {
  return lists.find((l) => !permits(l, provider, model));
}

/**
 * The 403 a refused call gets: names the key's name (never the key) or the team/org, the model
 * asked for and what is allowed. Nothing is forwarded or budgeted.
 */
export function notAllowedBody(
  by: ScopedAllowList,
  provider: string,
  model: string,
  requestId: string,
): Record<string, unknown> {
  const who = by.scope === 'key' ? `key "${by.name}"` : `${by.scope} "${by.name}"`;
  const allowed = [
    by.models ? `allowed models: ${by.models.join(', ')}` : undefined,
    by.providers ? `allowed providers: ${by.providers.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    error: {
      type: 'permission_error',
      code: 'model_not_allowed',
      param: 'model',
      message: `${who} may not call model ${model} on ${provider}; ${allowed}`,
      scope: by.scope,
      allowed_models: by.models,
      allowed_providers: by.providers,
      request_id: requestId,
    },
  };
}

/** Patterns that match none of the priced models: a warning (custom and upstream models exist), never an error. */
export function unmatchedPatterns(patterns: readonly string[] | null | undefined, priced: readonly string[]): string[] {
  if (!patterns) return [];
  return patterns.filter((p) => !priced.some((m) => modelMatches([p], m)));
}
