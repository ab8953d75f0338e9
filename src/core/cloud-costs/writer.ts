import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { OperationError } from '../base/errors.js';
import { mapPgError, type PostgresStore } from '../base/store/postgres.js';
import type { SqliteStore } from '../base/store/sqlite.js';
import type { PoolClient } from 'pg';
import type { Store } from '../base/store/types.js';
import { addDays, dayStart, type CostRow, type DayWindow } from './model.js';
import { DailyRollup, replaceRollupPostgres, replaceRollupSqlite } from './rollup.js';
import { COLUMN_LIST, FLAT_ROWS, SqliteBulk, flattenBatch } from './sqlite-bulk.js';

export interface WriteTarget {
  /** Provider of rows that do not name their own (CostRow.provider: a FOCUS file's rows do). */
  provider: string;
  source: string;
  runId: string;
  /** The window the source was asked for: its old rows are replaced. Files leave it out: their own days are replaced.
   * Deletes key on charge_period_start (indexed with source); usage_date is its UTC day, so the two agree. */
  window?: DayWindow;
}

export interface Overlap {
  source: string;
  provider: string;
  rows: number;
  first: string;
  last: string;
}

export interface WriteResult {
  rows: number;
  /** Days actually replaced: the requested window, or the file's first and last day. */
  window: DayWindow | null;
  /**
   * Other sources of the same provider holding rows for the same days (their sums add up: reports would double count).
   */
  overlaps: Overlap[];
  /** Providers of the rows written, sorted. */
  providers: string[];
}

export type Batches = AsyncIterable<CostRow[]>;

export interface WriteOptions {
  /**
   * How many rows the source will probably bring (an import estimates it from the file's
   * size), or nothing when unknown. A load at least REBUILD_MIN_ROWS large and larger
   * than the table is written with the table's secondary indexes dropped and rebuilt
   * before commit.
   */
  estimatedRows?: number;
}

/** Below this, rebuilding the indexes is not worth the lock it takes (PostgreSQL) or the full sorts (both). */
export const REBUILD_MIN_ROWS = 100_000;

/**
 * Replaces one source's rows for a window with new rows, in one transaction: a run
 * that fails half way (API error, bad row) rolls back and the window keeps its
 * previous data (and the table its indexes); a re-run of the same window never
 * duplicates. Bulk paths: prepared inserts in one transaction on SQLite, COPY FROM STDIN
 * on PostgreSQL.
 */
export async function replaceSourceRows(
  store: Store,
  target: WriteTarget,
  batches: Batches,
  onRows?: (n: number) => void,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const result = await store.native({
    sqlite: (s) => writeSqlite(s, target, batches, onRows, options),
    postgres: (s) => writePostgres(s, target, batches, onRows, options),
  });
  const overlaps = result.window ? await findOverlaps(store, target.source, result.providers, result.window) : [];
  return { ...result, overlaps };
}

/** Each row's own provider, for the rows [from, to) of a batch (undefined: the run's). */
function providersOf(batch: readonly CostRow[], from: number, to: number): Array<string | undefined> {
  const out: Array<string | undefined> = new Array(to - from);
  for (let r = from; r < to; r++) out[r - from] = batch[r]!.provider;
  return out;
}

/** The days and providers of the rows written (providers come in runs: only a change is looked up). */
class Span {
  min: string | undefined;
  max: string | undefined;
  private readonly seen = new Set<string>();
  private last: string | undefined;
  constructor(private readonly fallbackProvider: string) {}
  add(r: CostRow): void {
    const day = r.usageDate;
    if (this.min === undefined || day < this.min) this.min = day;
    if (this.max === undefined || day > this.max) this.max = day;
    const p = r.provider ?? this.fallbackProvider;
    if (p !== this.last) this.seen.add((this.last = p));
  }
  addBatch(batch: readonly CostRow[]): void {
    for (const r of batch) this.add(r);
  }
  window(): DayWindow | null {
    return this.min && this.max ? { from: this.min, to: addDays(this.max, 1) } : null;
  }
  providers(): string[] {
    return [...this.seen].sort();
  }
}

/**
 * Whether to drop cloud_costs' secondary indexes and build them again after the load:
 * when the load is large and brings at least as many rows as the table holds (building
 * an index sorts once; maintaining it costs a B-tree descent per row and index).
 * Counting stops at the estimate, so a big table costs no more than the load would.
 */
async function shouldRebuild(count: (sql: string) => Promise<unknown>, options: WriteOptions): Promise<boolean> {
  const est = options.estimatedRows;
  if (!est || est < REBUILD_MIN_ROWS) return false;
  return (
    Number(await count(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM cloud_costs LIMIT ${Math.floor(est) + 1}) t`)) <= est
  );
}

/**
 * On the store's own connection: rows go into an index-free temporary table, then into
 * cloud_costs in one INSERT … SELECT ordered by charge_period_start (the indexes are
 * then filled almost in key order instead of at random pages), or, for a load larger
 * than the table, straight into cloud_costs with its indexes rebuilt before commit.
 */
async function writeSqlite(
  store: SqliteStore,
  target: WriteTarget,
  batches: Batches,
  onRows: ((n: number) => void) | undefined,
  options: WriteOptions,
) {
  return store.transaction(async (tx) => {
    const rebuildIndexes = await shouldRebuild(async (sql) => (await tx.get<{ n: unknown }>(sql))?.n, options);
    const bulk = new SqliteBulk(store.db, {
      provider: target.provider,
      source: target.source,
      runId: target.runId,
      rebuildIndexes,
    });
    const rollup = new DailyRollup(target.source, target.provider);
    try {
      const span = new Span(target.provider);
      for await (const batch of batches) {
        if (target.window) checkInWindow(batch, target.window);
        for (let k = 0; k < batch.length; k += FLAT_ROWS) {
          const end = Math.min(k + FLAT_ROWS, batch.length);
          bulk.insertFlat(flattenBatch(batch, k, end), end - k, providersOf(batch, k, end));
        }
        span.addBatch(batch);
        rollup.addBatch(batch);
        onRows?.(bulk.rows);
      }
      const window = target.window ?? span.window();
      bulk.finish(window);
      if (window) replaceRollupSqlite(store.db, window, rollup, target.source);
      return { rows: bulk.rows, window, providers: span.providers() };
    } finally {
      bulk.cleanup();
    }
  });
}

/** Rows per COPY data chunk (~60 kB of text; at most FLAT_ROWS). */
const COPY_CHUNK_ROWS = FLAT_ROWS;

/** COPY text format: backslash escapes for the four characters that would break a field or a line. */
const COPY_SPECIAL = /[\\\t\n\r]/;
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return COPY_SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : v;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Index definitions of cloud_costs that no constraint owns, to drop and build again. */
async function pgSecondaryIndexes(client: PoolClient): Promise<Array<{ name: string; def: string }>> {
  const r = await client.query<{ name: string; def: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname) AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE x.indrelid = 'cloud_costs'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
      ORDER BY i.relname`,
  );
  return r.rows;
}

/**
 * COPY into a temporary table (no WAL, no index), then one INSERT … SELECT ordered by
 * charge_period_start into cloud_costs, for the same reason as SQLite: indexes filled in
 * key order. The staging table is dropped at commit or rollback. A load larger than the
 * table goes straight into cloud_costs with its indexes dropped and rebuilt before
 * commit instead (two to three times faster); DROP INDEX locks the table against readers
 * until commit, so it is only tried for 5 s, and the staged path is taken when another
 * session holds the table.
 */
async function writePostgres(
  store: PostgresStore,
  target: WriteTarget,
  batches: Batches,
  onRows: ((n: number) => void) | undefined,
  options: WriteOptions,
) {
  let client;
  try {
    client = await store.pool.connect();
  } catch (err) {
    throw mapPgError(err, store.location);
  }
  try {
    await client.query('BEGIN');
    let indexes: Array<{ name: string; def: string }> = [];
    if (await shouldRebuild(async (sql) => (await client.query<{ n: string }>(sql)).rows[0]?.n, options)) {
      await client.query("SAVEPOINT oco_rebuild; SET LOCAL lock_timeout = '5s'");
      try {
        indexes = await pgSecondaryIndexes(client);
        for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);
        await client.query('SET LOCAL lock_timeout TO DEFAULT; RELEASE SAVEPOINT oco_rebuild');
      } catch (err) {
        if ((err as { code?: string }).code !== '55P03') throw err;
        // lock_not_available: readers are on the table; keep the indexes and stage instead.
        await client.query(
          'ROLLBACK TO SAVEPOINT oco_rebuild; SET LOCAL lock_timeout TO DEFAULT; RELEASE SAVEPOINT oco_rebuild',
        );
        indexes = [];
      }
    }
    const rebuild = indexes.length > 0;
    const into = rebuild ? 'cloud_costs' : 'oco_cost_stage';
    if (!rebuild)
      await client.query(
        `CREATE TEMP TABLE oco_cost_stage ON COMMIT DROP AS SELECT ${COLUMN_LIST} FROM cloud_costs WITH NO DATA`,
      );
    const span = new Span(target.provider);
    let rows = 0;
    // The run columns (provider, source, run) that start each COPY line, per provider.
    const tail = `\t${copyField(target.source)}\t${copyField(target.runId)}`;
    const heads = new Map<string, string>();
    let lastProvider: string | undefined;
    let lastHead = '';
    const headOf = (r: CostRow): string => {
      const p = r.provider ?? target.provider;
      if (p === lastProvider) return lastHead;
      let h = heads.get(p);
      if (h === undefined) heads.set(p, (h = `${copyField(p)}${tail}`));
      lastProvider = p;
      return (lastHead = h);
    };
    async function* lines(): AsyncGenerator<string> {
      for await (const batch of batches) {
        if (target.window) checkInWindow(batch, target.window);
        span.addBatch(batch);
        rows += batch.length;
        onRows?.(rows);
        // COPY_CHUNK_ROWS rows at a time, each joined once (the end of a row carries the newline and
        // the next row's run columns): small strings and arrays are young-generation garbage, where
        // one per batch would sit in large-object space (and in RSS) until a full GC.
        for (let k = 0; k < batch.length; k += COPY_CHUNK_ROWS) {
          const end = Math.min(k + COPY_CHUNK_ROWS, batch.length);
          const parts = flattenBatch(batch, k, end);
          const width = parts.length / (end - k);
          for (let i = 0; i < parts.length; i++) parts[i] = copyField(parts[i]!);
          for (let last = width - 1, r = k + 1; last < parts.length; last += width, r++)
            parts[last] += r < end ? `\n${headOf(batch[r]!)}` : '\n';
          yield `${headOf(batch[k]!)}\t${parts.join('\t')}`;
        }
      }
    }
    await pipeline(
      Readable.from(lines(), { highWaterMark: 8 }),
      client.query(copyFrom(`COPY ${into} (${COLUMN_LIST}) FROM STDIN`)),
    );
    const window = target.window ?? span.window();
    if (rebuild) {
      if (window) {
        await client.query(
          'DELETE FROM cloud_costs WHERE source = $1 AND charge_period_start >= $2 AND charge_period_start < ' +
            '$3 AND ingest_run_id IS DISTINCT FROM $4',
          [target.source, dayStart(window.from), dayStart(window.to), target.runId],
        );
      }
      await client.query("SET LOCAL maintenance_work_mem = '256MB'");
      for (const i of indexes) await client.query(i.def);
    } else {
      if (window) {
        await client.query(
          'DELETE FROM cloud_costs WHERE source = $1 AND charge_period_start >= $2 AND charge_period_start < $3',
          [target.source, dayStart(window.from), dayStart(window.to)],
        );
      }
      await client.query(
        `INSERT INTO cloud_costs (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM oco_cost_stage ORDER BY ` +
          `charge_period_start`,
      );
    }
    // The new rows are the source's only rows in the window now: sum them where they are.
    if (window) await replaceRollupPostgres(client, window, target.source, rebuild ? 'cloud_costs' : 'oco_cost_stage');
    await client.query('COMMIT');
    return { rows, window, providers: span.providers() };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    // A source error (bad row, API failure) stays what it is; only driver errors become database errors.
    if (err && typeof err === 'object' && 'severity' in err) throw mapPgError(err, store.location);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A row outside the window being replaced would survive the next re-run of that window
 * and be counted twice: refuse it (the run rolls back) rather than break idempotency.
 */
function checkInWindow(batch: CostRow[], w: DayWindow): void {
  for (const r of batch) {
    if (r.usageDate < w.from || r.usageDate >= w.to) {
      throw new OperationError(
        'OCO_INGEST_OUT_OF_WINDOW',
        `the source returned a row for ${r.usageDate}, outside the requested ${w.from}..${addDays(w.to, -1)}; ` +
          `nothing was written`,
        {
          hint: 'This is a provider or oco bug: report it with the command you ran.',
        },
      );
    }
  }
}

/**
 * Other sources of the written providers over the same days. Sources are few and the table
 * may be large: list them with a loose index scan of (source, charge_period_start), then
 * count each one's rows in the window through the same index, instead of scanning every
 * row of the providers.
 */
async function findOverlaps(
  store: Store,
  ownSource: string,
  providers: readonly string[],
  window: DayWindow,
): Promise<Overlap[]> {
  if (!providers.length) return [];
  const sources = await store.all<{ source: string }>(
    `WITH RECURSIVE s(source) AS (
       SELECT MIN(source) FROM cloud_costs
       UNION ALL
       SELECT (SELECT MIN(c.source) FROM cloud_costs c WHERE c.source > s.source) FROM s WHERE s.source IS NOT NULL
     ) SELECT source FROM s WHERE source IS NOT NULL`,
  );
  const inList = providers.map((_, i) => `$${i + 4}`).join(', ');
  const out: Overlap[] = [];
  for (const { source } of sources) {
    if (source === ownSource) continue;
    const found = await store.all<{ provider: string; n: unknown; first: string | null; last: string | null }>(
      `SELECT provider, COUNT(*) AS n, MIN(usage_date) AS first, MAX(usage_date) AS last FROM cloud_costs
       WHERE source = $1 AND charge_period_start >= $2 AND charge_period_start < $3 AND provider IN (${inList})
       GROUP BY provider ORDER BY provider`,
      [source, dayStart(window.from), dayStart(window.to), ...providers],
    );
    for (const r of found)
      out.push({ source, provider: r.provider, rows: Number(r.n), first: String(r.first), last: String(r.last) });
  }
  // In the database's own order of sources (the scan's), as the GROUP BY source ORDER BY source it replaces.
  return out;
}
