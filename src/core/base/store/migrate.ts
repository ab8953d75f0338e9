import { createHash } from 'node:crypto';
import { OperationError, OcoError } from '../errors.js';
import { renderDdl } from './migrations/ddl.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Queryable, Store } from './types.js';

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
  checksum: string;
}

export interface MigrationStatus {
  engine: string;
  location: string;
  current: number;
  latest: number;
  applied: AppliedMigration[];
  pending: Array<{ version: number; name: string }>;
  /** Applied migrations whose text has since changed: the history was edited, which it must never be. */
  modified: number[];
}

/** Any 64-bit constant works; it only has to be the same for every oco process. */
const PG_LOCK_KEY = '7306812210447001';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

function render(m: Migration, engine: 'sqlite' | 'postgres'): string {
  const body = renderDdl(m.up, engine);
  const after = engine === 'postgres' ? m.postgresAfter : m.sqliteAfter;
  return after ? `${body}\n${after}` : body;
}

function checksum(m: Migration, engine: 'sqlite' | 'postgres'): string {
  return createHash('sha256').update(render(m, engine)).digest('hex').slice(0, 16);
}

async function readApplied(q: Queryable): Promise<AppliedMigration[]> {
  try {
    const rows = await q.all<{ version: number; name: string; checksum: string; applied_at: string }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    return rows.map((r) => ({
      version: Number(r.version),
      name: r.name,
      checksum: r.checksum,
      appliedAt: r.applied_at,
    }));
  } catch (err) {
    // A database no migration has touched yet: PostgreSQL undefined_table, or SQLite's "no such table".
    const e = err as { code?: string; details?: { sqlstate?: string }; message?: string };
    if (e.details?.sqlstate === '42P01' || (!(err instanceof OcoError) && /no such table/i.test(e.message ?? '')))
      return [];
    throw err;
  }
}

export async function migrationStatus(
  store: Store,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationStatus> {
  const applied = await readApplied(store);
  const done = new Map(applied.map((a) => [a.version, a]));
  const latest = migrations.at(-1)?.version ?? 0;
  return {
    engine: store.engine,
    location: store.location,
    current: applied.at(-1)?.version ?? 0,
    latest,
    applied,
    pending: migrations.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
    modified: migrations
      .filter((m) => done.has(m.version) && done.get(m.version)!.checksum !== checksum(m, store.engine))
      .map((m) => m.version),
  };
}

/**
 * Applies pending migrations, each in its own transaction, so a failure rolls
 * back that migration and leaves the previous version. Safe when several
 * processes start at once: PostgreSQL serialises on an advisory lock, SQLite on
 * an exclusive transaction; each re-reads the applied versions once it holds the lock.
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<AppliedMigration[]> {
  const latest = migrations.at(-1)?.version ?? 0;
  const before = await readApplied(store);
  if ((before.at(-1)?.version ?? 0) >= latest && before.length >= migrations.length) return [];

  if (store instanceof PostgresStore) return migratePostgres(store, migrations);
  if (store instanceof SqliteStore) return migrateSqlite(store, migrations);
  throw new Error(`no migration strategy for engine ${store.engine}`);
}

async function applyOne(q: Queryable, m: Migration, engine: 'sqlite' | 'postgres'): Promise<AppliedMigration> {
  try {
    await q.exec(render(m, engine));
  } catch (err) {
    if (err instanceof OcoError && err.exitCode === 3) throw err;
    throw new OperationError(
      'OCO_MIGRATION_FAILED',
      `migration ${m.version} (${m.name}) failed on ${engine}: ${(err as Error).message}`,
      {
        hint: 'The migration was rolled back; the database stays at the previous version. Run "oco db status".',
        cause: err,
      },
    );
  }
  const row: AppliedMigration = {
    version: m.version,
    name: m.name,
    checksum: checksum(m, engine),
    appliedAt: new Date().toISOString(),
  };
  await q.run('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
    row.version,
    row.name,
    row.checksum,
    row.appliedAt,
  ]);
  return row;
}

async function migratePostgres(store: PostgresStore, migrations: readonly Migration[]): Promise<AppliedMigration[]> {
  return store.withClient(async (q) => {
    await q.run(`SELECT pg_advisory_lock(${PG_LOCK_KEY})`);
    try {
      await q.exec(CREATE_TABLE);
      const done = new Set((await readApplied(q)).map((a) => a.version));
      const applied: AppliedMigration[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await q.exec('BEGIN');
        try {
          applied.push(await applyOne(q, m, 'postgres'));
          await q.exec('COMMIT');
        } catch (err) {
          await q.exec('ROLLBACK').catch(() => {});
          throw err;
        }
      }
      return applied;
    } finally {
      await q.run(`SELECT pg_advisory_unlock(${PG_LOCK_KEY})`).catch(() => {});
    }
  });
}

async function migrateSqlite(store: SqliteStore, migrations: readonly Migration[]): Promise<AppliedMigration[]> {
  const applied: AppliedMigration[] = [];
  for (const m of migrations) {
    const did = await store.transaction(async (tx) => {
      await tx.exec(CREATE_TABLE);
      const done = new Set((await readApplied(tx)).map((a) => a.version));
      if (done.has(m.version)) return undefined;
      return applyOne(tx, m, 'sqlite');
    }, 'EXCLUSIVE');
    if (did) applied.push(did);
  }
  return applied;
}
