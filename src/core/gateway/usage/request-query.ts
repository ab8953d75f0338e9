import { UsageError } from '../../base/errors.js';
import { money } from '../../base/money.js';
import { PROVIDER_SLUG } from '../model.js';
import { GROUP_BY, type GroupBy, type RequestListing, type StatusFilter, type UsageFilter } from './summary.js';
import { parseTimeOrDuration } from './time.js';

/**
 * The one reading of `oco spend requests`' flags and `GET /api/v1/spend/requests`' query parameters (the same
 * names, `min-cost` spelled `min_cost` there): every bad value is a usage error naming its flag, which the CLI
 * prints (exit 2) and the admin API answers 400 naming the parameter, code OCO_SPEND_FILTER_INVALID.
 */
export interface RequestQueryInput {
  key?: string;
  agent?: string;
  team?: string;
  model?: string;
  provider?: string;
  status?: string;
  since?: string;
  until?: string;
  'min-cost'?: string;
  cursor?: string;
  limit?: string | number;
  routed?: string | boolean;
}

function bad(flag: string, message: string, hint?: string): UsageError {
  return new UsageError(`--${flag}: ${message}`, {
    code: 'OCO_SPEND_FILTER_INVALID',
    hint: hint ?? 'See "oco spend requests --help" for the accepted values.',
    details: { flag },
  });
}

/** 429, or a class 4xx: the inclusive range of status codes it names. */
export function parseStatus(v: string): StatusFilter {
  const t = v.trim().toLowerCase();
  if (/^[1-5]\d\d$/.test(t)) return { from: Number(t), to: Number(t) };
  if (/^[1-5]xx$/.test(t)) return { from: Number(t[0]) * 100, to: Number(t[0]) * 100 + 99 };
  throw bad('status', `"${v}" is not an HTTP status (429) or a class (2xx, 4xx, 5xx)`);
}

export function parseRequestQuery(input: RequestQueryInput, now = new Date()): RequestListing {
  const filter: UsageFilter = {};
  for (const dim of ['key', 'agent', 'team', 'model'] as const) {
    const v = input[dim];
    if (v === undefined) continue;
    if (v.trim() === '') throw bad(dim, 'must not be empty');
    filter[dim] = v;
  }
  if (input.provider !== undefined) {
    if (!PROVIDER_SLUG.test(input.provider))
      throw bad('provider', `"${input.provider}" is not a provider name (openai, anthropic, gemini or an upstream's)`);
    filter.provider = input.provider;
  }
  const limitText = String(input.limit ?? '20');
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000)
    throw bad('limit', `"${limitText}" is not a whole number from 1 to 1000`);
  let routed: boolean | undefined;
  if (typeof input.routed === 'boolean') routed = input.routed;
  else if (input.routed !== undefined) {
    if (input.routed !== 'true' && input.routed !== 'false') throw bad('routed', 'must be true or false');
    routed = input.routed === 'true';
  }
  const time = (flag: 'since' | 'until') => {
    const v = input[flag];
    if (v === undefined) return undefined;
    try {
      return parseTimeOrDuration(v, flag, 'past', now);
    } catch (err) {
      throw bad(
        flag,
        `"${v}" is not a duration back from now (7d, 12h) or an ISO-8601 date or time`,
        (err as Error).message,
      );
    }
  };
  const since = time('since');
  const until = time('until');
  if (since && until && since >= until) throw bad('until', 'must be after --since');
  let minCost: string | undefined;
  if (input['min-cost'] !== undefined) {
    const v = input['min-cost'].trim();
    if (!/^\d+(\.\d+)?$/.test(v)) throw bad('min-cost', `"${input['min-cost']}" is not a non-negative decimal of USD`);
    minCost = money(v).toFixed();
  }
  if (input.cursor !== undefined && input.cursor.trim() === '') throw bad('cursor', 'must not be empty');
  return {
    limit: Number(limitText),
    ...(input.cursor !== undefined ? { cursor: input.cursor } : {}),
    ...(routed !== undefined ? { routed } : {}),
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(input.status !== undefined ? { status: parseStatus(input.status) } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(minCost !== undefined ? { minCost } : {}),
  };
}

/**
 * `oco spend summary`'s flags and `GET /api/v1/spend/summary`'s query parameters (by, since, until): `by` is one
 * grouping or two as A,B.
 */
export function parseSummaryQuery(
  input: { by?: string; since?: string; until?: string },
  now = new Date(),
): { from: Date; to: Date; groupBy: GroupBy; thenBy?: GroupBy } {
  const by = input.by ?? 'model';
  const levels = by.split(',').map((x) => x.trim());
  const unknown = levels.find((l) => !(GROUP_BY as readonly string[]).includes(l));
  if (unknown !== undefined || levels.length > 2)
    throw new UsageError(`--by must be one of ${GROUP_BY.join(', ')}, or two of them as A,B (got "${by}")`, {
      code: 'OCO_SPEND_FILTER_INVALID',
      details: { flag: 'by' },
    });
  if (levels.length === 2 && levels[0] === levels[1])
    throw new UsageError(`--by names "${levels[0]}" twice`, {
      code: 'OCO_SPEND_FILTER_INVALID',
      details: { flag: 'by' },
    });
  const [groupBy, thenBy] = levels as [GroupBy, GroupBy | undefined];
  const time = (flag: 'since' | 'until', v: string) => {
    try {
      return parseTimeOrDuration(v, flag, 'past', now);
    } catch (err) {
      throw bad(
        flag,
        `"${v}" is not a duration back from now (7d, 12h) or an ISO-8601 date or time`,
        (err as Error).message,
      );
    }
  };
  const from = time('since', input.since ?? '30d');
  const to = input.until !== undefined ? time('until', input.until) : now;
  return { from, to, groupBy, ...(thenBy ? { thenBy } : {}) };
}
