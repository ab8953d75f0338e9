import type { OcoConfig } from '../config/resolve.js';
import { privatizeOcoPaths } from '../config/private-files.js';
import { maskUrl } from '../config/values.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import { migrate } from './migrate.js';
import type { EngineName, Store } from './types.js';

export interface StoreTarget {
  engine: EngineName;
  /** SQLite file, or PostgreSQL connection string (may hold a password: never print it). */
  target: string;
  display: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
}

const SSL_BY_MODE: Record<string, StoreTarget['ssl']> = {
  disable: false,
  prefer: false,
  require: { rejectUnauthorized: false },
  'no-verify': { rejectUnauthorized: false },
  'verify-ca': { rejectUnauthorized: true },
  'verify-full': { rejectUnauthorized: true },
};

/**
 * PostgreSQL when DATABASE_URL or POSTGRES_HOST is set anywhere in the configuration; the embedded SQLite file
 * otherwise.
 */
export function storeTarget(config: OcoConfig): StoreTarget {
  const url = config.string('database.url');
  if (url) return { engine: 'postgres', target: url, display: maskUrl(url) };
  const host = config.string('postgres.host');
  if (host) {
    const u = new URL('postgres://localhost');
    u.hostname = host;
    u.port = String(config.int('postgres.port'));
    u.pathname = `/${encodeURIComponent(config.string('postgres.db') ?? 'oco')}`;
    u.username = config.string('postgres.user') ?? 'postgres';
    const password = config.string('postgres.password');
    if (password) u.password = password;
    return {
      engine: 'postgres',
      target: u.toString(),
      display: maskUrl(u.toString()),
      ssl: SSL_BY_MODE[config.string('postgres.sslmode') ?? 'disable'],
    };
  }
  return { engine: 'sqlite', target: config.paths.sqliteFile, display: config.paths.sqliteFile };
}

export function connectStore(target: StoreTarget): Store {
  return target.engine === 'postgres'
    ? new PostgresStore({ connectionString: target.target, display: target.display, ssl: target.ssl })
    : new SqliteStore({ file: target.target });
}

/**
 * Opens the configured store and applies pending migrations (commands migrate on first use).
 * oco's directories are narrowed to 0700/0600 first (files an older version left readable);
 * the data directory is created for the embedded engine.
 */
export async function openStore(config: OcoConfig, options: { migrate?: boolean } = {}): Promise<Store> {
  const target = storeTarget(config);
  privatizeOcoPaths(config.paths, target.engine === 'sqlite' ? ['dataDir'] : []);
  const store = connectStore(target);
  if (options.migrate !== false) {
    try {
      await migrate(store);
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }
  return store;
}
