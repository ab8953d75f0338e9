import type Database from 'better-sqlite3';
import { Money } from '../../base/money.js';
import type { Queryable, SqlParam } from '../../base/store/types.js';
import { RECORD_COLUMNS, recordValues, type UsageRecord } from './record.js';

const ROWS_PER_STATEMENT = 400;
/** The error class the gateway records for a call it refused (budget, rate limit) without calling upstream. */
const REFUSED = 'refused';

/**
 * Writes records and their rollups (hourly, daily, daily per tag) in the caller's transaction.
 * Idempotent: a record already stored (same id and ts) is skipped and not added
 * to the rollups again, so replaying a spill file twice counts each call once.
 */
export async function writeRecords(tx: Queryable, records: readonly UsageRecord[]): Promise<number> {
  const inserted = new Set<string>();
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const slice = records.slice(i, i + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const r of slice) {
      const vals = recordValues(r);
      const base = params.length;
      tuples.push(`(${vals.map((_, j) => `$${base + j + 1}`).join(',')})`);
      params.push(...vals);
    }
    const rows = await tx.all<{ id: string }>(
      `INSERT INTO api_requests (${RECORD_COLUMNS.join(',')}) VALUES ${tuples.join(',')}
       ON CONFLICT (id, ts) DO NOTHING RETURNING id`,
      params as never,
    );
    for (const row of rows) inserted.add(row.id);
  }
  const rollups = rollupsOf(records, (r) => inserted.has(r.id));
  for (const t of ROLLUP_TABLES) {
    const sql = rollupSql(
      t,
      (c) => tx.dialect.addMoney(`${t.table}.${c}`, `excluded.${c}`),
      (i) => `$${i}`,
    );
    for (const a of rollups[t.table].values()) await tx.run(sql, rollupParams(a));
  }
  return inserted.size;
}

interface Rollup {
  key: string[];
  requests: number;
  /** Failed calls: the provider's errors, timeouts, cancellations. */
  errors: number;
  /** Calls oco refused itself (a budget or a rate limit); not errors, and never sent upstream. */
  refused: number;
  unpriced: number;
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  cost: Money;
  /** Calls smart routing sent to another model; their known savings summed, the unknown ones counted. */
  routed: number;
  unknownSavings: number;
  savings: Money;
  /** Cache hits (their known savings summed, the unknown ones counted) and misses. */
  cacheHits: number;
  cacheMisses: number;
  unknownCacheSavings: number;
  cacheSavings: Money;
}

/** The rollup's counters, added to on a conflict (cost_usd has a dialect-specific sum of its own). */
const SUMMED_COLUMNS = [
  'requests',
  'errors',
  'refused',
  'unpriced_requests',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'routed_requests',
  'unknown_savings_requests',
  'cache_hits',
  'cache_misses',
  'unknown_cache_savings_requests',
];

/**
 * The rollup tables the recorder keeps in the batch's transaction: usage_hourly (hour × attribution), usage_daily
 * (day × attribution × virtual key) and usage_daily_tags (the same per tag). Each is one upsert per distinct key of a
 * batch, never a query per call.
 */
interface RollupTable {
  table: 'usage_hourly' | 'usage_daily' | 'usage_daily_tags';
  keyColumns: readonly string[];
}

const ROLLUP_TABLES: readonly RollupTable[] = [
  { table: 'usage_hourly', keyColumns: ['hour', 'org_id', 'team_id', 'agent_id', 'user_id', 'provider', 'model'] },
  {
    table: 'usage_daily',
    keyColumns: ['day', 'org_id', 'team_id', 'agent_id', 'user_id', 'key_id', 'provider', 'model'],
  },
  {
    table: 'usage_daily_tags',
    keyColumns: ['day', 'tag', 'org_id', 'team_id', 'agent_id', 'user_id', 'key_id', 'provider', 'model'],
  },
];

const VALUE_COLUMNS = [
  'requests',
  'errors',
  'refused',
  'unpriced_requests',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cost_usd',
  'routed_requests',
  'unknown_savings_requests',
  'savings_usd',
  'cache_hits',
  'cache_misses',
  'unknown_cache_savings_requests',
  'cache_savings_usd',
];

function rollupSql(t: RollupTable, addMoney: (column: string) => string, placeholder: (i: number) => string): string {
  const add = (c: string) => `${c} = ${t.table}.${c} + excluded.${c}`;
  const columns = [...t.keyColumns, ...VALUE_COLUMNS];
  return `INSERT INTO ${t.table} (${columns.join(', ')})
    VALUES (${columns.map((_, i) => placeholder(i + 1)).join(',')})
    ON CONFLICT (${t.keyColumns.join(', ')}) DO UPDATE SET
      ${SUMMED_COLUMNS.map(add).join(', ')},
      cost_usd = ${addMoney('cost_usd')},
      savings_usd = ${addMoney('savings_usd')},
      cache_savings_usd = ${addMoney('cache_savings_usd')}`;
}

/** One bucket's parameters, in the order of rollupSql's VALUES. */
function rollupParams(a: Rollup): SqlParam[] {
  return [
    ...a.key,
    a.requests,
    a.errors,
    a.refused,
    a.unpriced,
    a.input,
    a.cached,
    a.cacheWrite,
    a.output,
    a.reasoning,
    a.cost.toFixed(),
    a.routed,
    a.unknownSavings,
    a.savings.toFixed(),
    a.cacheHits,
    a.cacheMisses,
    a.unknownCacheSavings,
    a.cacheSavings.toFixed(),
  ];
}

type Rollups = Record<RollupTable['table'], Map<string, Rollup>>;

function emptyRollup(key: string[]): Rollup {
  return {
    key,
    requests: 0,
    errors: 0,
    refused: 0,
    unpriced: 0,
    input: 0,
    cached: 0,
    cacheWrite: 0,
    output: 0,
    reasoning: 0,
    cost: new Money(0),
    routed: 0,
    unknownSavings: 0,
    savings: new Money(0),
    cacheHits: 0,
    cacheMisses: 0,
    unknownCacheSavings: 0,
    cacheSavings: new Money(0),
  };
}

function bucket(map: Map<string, Rollup>, key: string[]): Rollup {
  const k = key.join('\u0000');
  let agg = map.get(k);
  if (!agg) map.set(k, (agg = emptyRollup(key)));
  return agg;
}

function rollupsOf(records: readonly UsageRecord[], include: (r: UsageRecord, i: number) => boolean): Rollups {
  const out: Rollups = { usage_hourly: new Map(), usage_daily: new Map(), usage_daily_tags: new Map() };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (!include(r, i)) continue;
    const iso = new Date(r.ts).toISOString();
    const day = iso.slice(0, 10);
    const who = [r.orgId, r.teamId, r.agentId, r.userId];
    const keyId = r.keyId ?? '';
    addCall(bucket(out.usage_hourly, [`${iso.slice(0, 13)}:00:00.000Z`, ...who, r.provider, r.model]), r);
    addCall(bucket(out.usage_daily, [day, ...who, keyId, r.provider, r.model]), r);
    // Each distinct tag once (a repeated tag is the same tag); an untagged call under '', so the cut sees every call.
    const tags = r.tags?.length ? new Set(r.tags) : [''];
    for (const tag of tags) addCall(bucket(out.usage_daily_tags, [day, tag, ...who, keyId, r.provider, r.model]), r);
  }
  return out;
}

function addCall(agg: Rollup, r: UsageRecord): void {
  agg.requests++;
  if (r.errorClass === REFUSED) agg.refused++;
  else if ((r.statusCode !== null && r.statusCode >= 400) || r.errorClass) agg.errors++;
  if (r.costUsd === null) agg.unpriced++;
  else agg.cost = agg.cost.plus(r.costUsd);
  agg.input += r.inputTokens + r.toolPromptTokens;
  agg.cached += r.cachedInputTokens;
  agg.cacheWrite += r.cacheWrite5mTokens + r.cacheWrite1hTokens;
  agg.output += r.outputTokens;
  agg.reasoning += r.reasoningTokens;
  if (r.routedModel) {
    agg.routed++;
    if (r.savingsUsd === null || r.savingsUsd === undefined) agg.unknownSavings++;
    else agg.savings = agg.savings.plus(r.savingsUsd);
  }
  if (r.cache === 'miss') agg.cacheMisses++;
  else if (r.cache === 'hit') {
    agg.cacheHits++;
    if (r.cacheSavingsUsd === null || r.cacheSavingsUsd === undefined) agg.unknownCacheSavings++;
    else agg.cacheSavings = agg.cacheSavings.plus(r.cacheSavingsUsd);
  }
}

const sqliteStatements = new WeakMap<
  Database.Database,
  { insert: Database.Statement; rollups: Array<[RollupTable, Database.Statement]> }
>();

/**
 * writeRecords for the SQLite writer thread, with the same rows and rollups, in the
 * caller's transaction: one prepared statement per table (prepared once per
 * connection) run row by row, instead of building and preparing a multi-row
 * statement per batch. A row is new when its insert changed a row.
 */
export function writeRecordsSqlite(db: Database.Database, records: readonly UsageRecord[]): number {
  let st = sqliteStatements.get(db);
  if (!st) {
    st = {
      insert: db.prepare(
        `INSERT INTO api_requests (${RECORD_COLUMNS.join(',')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(',')})
         ON CONFLICT (id, ts) DO NOTHING`,
      ),
      rollups: ROLLUP_TABLES.map((t) => [
        t,
        db.prepare(
          rollupSql(
            t,
            (c) => `decimal_add(${t.table}.${c}, excluded.${c})`,
            () => '?',
          ),
        ),
      ]),
    };
    sqliteStatements.set(db, st);
  }
  const inserted = new Uint8Array(records.length);
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    const vals = recordValues(records[i]!);
    // As toDriverValue binds them for SQLite: booleans as 0/1, undefined as null (the rest are strings, numbers, null).
    for (let j = 0; j < vals.length; j++) {
      const v = vals[j];
      if (typeof v === 'boolean') vals[j] = v ? 1 : 0;
      else if (v === undefined) vals[j] = null;
    }
    if (st.insert.run(vals).changes > 0) {
      inserted[i] = 1;
      n++;
    }
  }
  const rollups = rollupsOf(records, (_r, i) => inserted[i] === 1);
  for (const [t, stmt] of st.rollups) for (const a of rollups[t.table].values()) stmt.run(rollupParams(a));
  return n;
}
