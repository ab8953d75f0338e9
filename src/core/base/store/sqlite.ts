import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { createPrivateDir, ensurePrivateFile, narrowFileIfPresent } from '../config/private-files.js';
import { ExactSum, Money } from '../money.js';
import { OperationError } from '../errors.js';
import { toDriverValue, toPositional } from './params.js';
import type { Dialect, EngineImplementations, Queryable, Row, SqlParam, Store } from './types.js';

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  sumMoney: (expr) => `decimal_sum(${expr})`,
  addMoney: (a, b) => `decimal_add(${a}, ${b})`,
  orderMoney: (expr) => `CAST(${expr} AS REAL)`,
  // Decimal TEXT compares as text, and a REAL cast rounds: decimal_cmp compares the exact values.
  moneyAtLeast: (a, b) => `decimal_cmp(${a}, ${b}) >= 0`,
  // Timestamps are stored as ISO-8601 UTC text ('…T…Z', from Date.toISOString()).
  utcDay: (ts) => `substr(${ts}, 1, 10)`,
  epochMs: (ts) => `(CAST(strftime('%s', ${ts}) AS INTEGER) * 1000 + CAST(substr(${ts}, 21, 3) AS INTEGER))`,
  dateText: (date) => date,
  monthText: (date) => `substr(${date}, 1, 7)`,
  position: (needle, haystack) => `instr(${haystack}, ${needle})`,
  jsonField: (json, key, params) => {
    // A JSON path with the key quoted, so dots and brackets in a key stay part of its name.
    params.push(`$."${key.replace(/"/g, '""')}"`);
    return `json_extract(${json}, $${params.length})`;
  },
  jsonKeys: (json, alias) => ({ from: `json_each(${json}) AS ${alias}`, key: `${alias}.key` }),
};

export interface SqliteOptions {
  file: string;
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/** Files SQLite keeps beside the database; it creates them with the database file's mode. */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * The database holds spend, attribution and key hashes: a new file is created 0600 before SQLite
 * opens it (SQLite gives its WAL and shared-memory files the same mode), an existing one and its
 * side files are narrowed to 0600. Only a missing directory is created (0700): an existing one may
 * be any directory the file was put in.
 */
function prepareFiles(file: string, readonly: boolean): void {
  if (readonly) {
    for (const f of [file, ...SIDE_FILES.map((s) => file + s)]) narrowFileIfPresent(f);
    return;
  }
  createPrivateDir(dirname(file));
  ensurePrivateFile(file);
  for (const suffix of SIDE_FILES) narrowFileIfPresent(file + suffix);
}

/**
 * Embedded engine. Money is stored as decimal TEXT (SQLite has no exact numeric
 * type: NUMERIC affinity turns "0.1" into a double), and summed by decimal_sum,
 * an aggregate registered here that adds with decimal.js. WAL lets readers run
 * beside the daemon's writer; the busy timeout makes a second writer wait, not fail.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly dialect = sqliteDialect;
  readonly location: string;
  readonly embeddedFile: string | undefined;
  readonly db: Database.Database;
  /**
   * Serialises transactions: better-sqlite3 has one connection, and an async transaction must not interleave with
   * another.
   */
  private lock: Promise<void> = Promise.resolve();
  private inTransaction = false;

  constructor(options: SqliteOptions) {
    this.location = options.file;
    const onDisk = options.file !== ':memory:';
    this.embeddedFile = onDisk ? options.file : undefined;
    try {
      if (onDisk) prepareFiles(options.file, options.readonly ?? false);
      this.db = new Database(options.file, { readonly: options.readonly ?? false });
    } catch (err) {
      throw new OperationError(
        'OCO_DB_OPEN_FAILED',
        `cannot open SQLite database ${options.file}: ${(err as Error).message}`,
        {
          hint: 'Check that the data directory is writable (see "oco config path"), or set OCO_HOME.',
          cause: err,
        },
      );
    }
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      if (onDisk) for (const suffix of SIDE_FILES) narrowFileIfPresent(options.file + suffix);
    }
    this.db.pragma('foreign_keys = ON');
    registerDecimalFunctions(this.db);
  }

  async all<T extends Row = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    await this.waitForTransaction();
    return this.allNow<T>(sql, params);
  }

  async get<T extends Row = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    await this.waitForTransaction();
    return this.getNow<T>(sql, params);
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<{ changes: number }> {
    await this.waitForTransaction();
    return this.runNow(sql, params);
  }

  async exec(script: string): Promise<void> {
    await this.waitForTransaction();
    this.db.exec(script);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, mode: 'IMMEDIATE' | 'EXCLUSIVE' = 'IMMEDIATE'): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => (release = r));
    await previous;
    this.inTransaction = true;
    try {
      this.db.exec(`BEGIN ${mode}`);
      try {
        const result = await fn(this.txView());
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.inTransaction = false;
      release();
    }
  }

  native<T>(impl: EngineImplementations<T>): T {
    return impl.sqlite(this);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.lock;
    if (this.db.open) this.db.close();
  }

  private async waitForTransaction(): Promise<void> {
    if (this.inTransaction) await this.lock;
  }

  private txView(): Queryable {
    return {
      engine: this.engine,
      dialect: this.dialect,
      all: async (sql, params = []) => this.allNow(sql, params),
      get: async (sql, params = []) => this.getNow(sql, params),
      run: async (sql, params = []) => this.runNow(sql, params),
      exec: async (script) => void this.db.exec(script),
    };
  }

  private prepare(sql: string, params: readonly SqlParam[]): { stmt: Database.Statement; args: unknown[] } {
    const { sql: positional, order } = toPositional(sql);
    const args = order.map((i) => toDriverValue(params[i], 'sqlite'));
    return { stmt: this.db.prepare(positional), args };
  }

  private allNow<T>(sql: string, params: readonly SqlParam[]): T[] {
    const { stmt, args } = this.prepare(sql, params);
    return stmt.all(...args) as T[];
  }

  private getNow<T>(sql: string, params: readonly SqlParam[]): T | undefined {
    const { stmt, args } = this.prepare(sql, params);
    return stmt.get(...args) as T | undefined;
  }

  private runNow(sql: string, params: readonly SqlParam[]): { changes: number } {
    const { stmt, args } = this.prepare(sql, params);
    return { changes: stmt.run(...args).changes };
  }
}

function registerDecimalFunctions(db: Database.Database): void {
  db.aggregate('decimal_sum', {
    start: () => null as ExactSum | null,
    step: (total: ExactSum | null, value: unknown) => {
      if (value === null || value === undefined) return total;
      return (total ?? new ExactSum()).add(value as string | number | bigint);
    },
    result: (total: ExactSum | null) => (total === null ? null : total.toFixed()),
  });
  db.function('decimal_cmp', { deterministic: true }, (a: unknown, b: unknown) => {
    if (a === null || b === null || a === undefined || b === undefined) return null;
    return new Money(a as string | number).cmp(new Money(b as string | number));
  });
  db.function('decimal_add', { deterministic: true }, (a: unknown, b: unknown) => {
    if (a === null && b === null) return null;
    return new Money((a ?? 0) as string | number).plus(new Money((b ?? 0) as string | number)).toFixed();
  });
}
