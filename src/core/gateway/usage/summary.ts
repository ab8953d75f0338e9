import { UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';

export const GROUP_BY = ['provider', 'model', 'agent', 'team', 'org', 'user', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

const GROUP_COLUMN: Record<Exclude<GroupBy, 'day'>, string> = {
  provider: 'provider',
  model: 'model',
  agent: 'agent_id',
  team: 'team_id',
  org: 'org_id',
  user: 'user_id',
};

export type SummaryRow = {
  key: string;
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
  rows: SummaryRow[];
  total: Omit<SummaryRow, 'key'>;
}

/**
 * Spend summaries come from usage_hourly (one row per hour, org, team, agent,
 * user, provider and model), so they stay fast however many calls were recorded.
 * Bounds are whole hours: from is rounded down, to up.
 */
export async function summarize(
  store: Store,
  opts: { from: Date; to: Date; groupBy: GroupBy; filter?: UsageFilter },
): Promise<Summary> {
  if (!GROUP_BY.includes(opts.groupBy))
    throw new UsageError(`cannot group by "${opts.groupBy}"`, { hint: `Use one of ${GROUP_BY.join(', ')}.` });
  const from = floorHour(opts.from);
  const to = ceilHour(opts.to);
  const params: string[] = [from.toISOString(), to.toISOString()];
  const where = `hour >= $1 AND hour < $2${filterSql(opts.filter, params)}`;
  const keyExpr = opts.groupBy === 'day' ? store.dialect.utcDay('hour') : GROUP_COLUMN[opts.groupBy];
  const m = store.dialect.sumMoney('cost_usd');
  const saved = store.dialect.sumMoney('savings_usd');
  const cacheSaved = store.dialect.sumMoney('cache_savings_usd');
  const rows = await store.all(
    `SELECT ${keyExpr} AS key, SUM(requests) AS requests, SUM(errors) AS errors, SUM(refused) AS refused,
       SUM(unpriced_requests) AS unpriced_requests, SUM(input_tokens) AS input_tokens,
       SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
       SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens, ${m} AS cost_usd,
       SUM(routed_requests) AS routed_requests, ${saved} AS savings_usd,
       SUM(unknown_savings_requests) AS unknown_savings_requests, SUM(cache_hits) AS cache_hits,
       SUM(cache_misses) AS cache_misses, ${cacheSaved} AS cache_savings_usd,
       SUM(unknown_cache_savings_requests) AS unknown_cache_savings_requests
     FROM usage_hourly WHERE ${where} GROUP BY ${keyExpr} ORDER BY ${keyExpr}`,
    params,
  );
  const out = rows.map(toRow);
  const counts = [
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
  const total = {
    ...Object.fromEntries(counts.map((c) => [c, out.reduce((n, r) => n + r[c], 0)])),
    costUsd: '0',
    savingsUsd: '0',
    cacheSavingsUsd: '0',
  } as Omit<SummaryRow, 'key'>;
  const totalCost = await store.get<{ c: string | null; s: string | null; cs: string | null }>(
    `SELECT ${m} AS c, ${saved} AS s, ${cacheSaved} AS cs FROM usage_hourly WHERE ${where}`,
    params,
  );
  total.costUsd = plain(totalCost?.c);
  total.savingsUsd = plain(totalCost?.s);
  total.cacheSavingsUsd = plain(totalCost?.cs);
  return { from: from.toISOString(), to: to.toISOString(), groupBy: opts.groupBy, rows: out, total };
}

/** Equality filters on the rollup's attribution columns (a report's drill-down path: team → agent → model). */
export type UsageFilter = Partial<Record<Exclude<GroupBy, 'day'>, string>>;

/** ` AND column = $n` for each filter entry, its values appended to params. */
function filterSql(filter: UsageFilter | undefined, params: string[]): string {
  let sql = '';
  for (const [dim, value] of Object.entries(filter ?? {})) {
    const column = GROUP_COLUMN[dim as keyof typeof GROUP_COLUMN];
    if (!column || value === undefined) throw new UsageError(`cannot filter by "${dim}"`);
    params.push(value);
    sql += ` AND ${column} = $${params.length}`;
  }
  return sql;
}

/**
 * Cost, calls and unpriced calls per key: the columns of summarize a report shows, in one query with one exact
 * sum (summarize sums three money columns twice). The same rows and the same hours, so the same digits.
 */
export async function costByKey(
  store: Store,
  opts: { from: Date; to: Date; groupBy: Exclude<GroupBy, 'day'>; filter?: UsageFilter },
): Promise<Array<{ key: string; costUsd: string; requests: number; unpricedRequests: number }>> {
  const params: string[] = [floorHour(opts.from).toISOString(), ceilHour(opts.to).toISOString()];
  const where = `hour >= $1 AND hour < $2${filterSql(opts.filter, params)}`;
  const column = GROUP_COLUMN[opts.groupBy];
  const rows = await store.all<{ key: string; cost: unknown; requests: unknown; unpriced: unknown }>(
    `SELECT ${column} AS key, ${store.dialect.sumMoney('cost_usd')} AS cost, SUM(requests) AS requests,
       SUM(unpriced_requests) AS unpriced
     FROM usage_hourly WHERE ${where} GROUP BY ${column} ORDER BY ${column}`,
    params,
  );
  return rows.map((r) => ({
    key: String(r.key),
    costUsd: plain(r.cost),
    requests: Number(r.requests),
    unpricedRequests: Number(r.unpriced),
  }));
}

/**
 * Daily cost per key from the rollup (the report's trend sparklines): one row per UTC day and key that had calls.
 * Whole hours, as summarize reads them.
 */
export async function dailyCost(
  store: Store,
  opts: { from: Date; to: Date; groupBy: Exclude<GroupBy, 'day'>; filter?: UsageFilter },
): Promise<Array<{ key: string; day: string; costUsd: string }>> {
  const params: string[] = [floorHour(opts.from).toISOString(), ceilHour(opts.to).toISOString()];
  const where = `hour >= $1 AND hour < $2${filterSql(opts.filter, params)}`;
  const day = store.dialect.utcDay('hour');
  const column = GROUP_COLUMN[opts.groupBy];
  const rows = await store.all<{ key: string; day: string; cost: unknown }>(
    `SELECT ${column} AS key, ${day} AS day, ${store.dialect.sumMoney('cost_usd')} AS cost FROM usage_hourly
     WHERE ${where} GROUP BY ${column}, ${day}`,
    params,
  );
  return rows.map((r) => ({ key: String(r.key), day: String(r.day), costUsd: plain(r.cost) }));
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

/** Newest first, keyset-paginated: the cursor is the (ts, id) of the last row returned (with the same filter). */
export async function listRequests(
  store: Store,
  opts: { limit: number; cursor?: string; routed?: boolean; filter?: UsageFilter },
): Promise<{ requests: RequestRow[]; nextCursor: string | null }> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 1000)
    throw new UsageError('limit must be an integer from 1 to 1000');
  const where: string[] = [];
  const params: string[] = [];
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
      typeof decoded[1] !== 'string'
    ) {
      throw new UsageError('cursor is not one this API returned', {
        hint: 'Pass the cursor the previous page returned, unchanged.',
      });
    }
    where.push('(ts < $1 OR (ts = $1 AND id < $2))');
    params.push(decoded[0], decoded[1]);
  }
  const filtered = filterSql(opts.filter, params);
  if (filtered) where.push(filtered.slice(' AND '.length));
  const rows = await store.all<ApiRequestRow>(
    `SELECT * FROM api_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ts DESC, id DESC LIMIT ${opts.limit + 1}`,
    params,
  );
  const page = rows.slice(0, opts.limit).map(toRequestRow);
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
