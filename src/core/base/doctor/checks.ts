import { accessSync, constants } from 'node:fs';
import { ensurePrivateDir } from '../config/private-files.js';
import { OcoConfig } from '../config/resolve.js';
import { isOcoError } from '../errors.js';
import { RedisConnection, redisTarget } from '../redis/connection.js';
import { migrationStatus } from '../store/migrate.js';
import { connectStore, storeTarget } from '../store/open.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
  /** A failed dependency (database, Redis) makes doctor exit 3 rather than 1. */
  dependency?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

const MIN_NODE_MAJOR = 22;

type Check = (config: OcoConfig) => Promise<CheckResult>;

const nodeCheck: Check = async () => {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { name: 'node', status: 'ok', detail: `Node.js ${process.versions.node}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js ${process.versions.node} is older than ${MIN_NODE_MAJOR}`,
        fix: 'Install Node.js 24 LTS, or run through scripts/oco-env which fetches it.',
      };
};

const dataDirCheck: Check = async (config) => {
  const dirs = [config.paths.dataDir, config.paths.stateDir];
  try {
    for (const d of dirs) {
      ensurePrivateDir(d);
      accessSync(d, constants.W_OK);
    }
    return { name: 'data directory', status: 'ok', detail: `${config.paths.dataDir} (${config.paths.base})` };
  } catch (err) {
    return {
      name: 'data directory',
      status: 'fail',
      detail: `${(err as Error).message}`,
      fix: 'Make the directory writable or point OCO_HOME at a writable directory.',
    };
  }
};

const databaseCheck: Check = async (config) => {
  const target = storeTarget(config);
  const store = connectStore(target);
  try {
    await store.ping();
    const status = await migrationStatus(store);
    if (status.pending.length > 0) {
      return {
        name: 'database',
        status: 'warn',
        detail:
          `${target.engine} at ${target.display}: version ${status.current}, ${status.pending.length} ` +
          `migration(s) pending`,
        fix: 'Run "oco db migrate" (commands also migrate on first use).',
      };
    }
    return {
      name: 'database',
      status: 'ok',
      detail: `${target.engine} at ${target.display}: version ${status.current}`,
    };
  } catch (err) {
    return {
      name: 'database',
      status: 'fail',
      detail: isOcoError(err) ? err.message : `${target.engine} at ${target.display}: ${(err as Error).message}`,
      fix: isOcoError(err) && err.hint ? err.hint : 'Check the database settings with "oco config list".',
      dependency: true,
    };
  } finally {
    await store.close().catch(() => {});
  }
};

const redisCheck: Check = async (config) => {
  const target = redisTarget(config);
  if (!target)
    return {
      name: 'redis',
      status: 'skip',
      detail: 'not configured (optional: set REDIS_URL to share budgets between daemons)',
    };
  const conn = new RedisConnection(target);
  try {
    const health = await conn.health();
    return health.ok
      ? { name: 'redis', status: 'ok', detail: `${target.display} (${health.latencyMs} ms)` }
      : {
          name: 'redis',
          status: 'fail',
          detail: `${target.display}: ${health.error}`,
          fix: 'Start Redis (redis-server) or fix REDIS_URL / REDIS_HOST.',
          dependency: true,
        };
  } finally {
    await conn.close();
  }
};

/** The checks, in the order they print. */
export const CHECKS: readonly Check[] = [nodeCheck, dataDirCheck, databaseCheck, redisCheck];

export async function runDoctor(config: OcoConfig): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  for (const check of CHECKS) checks.push(await check(config));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
