/**
 * Upgrades: a database an older oco left migrates forward on first use, each new migration
 * recording the oco version that applied it; a database a newer oco migrated is refused by this
 * one with both versions named, and left exactly as it was. Both engines, through the CLI.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/core/base/store/postgres.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import type { Store } from '../../src/core/base/store/types.js';
import { version } from '../../src/core/base/version.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';

interface Target {
  /** The CLI's environment for this database. */
  env: Record<string, string>;
  open(): Store;
  /** Everything a write could change, as one digest: the file's bytes, or the catalog and the migration rows. */
  fingerprint(): Promise<string>;
  cleanup(): Promise<void>;
}

const ENGINES: Array<{ name: string; available: () => boolean; make: () => Promise<Target> }> = [
  {
    name: 'sqlite',
    available: () => true,
    async make() {
      const home: TempHome = tempHome();
      const file = join(home.path, 'data', 'oco.db');
      return {
        env: { OCO_HOME: home.path },
        open: () => new SqliteStore({ file }),
        async fingerprint() {
          // The WAL is empty or gone once every connection closed: the main file holds everything.
          const wal = `${file}-wal`;
          expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
          return createHash('sha256').update(readFileSync(file)).digest('hex');
        },
        async cleanup() {
          home.cleanup();
        },
      };
    },
  },
  {
    name: 'postgres',
    available: pgAvailable,
    async make() {
      const db: TestDatabase = await createTestDatabase();
      const open = () => new PostgresStore({ connectionString: db.url, display: db.name });
      return {
        env: { DATABASE_URL: db.url },
        open,
        async fingerprint() {
          const store = open();
          try {
            const columns = await store.all(
              `SELECT table_name, column_name, data_type FROM information_schema.columns
               WHERE table_schema = 'public' ORDER BY table_name, column_name`,
            );
            const rows = await store.all('SELECT * FROM schema_migrations ORDER BY version');
            return createHash('sha256')
              .update(JSON.stringify([columns, rows]))
              .digest('hex');
          } finally {
            await store.close();
          }
        },
        cleanup: () => db.drop(),
      };
    },
  },
];

describe.each(ENGINES)('upgrades on $name', ({ available, make }) => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.cleanup();
    target = undefined;
  });

  it.skipIf(!available())('migrates a database an older oco left forward on first use', async () => {
    target = await make();
    const OLD = 5;
    // What an older oco wrote: its first migrations, and a migration table without the version column.
    const old = target.open();
    await migrate(old, MIGRATIONS.slice(0, OLD));
    await old.exec('ALTER TABLE schema_migrations DROP COLUMN oco_version');
    await old.close();

    const r = await runOco(['keys', 'list', '--json'], { env: target.env });
    expect(r.code, r.stderr).toBe(0);

    const store = target.open();
    try {
      const rows = await store.all<{ version: number; oco_version: string | null }>(
        'SELECT version, oco_version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((x) => Number(x.version))).toEqual(MIGRATIONS.map((m) => m.version));
      // Rows the older oco applied carry no version; every later one carries this oco's.
      expect(rows.filter((x) => x.oco_version === null).map((x) => Number(x.version))).toEqual(
        MIGRATIONS.slice(0, OLD).map((m) => m.version),
      );
      expect(new Set(rows.slice(OLD).map((x) => x.oco_version))).toEqual(new Set([version()]));
    } finally {
      await store.close();
    }
  });

  it.skipIf(!available())('refuses a database a newer oco migrated and leaves it unmodified', async () => {
    target = await make();
    const first = await runOco(['db', 'migrate', '--json'], { env: target.env });
    expect(first.code, first.stderr).toBe(0);
    const future = MIGRATIONS.at(-1)!.version + 7;
    const store = target.open();
    await store.run(
      'INSERT INTO schema_migrations (version, name, checksum, applied_at, oco_version) VALUES ($1, $2, $3, $4, $5)',
      [future, 'from_the_future', 'f00d', new Date().toISOString(), '97.3.1'],
    );
    await store.close();
    const before = await target.fingerprint();

    for (const args of [
      ['keys', 'list'],
      ['db', 'migrate'],
      ['spend', 'summary'],
    ]) {
      const json = await runOco([...args, '--json'], { env: target.env });
      expect(json.code, `${args.join(' ')}: ${json.stderr}`).toBe(2);
      const err = json.json<{ error: { code: string; message: string; hint: string; details: object } }>().error;
      expect(err.code).toBe('OCO_DB_NEWER_SCHEMA');
      expect(err.message).toContain('migrated by oco 97.3.1');
      expect(err.message).toContain(`schema version ${future}`);
      expect(err.message).toContain(`this oco ${version()} knows schema versions up to ${MIGRATIONS.at(-1)!.version}`);
      expect(err.hint).toContain('Upgrade oco to 97.3.1 or later');
      expect(err.details).toEqual({ databaseOcoVersion: '97.3.1', ocoVersion: version(), unknownMigrations: [future] });
    }
    const text = await runOco(['keys', 'list'], { env: target.env });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^Error: the database at .* was migrated by oco 97\.3\.1/);
    expect(text.stderr).toContain('This one was not modified.');

    expect(await target.fingerprint()).toBe(before);
  });
});
