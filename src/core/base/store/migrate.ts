import { createHash } from 'node:crypto';
import { ConfigError, OperationError, OcoError } from '../errors.js';
import { version } from '../version.js';
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
  applied_at TEXT NOT NULL,
  oco_version TEXT
)`;

/**
 * The oco version that applied each migration: a column added by the runner itself (not a numbered
 * migration), so a database migrated by an older oco gains it on its next migration. Rows applied
 * before it have none.
 */
const ADD_VERSION_COLUMN: Record<'sqlite' | 'postgres', (q: Queryable) => Promise<void>> = {
  postgres: (q) => q.exec('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS oco_version TEXT'),
  sqlite: async (q) => {
    const has = await q.get("SELECT 1 AS yes FROM pragma_table_info('schema_migrations') WHERE name = 'oco_version'");
    if (!has) await q.exec('ALTER TABLE schema_migrations ADD COLUMN oco_version TEXT');
  },
};

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

/**
 * A database that a newer oco migrated (an applied migration this build does not know) is refused
 * before anything is written: an older binary would write rows the newer schema does not expect.
 * The error names the version that applied the unknown migrations (when it recorded one) and this one.
 */
async function refuseNewerSchema(
  q: Queryable,
  location: string,
  applied: readonly AppliedMigration[],
  migrations: readonly Migration[],
): Promise<void> {
  const known = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((a) => !known.has(a.version)).map((a) => a.version);
  if (unknown.length === 0) return;
  let writers: string[] = [];
  try {
    const rows = await q.all<{ oco_version: string | null }>(
      `SELECT oco_version FROM schema_migrations WHERE version IN (${unknown.map((_, i) => `$${i + 1}`).join(', ')})`,
      unknown,
    );
    writers = [...new Set(rows.map((r) => r.oco_version).filter((v): v is string => Boolean(v)))];
  } catch {
    // A schema_migrations table without the column: the writer's version was not recorded.
  }
  const by = writers.length > 0 ? `oco ${writers.join(', ')}` : 'a newer oco';
  const latest = migrations.at(-1)?.version ?? 0;
  throw new ConfigError(
    `the database at ${location} was migrated by ${by} (schema version ${Math.max(...unknown)}, ` +
      `migrations ${unknown.join(', ')} unknown here); this oco ${version()} knows schema versions up to ${latest}`,
    {
      code: 'OCO_DB_NEWER_SCHEMA',
      hint:
        `Upgrade oco${writers.length > 0 ? ` to ${writers.at(-1)} or later` : ''} ("oco version" prints this one), ` +
        'or point it at another database. This one was not modified.',
      details: { databaseOcoVersion: writers.at(-1) ?? null, ocoVersion: version(), unknownMigrations: unknown },
    },
  );
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
  await refuseNewerSchema(store, store.location, before, migrations);
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
  await q.run(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at, oco_version) VALUES ($1, $2, $3, $4, $5)',
    [row.version, row.name, row.checksum, row.appliedAt, version()],
  );
  return row;
}

async function migratePostgres(store: PostgresStore, migrations: readonly Migration[]): Promise<AppliedMigration[]> {
  return store.withClient(async (q) => {
    await q.run(`SELECT pg_advisory_lock(${PG_LOCK_KEY})`);
    try {
      // Read before anything is created: a newer oco's database is refused untouched.
      const already = await readApplied(q);
      await refuseNewerSchema(q, store.location, already, migrations);
      await q.exec(CREATE_TABLE);
      await ADD_VERSION_COLUMN.postgres(q);
      const done = new Set(already.map((a) => a.version));
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
      const already = await readApplied(tx);
      await refuseNewerSchema(tx, store.location, already, migrations);
      await tx.exec(CREATE_TABLE);
      await ADD_VERSION_COLUMN.sqlite(tx);
      const done = new Set(already.map((a) => a.version));
      if (done.has(m.version)) return undefined;
      return applyOne(tx, m, 'sqlite');
    }, 'EXCLUSIVE');
    if (did) applied.push(did);
  }
  return applied;
}
