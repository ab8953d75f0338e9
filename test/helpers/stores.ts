import { join } from 'node:path';
import { PostgresStore } from '../../src/core/base/store/postgres.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome } from './cli.js';
import { createTestDatabase, pgAvailable } from './services.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Skip reason when the backend is not there (never in CI: the run fails first). */
  available: () => boolean;
  /** A fresh, migrated store, and its cleanup. */
  open(options?: { migrate?: boolean }): Promise<{ store: Store; url: string; cleanup(): Promise<void> }>;
}

/**
 * Every store-backed suite runs once per backend, the undici way: one suite,
 * every engine. Use with describe.each(BACKENDS) and describe.skipIf(!b.available()).
 */
export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    available: () => true,
    async open(options = {}) {
      const home = tempHome();
      const file = join(home.path, 'oco.db');
      const store = new SqliteStore({ file });
      if (options.migrate !== false) await migrate(store);
      return {
        store,
        url: file,
        async cleanup() {
          await store.close();
          home.cleanup();
        },
      };
    },
  },
  {
    name: 'postgres',
    available: pgAvailable,
    async open(options = {}) {
      const db = await createTestDatabase();
      const store = new PostgresStore({ connectionString: db.url, display: db.name });
      if (options.migrate !== false) await migrate(store);
      return {
        store,
        url: db.url,
        async cleanup() {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];
