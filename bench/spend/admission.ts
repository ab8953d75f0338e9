/**
 * Admission latency of spend controls: the time admit() adds to a call on the
 * gateway's request path, in-process and with Redis on loopback.
 *
 *   node --import tsx bench/spend/admission.ts [--iterations 20000] [--redis redis://127.0.0.1:6379/9] [--pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each iteration admits one call of a ~2 KB chat body (hard budgets bound it: its text is
 * tokenized on every call) (rate limits: rpm + tpm + concurrent; budgets:
 * team monthly in Europe/Berlin, agent rolling 24h, org total; plus budgets of
 * other entities that must be skipped) and settles it. Only admit() is timed.
 * Redis db 9 is flushed before and after. Runs: in-process on SQLite, Redis on
 * SQLite, and Redis on PostgreSQL (a scratch database, dropped after) — several
 * daemons sharing Redis share PostgreSQL too, and there the ledger's writes do not
 * run on the event loop as better-sqlite3's do. Numbers are printed with the command.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { money } from '../../src/core/base/money.js';
import type { AdmissionRequest } from '../../src/core/gateway/proxy/admission.js';
import { createSpendAdmission } from '../../src/core/gateway/spend/index.js';
import { parseBudgetInput, parseRateLimitInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, upsertRateLimit } from '../../src/core/gateway/spend/repo.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { PostgresStore } from '../../src/core/base/store/postgres.js';
import type { Store } from '../../src/core/base/store/types.js';
import pg from 'pg';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const iterations = Math.min(Number(arg('iterations', '20000')), 200_000);
const redisUrl = arg('redis', process.env.OCO_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9');
const pgAdminUrl = arg('pg', process.env.OCO_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

async function openStore(engine: 'sqlite' | 'postgres', dir: string): Promise<{ store: Store; drop(): Promise<void> }> {
  if (engine === 'sqlite') return { store: new SqliteStore({ file: join(dir, 'oco.db') }), drop: async () => {} };
  const name = `oco_bench_spend_${process.pid}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(pgAdminUrl);
  u.pathname = `/${name}`;
  return {
    store: new PostgresStore({ connectionString: u.toString(), display: name }),
    async drop() {
      const c = new pg.Client({ connectionString: pgAdminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

const silent = { info() {}, warn() {}, error() {} };

/** A typical agent turn (~2 KB of text, one tool): hard budgets bound it with the tokenizer on every call. */
const BODY = {
  model: 'gpt-4o',
  max_tokens: 1000,
  messages: [
    {
      role: 'system',
      content: 'You are the billing assistant of ACME. Answer with the invoice id and the amount. '.repeat(8),
    },
    {
      role: 'user',
      content:
        'Which invoice of March covers the GPU nodes in eu-west-1, and how much of it is the reserved capacity? '.repeat(
          8,
        ),
    },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'find_invoice',
        description: 'Find an invoice by month and service',
        parameters: { type: 'object', properties: { month: { type: 'string' }, service: { type: 'string' } } },
      },
    },
  ],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(
  backend: 'memory' | 'redis',
  engine: 'sqlite' | 'postgres',
): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(join(tmpdir(), 'oco-bench-spend-'));
  const { store, drop } = await openStore(engine, dir);
  await migrate(store);
  const budgets = [
    { scope: 'team', entity: 'payments', limit: '9000000', period: 'monthly', timezone: 'Europe/Berlin' },
    { scope: 'agent', entity: 'bench-bot', limit: '9000000', period: 'rolling', window: '24h' },
    { scope: 'org', entity: 'acme', limit: '9000000', period: 'total' },
  ];
  for (let i = 0; i < 20; i++)
    budgets.push({ scope: 'team', entity: `other-${i}`, limit: '100', period: 'daily', timezone: 'UTC' });
  for (const b of budgets) await insertBudget(store, parseBudgetInput(b, 'UTC'));
  for (const l of [
    { scope: 'key', entity: 'key_bench', kind: 'rpm', limit: '100000000' },
    { scope: 'team', entity: 'payments', kind: 'tpm', limit: '100000000000' },
    { scope: 'agent', entity: 'bench-bot', kind: 'concurrent', limit: '1000' },
  ])
    await upsertRateLimit(store, parseRateLimitInput(l));

  let admin: Redis | undefined;
  if (backend === 'redis') {
    admin = new Redis(redisUrl);
    await admin.flushdb();
  }
  const config = OcoConfig.load({ env: { OCO_HOME: dir, OCO_LOG_LEVEL: 'silent' } });
  const adm = await createSpendAdmission(config, store, {
    backend,
    redisUrl,
    logger: silent,
    estimateCost: () => money('0.0125'),
    reloadMs: 60_000,
  });
  const attribution = {
    orgId: 'acme',
    teamId: 'payments',
    agentId: 'bench-bot',
    userId: 'default',
    keyId: 'key_bench',
    tags: ['bench'],
  };
  const settle = { costUsd: money('0.00525'), inputTokens: 1000, outputTokens: 300, totalTokens: 1300, failed: false };
  const samples: number[] = [];
  const warmup = Math.min(2000, Math.floor(iterations / 5));
  const started = performance.now();
  for (let i = 0; i < warmup + iterations; i++) {
    const req: AdmissionRequest = {
      requestId: `b${i}`,
      provider: 'openai',
      model: 'gpt-4o',
      attribution,
      estimatedInputTokens: 1000,
      maxOutputTokens: 1000,
      endpoint: '/v1/chat/completions',
      body: BODY,
      now: new Date(),
    };
    const t0 = performance.now();
    const d = await adm.admit(req);
    const t1 = performance.now();
    if (!d.admitted) throw new Error(`bench call refused: ${JSON.stringify(d.body)}`);
    if (i >= warmup) samples.push(t1 - t0);
    await adm.settle(d.ticket, settle);
    // Let timers and I/O run between calls, as between requests in the daemon (journal writes, reloads).
    await new Promise((r) => setImmediate(r));
  }
  const wall = performance.now() - started;
  await adm.close();
  await admin?.flushdb();
  admin?.disconnect();
  await store.close();
  await drop();
  rmSync(dir, { recursive: true, force: true });
  samples.sort((a, b) => a - b);
  const f = (n: number) => Number(n.toFixed(4));
  return {
    backend,
    store: engine,
    iterations,
    'p50 ms': f(percentile(samples, 50)),
    'p99 ms': f(percentile(samples, 99)),
    'p99.9 ms': f(percentile(samples, 99.9)),
    'max ms': f(samples[samples.length - 1]!),
    'admit+settle/s': Math.round(((warmup + iterations) / wall) * 1000),
  };
}

/** The floor: a bare Redis PING round trip on the same machine, same loop shape. */
async function pingBaseline(): Promise<Record<string, string | number>> {
  const r = new Redis(redisUrl);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await r.ping();
    samples.push(performance.now() - t0);
    await new Promise((res) => setImmediate(res));
  }
  r.disconnect();
  samples.sort((a, b) => a - b);
  const f = (n: number) => Number(n.toFixed(4));
  return {
    backend: 'redis PING only',
    store: '-',
    iterations,
    'p50 ms': f(percentile(samples, 50)),
    'p99 ms': f(percentile(samples, 99)),
    'p99.9 ms': f(percentile(samples, 99.9)),
    'max ms': f(samples[samples.length - 1]!),
    'admit+settle/s': '-',
  };
}

const rows = [await run('memory', 'sqlite')];
for (const engine of ['sqlite', 'postgres'] as const) {
  try {
    rows.push(await run('redis', engine));
  } catch (err) {
    console.error(`redis run on ${engine} skipped: ${(err as Error).message}`);
  }
}
try {
  rows.push(await pingBaseline());
} catch (err) {
  console.error(`PING baseline skipped: ${(err as Error).message}`);
}
console.log(
  `command: node --import tsx bench/spend/admission.ts --iterations ${iterations} --redis ${redisUrl} --pg ${pgAdminUrl}`,
);
console.log(
  `node ${process.version}, ${new Date().toISOString()}, load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.table(rows);
process.exit(0);
