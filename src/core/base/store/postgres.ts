import type pg from 'pg';
import { lazyRequire } from '../lazy.js';
import { UnreachableError, OperationError } from '../errors.js';
import { toDriverValue } from './params.js';
import type { Dialect, EngineImplementations, Queryable, Row, SqlParam, Store } from './types.js';

export const postgresDialect: Dialect = {
  name: 'postgres',
  sumMoney: (expr) => `SUM(${expr})`,
  addMoney: (a, b) => `(${a} + ${b})`,
  moneyAtLeast: (a, b) => `${a} >= CAST(${b} AS NUMERIC)`,
  orderMoney: (expr) => expr,
  utcDay: (ts) => `to_char(${ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  epochMs: (ts) => `floor(extract(epoch from ${ts}) * 1000)::bigint`,
  dateText: (date) => `to_char(${date}, 'YYYY-MM-DD')`,
  monthText: (date) => `to_char(${date}, 'YYYY-MM')`,
  position: (needle, haystack) => `strpos(${haystack}, ${needle})`,
  jsonField: (json, key, params) => {
    params.push(key);
    return `(${json}->>$${params.length})`;
  },
  jsonKeys: (json, alias) => ({ from: `jsonb_object_keys(${json}) AS ${alias}(key)`, key: `${alias}.key` }),
};

const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  json: 114,
  jsonb: 3802,
} as const;

const pgModule = lazyRequire<typeof pg>('pg');

/**
 * Rows look the same as SQLite's: NUMERIC stays a decimal string (never a float),
 * timestamps become ISO-8601 strings, DATE stays 'YYYY-MM-DD' (no local-time shift),
 * JSON stays text, and int8 (COUNT) becomes a number.
 */
const typeParsers = (types: typeof pg.types): pg.CustomTypesConfig => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    switch (oid) {
      case OID.int8:
        return (v: string) => Number(v);
      case OID.numeric:
      case OID.date:
      case OID.json:
      case OID.jsonb:
        return (v: string) => v;
      case OID.timestamptz:
      case OID.timestamp: {
        const parse = types.getTypeParser(oid as typeof types.builtins.TIMESTAMPTZ);
        return (v: string) => (parse(v) as Date).toISOString();
      }
      default:
        return types.getTypeParser(oid, format ?? 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
});

export interface PostgresOptions {
  connectionString: string;
  /** Printable location (password masked). */
  display: string;
  ssl?: pg.PoolConfig['ssl'];
  max?: number;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  '57P03',
  '3D000',
  '28P01',
  '28000',
]);

/** Maps a driver error to a typed error; connection-level failures exit 3. */
export function mapPgError(err: unknown, display: string): Error {
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = e?.code ?? e?.errors?.[0]?.code;
  if ((code && UNREACHABLE_CODES.has(code)) || /timeout expired|Connection terminated/i.test(e?.message ?? '')) {
    const reason =
      code === '3D000'
        ? 'database does not exist'
        : code === '28P01' || code === '28000'
          ? 'authentication failed'
          : e?.message || code;
    return new UnreachableError('OCO_DB_UNREACHABLE', `cannot reach PostgreSQL at ${display}: ${reason}`, {
      hint:
        'Check DATABASE_URL or POSTGRES_HOST/PORT/DB/USER/PASSWORD ("oco config list"), and that the server runs ' +
        '(pg_isready).',
      cause: err,
    });
  }
  // Driver messages can quote bound values (a malformed literal, say): cut them short.
  const message = (e?.message ?? String(err)).slice(0, 300);
  return new OperationError('OCO_DB_ERROR', `PostgreSQL error${code ? ` ${code}` : ''}: ${message}`, {
    cause: err,
    details: code ? { sqlstate: code } : undefined,
  });
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly dialect = postgresDialect;
  readonly location: string;
  readonly embeddedFile = undefined;
  readonly pool: pg.Pool;

  constructor(options: PostgresOptions) {
    this.location = options.display;
    const { Pool, types } = pgModule();
    this.pool = new Pool({
      connectionString: options.connectionString,
      ssl: options.ssl,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10_000,
      types: typeParsers(types),
    });
    // An idle client dying (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  all<T extends Row = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.query<T>(this.pool, sql, params).then((r) => r.rows);
  }

  get<T extends Row = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.query<T>(this.pool, sql, params).then((r) => r.rows[0]);
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<{ changes: number }> {
    return this.query(this.pool, sql, params).then((r) => ({ changes: r.rowCount ?? 0 }));
  }

  async exec(script: string): Promise<void> {
    await this.query(this.pool, script, []);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(this.view(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }

  /** A dedicated connection, for session-level work such as advisory locks. */
  async withClient<T>(fn: (q: Queryable, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await fn(this.view(client), client);
    } finally {
      client.release();
    }
  }

  native<T>(impl: EngineImplementations<T>): T {
    return impl.postgres(this);
  }

  async ping(): Promise<void> {
    await this.query(this.pool, 'SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw mapPgError(err, this.location);
    }
  }

  private view(client: pg.PoolClient): Queryable {
    return {
      engine: this.engine,
      dialect: this.dialect,
      all: (sql, params = []) => this.query(client, sql, params).then((r) => r.rows as never),
      get: (sql, params = []) => this.query(client, sql, params).then((r) => r.rows[0] as never),
      run: (sql, params = []) => this.query(client, sql, params).then((r) => ({ changes: r.rowCount ?? 0 })),
      exec: (script) => this.query(client, script, []).then(() => undefined),
    };
  }

  private async query<T extends Row>(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params: readonly SqlParam[],
  ): Promise<pg.QueryResult<T>> {
    try {
      const values = params.map((p) => toDriverValue(p, 'postgres'));
      return values.length === 0 ? await on.query<T>(sql) : await on.query<T>(sql, values);
    } catch (err) {
      throw mapPgError(err, this.location);
    }
  }
}
