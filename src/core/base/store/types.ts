import type { Money } from '../money.js';
import type { PostgresStore } from './postgres.js';
import type { SqliteStore } from './sqlite.js';

export type EngineName = 'sqlite' | 'postgres';

/** What may be bound to a placeholder; the engine converts Dates, booleans, Money and objects. */
export type SqlParam =
  string | number | bigint | boolean | null | undefined | Date | Buffer | Money | Record<string, unknown> | unknown[];

export type Row = Record<string, unknown>;

/**
 * SQL fragments that differ between engines. Money is NUMERIC in PostgreSQL and
 * decimal TEXT in SQLite, summed by an exact aggregate registered on the connection.
 */
export interface Dialect {
  readonly name: EngineName;
  /** Exact sum of a money column; NULL over no rows. */
  sumMoney(expr: string): string;
  /** Exact a + b of two money expressions (for upserted rollups). */
  addMoney(a: string, b: string): string;
  /** Numeric ordering key for a money expression (ordering only, never arithmetic). */
  orderMoney(expr: string): string;
  /** `a >= b`, exactly, of two money expressions (a filter such as `spend requests --min-cost`); NULL a: false. */
  moneyAtLeast(a: string, b: string): string;
  /** The UTC day of a timestamp expression (ISO TEXT in SQLite, TIMESTAMPTZ in PostgreSQL), as 'YYYY-MM-DD' text. */
  utcDay(ts: string): string;
  /** A timestamp expression as integer milliseconds since the epoch. */
  epochMs(ts: string): string;
  /** A DATE expression ('YYYY-MM-DD' TEXT in SQLite, DATE in PostgreSQL) as 'YYYY-MM-DD' text. */
  dateText(date: string): string;
  /** The month of a DATE expression, as 'YYYY-MM' text. */
  monthText(date: string): string;
  /** 1-based position of needle in haystack, 0 when absent (both SQL expressions). */
  position(needle: string, haystack: string): string;
  /**
   * The text value of one top-level key of a JSON object expression; the key is bound as a
   * parameter (pushed onto params), never spliced into the SQL.
   */
  jsonField(json: string, key: string, params: SqlParam[]): string;
  /**
   * The keys of a JSON object expression as a table for a FROM list (joined laterally to the
   * tables before it): `from` goes after a comma, `key` names the key column. NULL gives no rows.
   */
  jsonKeys(json: string, alias: string): { from: string; key: string };
}

/**
 * Paths whose whole algorithm differs by engine (bulk COPY against prepared-statement
 * batches, a cursor against COPY TO): the caller gives one implementation per engine and the
 * store runs its own, on its native handle. Callers never ask which engine they have, and a
 * new engine fails to compile until every such path has an implementation for it.
 */
export interface EngineImplementations<T> {
  sqlite(store: SqliteStore): T;
  postgres(store: PostgresStore): T;
}

/**
 * One store interface for every domain, with a single test suite run against
 * each engine. SQL is written once with $1..$n placeholders.
 * Rows come back with money and NUMERIC as strings, timestamps as ISO-8601 strings,
 * JSON as its text, booleans as 0/1 or true/false (use Boolean()), integer aggregates
 * possibly as strings (use Number()).
 */
export interface Queryable {
  readonly engine: EngineName;
  readonly dialect: Dialect;
  all<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
  /** Several statements, no parameters (DDL). */
  exec(script: string): Promise<void>;
}

export interface Store extends Queryable {
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Where the data lives, safe to print (no password). */
  readonly location: string;
  /**
   * The database file when the engine is embedded and on disk (another thread may open it to
   * write off the caller's thread); undefined for a server or an in-memory database.
   */
  readonly embeddedFile: string | undefined;
  /** Runs this engine's implementation (see EngineImplementations). */
  native<T>(impl: EngineImplementations<T>): T;
  ping(): Promise<void>;
  close(): Promise<void>;
}
