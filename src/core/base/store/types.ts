import type { Money } from '../money.js';

export type EngineName = 'sqlite' | 'postgres';

/** What may be bound to a placeholder; the engine converts Dates, booleans, Money and objects. */
export type SqlParam = string | number | bigint | boolean | null | undefined | Date | Buffer | Money | Record<string, unknown> | unknown[];

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
  ping(): Promise<void>;
  close(): Promise<void>;
}
