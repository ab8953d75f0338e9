import { UsageError } from '../../base/errors.js';
import { money, type Money } from '../../base/money.js';
import type { SqlParam, Store } from '../../base/store/types.js';
import { keyLabels } from '../keys/service.js';

export const GROUP_BY = ['provider', 'model', 'agent', 'team', 'org', 'user', 'key', 'tag', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
/** The attribution dimensions (every grouping but day). */
export type Dimension = Exclude<GroupBy, 'day'>;

const GROUP_COLUMN: Record<Dimension, string> = {
  provider: 'provider',
  model: 'model',
  agent: 'agent_id',
  team: 'team_id',
  org: 'org_id',
  user: 'user_id',
  key: 'key_id',
  tag: 'tag',
};

/** Dimensions only the daily rollups hold: a window cut by them is read in whole UTC days. */
const DAILY_ONLY: readonly GroupBy[] = ['key', 'tag'];

/**
 * How the rollups spell "none" for a key and a tag ('': a call without a virtual key, an untagged call), and how
 * summaries show it (ids and tags are `[\w.@:/+-]`, so neither label can be a real one).
 */
const NONE_LABEL: Partial<Record<Dimension, string>> = { key: '(none)', tag: '(untagged)' };

const label = (dim: GroupBy, v: unknown) => {
  const s = String(v);
  return s === '' && dim !== 'day' ? (NONE_LABEL[dim] ?? s) : s;
};

export type SummaryRow = {
  key: string;
  /** The second level's key (`--by team,model`); absent for a one-level summary. */
  subKey?: string;
  /** Every call, refused ones included. */
  requests: number;
  /** Calls that failed: provider errors, timeouts, cancellations. */
  errors: number;
  /** Calls oco refused itself (a budget or a rate limit), never sent to the provider. */
  refused: number;
  unpricedRequests: number;
  /** Input billed at the plain input rate (uncached; Gemini tool-use prompt included). */
  inputTokens: number;
  /** Input read from the provider's prompt cache (billed at the cached rate). */
  cachedInputTokens: number;
  /** Input written to the prompt cache (Anthropic's cache writes). */
  cacheWriteTokens: number;
  /** All input the provider counted: uncached + cached + cache writes (OpenAI's prompt_tokens). */
  inputTotalTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Exact decimal string; calls without a price are counted in unpriced_requests, not here. */
  costUsd: string;
  /** Calls smart routing sent to a model other than the one requested. */
  routedCalls: number;
  /** Exact decimal string: what routing saved on the routed calls whose saving is known. */
  savingsUsd: string;
  /** Routed calls whose saving is unknown (the requested model has no price): not in savingsUsd, never 0. */
  unknownSavingsCalls: number;
  /** Calls the response cache answered (cost 0, never sent to the provider), and calls it looked up and missed. */
  cacheHits: number;
  cacheMisses: number;
  /** Exact decimal string: what the hits saved (their original calls' cost), where known. */
  cacheSavingsUsd: string;
  /** Hits whose original call had no price: not in cacheSavingsUsd, never 0. */
  unknownCacheSavingsCalls: number;
};

export interface Summary {
  from: string;
  to: string;
  groupBy: GroupBy;
  /** The second grouping level (`--by team,model`); absent for a one-level summary. */
  thenBy?: GroupBy;
  rows: SummaryRow[];
  total: Omit<SummaryRow, 'key' | 'subKey'>;
}

const COUNTS = [
  'requests',
  'errors',
  'refused',
  'unpricedRequests',
  'inputTokens',
  'cachedInputTokens',
  'cacheWriteTokens',
  'inputTotalTokens',
  'outputTokens',
  'reasoningTokens',
  'routedCalls',
  'unknownSavingsCalls',
  'cacheHits',
  'cacheMisses',
  'unknownCacheSavingsCalls',
] as const;
const MONEY = ['costUsd', 'savingsUsd', 'cacheSavingsUsd'] as const;

/** One read of a rollup table over [from, to) of its time column. */
interface Segment {
  table: 'usage_hourly' | 'usage_daily' | 'usage_daily_tags';
  time: 'hour' | 'day';
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/**
 * The reads that cover [from, to): whole UTC days from usage_daily (or usage_daily_tags when a tag is involved), the
 * partial days at either edge from usage_hourly by the hour. A cut by key or tag (only the daily rollups hold them)
 * is widened to whole days.
 */
function segmentsOf(from: Date, to: Date, dims: readonly GroupBy[]): { segments: Segment[]; from: Date; to: Date } {
  const daily = dims.includes('tag') ? 'usage_daily_tags' : 'usage_daily';
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (dims.some((d) => DAILY_ONLY.includes(d))) {
    const f = floorDay(from);
    const t = ceilDay(to);
    return { segments: [{ table: daily, time: 'day', from: day(f), to: day(t) }], from: f, to: t };
  }
  const f = floorHour(from);
  const t = ceilHour(to);
  const firstDay = ceilDay(f);
  const lastDay = floorDay(t);
  if (firstDay >= lastDay)
    return {
      segments: [{ table: 'usage_hourly', time: 'hour', from: f.toISOString(), to: t.toISOString() }],
      from: f,
      to: t,
    };
  const segments: Segment[] = [{ table: daily, time: 'day', from: day(firstDay), to: day(lastDay) }];
  if (f < firstDay)
    segments.push({ table: 'usage_hourly', time: 'hour', from: f.toISOString(), to: firstDay.toISOString() });
  if (lastDay < t)
    segments.push({ table: 'usage_hourly', time: 'hour', from: lastDay.toISOString(), to: t.toISOString() });
  return { segments, from: f, to: t };
}

function keyExpr(store: Store, dim: GroupBy, seg: Segment): string {
  if (dim !== 'day') return GROUP_COLUMN[dim];
  return seg.time === 'hour' ? store.dialect.utcDay('hour') : store.dialect.dateText('day');
}

type Sums = Omit<SummaryRow, 'key' | 'subKey' | (typeof MONEY)[number]> & Record<(typeof MONEY)[number], Money>;

/** Every summary column per group, over the segments, merged exactly (money as decimals). */
async function sumSegments(
  store: Store,
  segments: readonly Segment[],
  dims: readonly GroupBy[],
  filter: UsageFilter | undefined,
): Promise<Map<string, { keys: string[]; sums: Sums }>> {
  const out = new Map<string, { keys: string[]; sums: Sums }>();
  const m = (c: string) => store.dialect.sumMoney(c);
  for (const seg of segments) {
    const params: string[] = [seg.from, seg.to];
    const where = `${seg.time} >= $1 AND ${seg.time} < $2${filterSql(filter, params)}`;
    const keys = dims.map((d) => keyExpr(store, d, seg));
    const select = keys.map((k, i) => `${k} AS k${i}, `).join('');
    const rows = await store.all(
      `SELECT ${select}SUM(requests) AS requests, SUM(errors) AS errors, SUM(refused) AS refused,
         SUM(unpriced_requests) AS unpriced_requests, SUM(input_tokens) AS input_tokens,
         SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
         SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens, ${m('cost_usd')} AS cost_usd,
         SUM(routed_requests) AS routed_requests, ${m('savings_usd')} AS savings_usd,
         SUM(unknown_savings_requests) AS unknown_savings_requests, SUM(cache_hits) AS cache_hits,
         SUM(cache_misses) AS cache_misses, ${m('cache_savings_usd')} AS cache_savings_usd,
         SUM(unknown_cache_savings_requests) AS unknown_cache_savings_requests
       FROM ${seg.table} WHERE ${where}${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`,
      params,
    );
    for (const r of rows) {
      // an aggregate without GROUP BY answers one row even over no rows
      if (r.requests === null || r.requests === undefined) continue;
      const ks = dims.map((d, i) => label(d, r[`k${i}`]));
      const id = ks.join('\u0000');
      const { key: _key, ...row } = toRow({ ...r, key: '' });
      const prev = out.get(id);
      if (!prev) {
        out.set(id, {
          keys: ks,
          sums: {
            ...row,
            costUsd: money(row.costUsd),
            savingsUsd: money(row.savingsUsd),
            cacheSavingsUsd: money(row.cacheSavingsUsd),
          } as Sums,
        });
        continue;
      }
      for (const c of COUNTS) prev.sums[c] += row[c];
      for (const c of MONEY) prev.sums[c] = prev.sums[c].plus(row[c]);
    }
  }
  return out;
}

function emptySums(): Sums {
  return {
    ...(Object.fromEntries(COUNTS.map((c) => [c, 0])) as Record<(typeof COUNTS)[number], number>),
    costUsd: money(0),
    savingsUsd: money(0),
    cacheSavingsUsd: money(0),
  };
}

function addSums(into: Sums, s: Sums): void {
  for (const c of COUNTS) into[c] += s[c];
  for (const c of MONEY) into[c] = into[c].plus(s[c]);
}

function finish(s: Sums): Omit<SummaryRow, 'key' | 'subKey'> {
  return {
    ...s,
    costUsd: s.costUsd.toFixed(),
    savingsUsd: s.savingsUsd.toFixed(),
    cacheSavingsUsd: s.cacheSavingsUsd.toFixed(),
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Spend summaries come from the rollups: whole UTC days from usage_daily (one row per day, org, team, agent, user,
 * key, provider and model; usage_daily_tags per tag), the partial days at the edges from usage_hourly, so they stay
 * fast however many calls were recorded. Bounds are whole hours (from rounded down, to up); a cut by key or tag,
 * which only the daily rollups hold, whole days. `thenBy` groups each first-level key again (`--by team,model`).
 * The total counts each call once: under a tag cut a call with two tags is in two rows, not twice in the total.
 */
export async function summarize(
  store: Store,
  opts: { from: Date; to: Date; groupBy: GroupBy; thenBy?: GroupBy; filter?: UsageFilter },
): Promise<Summary> {
  for (const [flag, v] of [
    ['groupBy', opts.groupBy],
    ['thenBy', opts.thenBy],
  ] as const) {
    if (v !== undefined && !GROUP_BY.includes(v))
      throw new UsageError(`cannot group by "${v}"`, { hint: `Use one of ${GROUP_BY.join(', ')}.`, details: { flag } });
  }
  if (opts.thenBy === opts.groupBy)
    throw new UsageError(`cannot group by "${opts.groupBy}" twice`, { hint: 'Name two different dimensions.' });
  const dims: GroupBy[] = opts.thenBy ? [opts.groupBy, opts.thenBy] : [opts.groupBy];
  const filterDims = Object.keys(opts.filter ?? {}) as GroupBy[];
  const { segments, from, to } = segmentsOf(opts.from, opts.to, [...dims, ...filterDims]);
  const groups = [...(await sumSegments(store, segments, dims, opts.filter)).values()].sort(
    (a, b) => byText(a.keys[0]!, b.keys[0]!) || byText(a.keys[1] ?? '', b.keys[1] ?? ''),
  );
  const total = emptySums();
  if (dims.includes('tag') && !filterDims.includes('tag')) {
    // the same window untagged: each call once
    const untagged = segments.map(
      (s) => ({ ...s, table: s.table === 'usage_daily_tags' ? 'usage_daily' : s.table }) as Segment,
    );
    for (const g of (await sumSegments(store, untagged, [], opts.filter)).values()) addSums(total, g.sums);
  } else {
    for (const g of groups) addSums(total, g.sums);
  }
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    groupBy: opts.groupBy,
    ...(opts.thenBy ? { thenBy: opts.thenBy } : {}),
    rows: groups.map((g) => ({ key: g.keys[0]!, ...(opts.thenBy ? { subKey: g.keys[1]! } : {}), ...finish(g.sums) })),
    total: finish(total),
  };
}

/** Equality filters on the rollups' attribution columns (a report's drill-down path: team → agent → model). */
export type UsageFilter = Partial<Record<Dimension, string>>;

/** ` AND column = $n` for each filter entry, its values appended to params ("(none)" of a key or tag is ''). */
function filterSql(filter: UsageFilter | undefined, params: SqlParam[]): string {
  let sql = '';
  for (const [dim, value] of Object.entries(filter ?? {})) {
    const column = GROUP_COLUMN[dim as Dimension];
    if (!column || value === undefined) throw new UsageError(`cannot filter by "${dim}"`);
    params.push(value === NONE_LABEL[dim as Dimension] ? '' : value);
    sql += ` AND ${column} = $${params.length}`;
  }
  return sql;
}

/**
 * Cost, calls and unpriced calls per key and UTC day over whole-day ranges, in one query of usage_daily (or
 * usage_daily_tags when the cut or the filter names a tag): what a report needs for its period, the comparison and
 * the daily trend at once. `groupBy` null: one series for the whole slice (key null).
 */
export async function dailyByKey(
  store: Store,
  opts: { ranges: ReadonlyArray<{ from: string; to: string }>; groupBy: Dimension | null; filter?: UsageFilter },
): Promise<Array<{ key: string | null; day: string; costUsd: string; requests: number; unpricedRequests: number }>> {
  const tagged = opts.groupBy === 'tag' || opts.filter?.tag !== undefined;
  const params: string[] = [];
  const ranges = opts.ranges.map((r) => {
    params.push(r.from, r.to);
    return `(day >= $${params.length - 1} AND day < $${params.length})`;
  });
  const where = `(${ranges.join(' OR ')})${filterSql(opts.filter, params)}`;
  const column = opts.groupBy ? GROUP_COLUMN[opts.groupBy] : null;
  const dayText = store.dialect.dateText('day');
  const rows = await store.all<{ key: unknown; day: unknown; cost: unknown; requests: unknown; unpriced: unknown }>(
    `SELECT ${column ?? 'NULL'} AS key, ${dayText} AS day, ${store.dialect.sumMoney('cost_usd')} AS cost,
       SUM(requests) AS requests, SUM(unpriced_requests) AS unpriced
     FROM ${tagged ? 'usage_daily_tags' : 'usage_daily'} WHERE ${where}
     GROUP BY ${column ? `${column}, ` : ''}day`,
    params,
  );
  return rows.map((r) => ({
    key: opts.groupBy ? label(opts.groupBy, r.key) : null,
    day: String(r.day),
    costUsd: plain(r.cost),
    requests: Number(r.requests),
    unpricedRequests: Number(r.unpriced),
  }));
}

function toRow(r: Record<string, unknown>): SummaryRow {
  return {
    key: String(r.key),
    requests: Number(r.requests),
    errors: Number(r.errors),
    refused: Number(r.refused),
    unpricedRequests: Number(r.unpriced_requests),
    inputTokens: Number(r.input_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    inputTotalTokens: Number(r.input_tokens) + Number(r.cached_input_tokens) + Number(r.cache_write_tokens),
    outputTokens: Number(r.output_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    costUsd: plain(r.cost_usd),
    routedCalls: Number(r.routed_requests),
    savingsUsd: plain(r.savings_usd),
    unknownSavingsCalls: Number(r.unknown_savings_requests),
    cacheHits: Number(r.cache_hits),
    cacheMisses: Number(r.cache_misses),
    cacheSavingsUsd: plain(r.cache_savings_usd),
    unknownCacheSavingsCalls: Number(r.unknown_cache_savings_requests),
  };
}

function plain(v: unknown): string {
  if (v === null || v === undefined) return '0';
  const s = String(v);
  // PostgreSQL NUMERIC keeps trailing zeros of its scale; one canonical form for both engines.
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function floorHour(d: Date): Date {
  const x = new Date(d);
  x.setUTCMinutes(0, 0, 0);
  return x;
}

function ceilHour(d: Date): Date {
  const x = floorHour(d);
  return x.getTime() === d.getTime() ? x : new Date(x.getTime() + 3_600_000);
}

function floorDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

function ceilDay(d: Date): Date {
  return new Date(Math.ceil(d.getTime() / DAY_MS) * DAY_MS);
}

export type RequestRow = {
  id: string;
  ts: string;
  provider: string;
  model: string;
  endpoint: string | null;
  orgId: string;
  teamId: string;
  agentId: string;
  userId: string;
  keyId: string | null;
  /** The virtual key's name and `--metadata` labels as they are now (null: no key, or the key was deleted). */
  keyName: string | null;
  keyMetadata: Record<string, string> | null;
  tags: string[];
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  toolPromptTokens: number;
  costUsd: string | null;
  latencyMs: number | null;
  ttfbMs: number | null;
  statusCode: number | null;
  streamed: boolean;
  estimated: boolean;
  errorClass: string | null;
  /** The model the client asked for, when smart routing sent the call to another (null: not routed). */
  originalModel: string | null;
  /** The model routing chose (null: not routed; `model` is then the one requested). */
  routedModel: string | null;
  /** Exact decimal string: what routing saved on this call; null when not routed, or routed with an unknown saving. */
  savingsUsd: string | null;
};

/** A status filter: one HTTP status, or a class (4xx: 400 to 499). */
export type StatusFilter = { from: number; to: number };

export interface RequestListing {
  limit: number;
  cursor?: string;
  routed?: boolean;
  filter?: UsageFilter;
  status?: StatusFilter;
  /** Calls at or after since, before until. */
  since?: Date;
  until?: Date;
  /** Exact decimal USD: calls that cost at least this (unpriced calls, whose cost is unknown, are left out). */
  minCost?: string;
}

/**
 * Newest first, keyset-paginated: the cursor is the (ts, id) of the last row returned (with the same filter).
 * Each filter reads through an index: key, agent, team and model through their (column, ts) indexes, the rest
 * (provider, org, user, status, min cost, time) while walking the ts index newest first.
 */
export async function listRequests(
  store: Store,
  opts: RequestListing,
): Promise<{ requests: RequestRow[]; nextCursor: string | null }> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 1000)
    throw new UsageError('--limit: must be an integer from 1 to 1000', {
      code: 'OCO_SPEND_FILTER_INVALID',
      details: { flag: 'limit' },
    });
  const where: string[] = [];
  const params: SqlParam[] = [];
  // true: only calls routing sent to another model; false: only calls that went to the model requested.
  if (opts.routed !== undefined) where.push(opts.routed ? 'routed_model IS NOT NULL' : 'routed_model IS NULL');
  if (opts.cursor) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    if (
      !Array.isArray(decoded) ||
      decoded.length !== 2 ||
      typeof decoded[0] !== 'string' ||
      typeof decoded[1] !== 'string' ||
      Number.isNaN(Date.parse(decoded[0]))
    ) {
      throw new UsageError('--cursor: not one this API returned', {
        code: 'OCO_SPEND_FILTER_INVALID',
        hint: 'Pass the cursor the previous page returned, unchanged.',
        details: { flag: 'cursor' },
      });
    }
    where.push('(ts < $1 OR (ts = $1 AND id < $2))');
    params.push(decoded[0], decoded[1]);
  }
  if (opts.filter?.tag !== undefined || opts.filter?.key === NONE_LABEL.key)
    throw new UsageError('the calls cannot be listed by tag or by "(none)" key', {
      code: 'OCO_SPEND_FILTER_INVALID',
      hint: 'Drill down by team, agent, model, provider, user, org or a key id to list calls.',
    });
  const filtered = filterSql(opts.filter, params);
  if (filtered) where.push(filtered.slice(' AND '.length));
  if (opts.status) {
    params.push(opts.status.from, opts.status.to);
    where.push(`status_code >= $${params.length - 1} AND status_code <= $${params.length}`);
  }
  // Bound as Dates: each driver writes them as the column stores timestamps (ISO text, TIMESTAMPTZ).
  if (opts.since) where.push(`ts >= $${params.push(opts.since)}`);
  if (opts.until) where.push(`ts < $${params.push(opts.until)}`);
  if (opts.minCost !== undefined) where.push(store.dialect.moneyAtLeast('cost_usd', `$${params.push(opts.minCost)}`));
  const rows = await store.all<ApiRequestRow>(
    `SELECT * FROM api_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ts DESC, id DESC LIMIT ${opts.limit + 1}`,
    params,
  );
  const page = rows.slice(0, opts.limit).map(toRequestRow);
  const labels = await keyLabels(store, [...new Set(page.flatMap((r) => (r.keyId ? [r.keyId] : [])))]);
  for (const r of page) {
    const l = r.keyId ? labels.get(r.keyId) : undefined;
    r.keyName = l?.name ?? null;
    r.keyMetadata = l?.metadata ?? null;
  }
  const last = page[page.length - 1];
  return {
    requests: page,
    nextCursor:
      rows.length > opts.limit && last ? Buffer.from(JSON.stringify([last.ts, last.id])).toString('base64url') : null,
  };
}

/**
 * An api_requests row as the drivers return it: ts is text (SQLite) or Date (PostgreSQL), tags JSON text or an
 * array, counters numbers or numeric strings, flags booleans or 0/1.
 */
type ApiRequestRow = {
  id: string;
  ts: string | Date;
  provider: string;
  model: string;
  endpoint: string | null;
  org_id: string;
  team_id: string;
  agent_id: string;
  user_id: string;
  key_id: string | null;
  tags: string | string[] | null;
  input_tokens: number | string;
  cached_input_tokens: number | string;
  cache_write_5m_tokens: number | string;
  cache_write_1h_tokens: number | string;
  output_tokens: number | string;
  reasoning_tokens: number | string;
  tool_prompt_tokens: number | string;
  cost_usd: number | string | null;
  latency_ms: number | string | null;
  ttfb_ms: number | string | null;
  status_code: number | string | null;
  streamed: boolean | number;
  estimated: boolean | number;
  error_class: string | null;
  original_model: string | null;
  routed_model: string | null;
  savings_usd: number | string | null;
};

function toRequestRow(r: ApiRequestRow): RequestRow {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    provider: r.provider,
    model: r.model,
    endpoint: r.endpoint ?? null,
    orgId: r.org_id,
    teamId: r.team_id,
    agentId: r.agent_id,
    userId: r.user_id,
    keyId: r.key_id ?? null,
    keyName: null,
    keyMetadata: null,
    tags: typeof r.tags === 'string' ? JSON.parse(r.tags) : (r.tags ?? []),
    inputTokens: Number(r.input_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWrite5mTokens: Number(r.cache_write_5m_tokens),
    cacheWrite1hTokens: Number(r.cache_write_1h_tokens),
    outputTokens: Number(r.output_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
    toolPromptTokens: Number(r.tool_prompt_tokens),
    costUsd: r.cost_usd === null || r.cost_usd === undefined ? null : plain(r.cost_usd),
    latencyMs: n(r.latency_ms),
    ttfbMs: n(r.ttfb_ms),
    statusCode: n(r.status_code),
    streamed: Boolean(r.streamed),
    estimated: Boolean(r.estimated),
    errorClass: r.error_class ?? null,
    originalModel: r.original_model ?? null,
    routedModel: r.routed_model ?? null,
    savingsUsd: r.savings_usd === null || r.savings_usd === undefined ? null : plain(r.savings_usd),
  };
}

/** Models seen without a price, from the rollups. */
export async function listUnpriced(
  store: Store,
): Promise<Array<{ provider: string; model: string; requests: number; firstHour: string; lastHour: string }>> {
  const rows = await store.all(
    `SELECT provider, model, SUM(unpriced_requests) AS requests, MIN(hour) AS first_hour, MAX(hour) AS last_hour
     FROM usage_hourly WHERE unpriced_requests > 0 GROUP BY provider, model ORDER BY provider, model`,
  );
  return rows.map((r) => ({
    provider: String(r.provider),
    model: String(r.model),
    requests: Number(r.requests),
    firstHour: new Date(r.first_hour as string).toISOString(),
    lastHour: new Date(r.last_hour as string).toISOString(),
  }));
}
