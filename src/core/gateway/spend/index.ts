import pino from 'pino';
import type { OcoConfig } from '../../base/config/resolve.js';
import {
  emptyUsage,
  loadPriceBook,
  modelLimits,
  priceUsage,
  type PriceBook,
  type TokenUsage,
} from '../pricing/index.js';
import type { AdmissionControl, AdminRoute } from '../proxy/admission.js';
import type { PricedProvider } from '../model.js';
import { RedisConnection, redisTarget } from '../../base/redis/connection.js';
import type { Store } from '../../base/store/types.js';
import { SpendAdmission, type CostEstimator, type SpendLogger, type UnpricedPolicy } from './admission.js';
import { budgetAdminRoutes } from './admin-api.js';
import { AlertManager } from './alerts.js';
import { SpendJournal, type JournalWriter } from './journal.js';
import { SQLITE_SPEND_UPSERT, sqliteSpendRow, writeSpendEvents, type SpendEvent } from './repo.js';
import { Money } from '../../base/money.js';
import type { RecoveredCall } from '../usage/call-recovery.js';
import { sqliteRowWriter } from '../usage/sink.js';
import { MemoryLedger, type LedgerBackend } from './ledger.js';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiterBackend } from './ratelimit.js';
import { RedisLedger } from './redis-ledger.js';
import { UnreachableError, UsageError } from '../../base/errors.js';
import type { Redis } from 'ioredis';

export { SpendAdmission } from './admission.js';
export type { SpendStats, CostEstimator } from './admission.js';

export interface SpendControlOptions {
  /** The daemon's logger; a stderr JSON logger otherwise. */
  logger?: SpendLogger;
  /** Overrides the price book (tests). */
  estimateCost?: CostEstimator;
  maxOutputTokensOf?: (provider: PricedProvider, model: string) => number | undefined;
  /** Overrides the configured backend choice (tests, benchmarks). */
  backend?: 'memory' | 'redis';
  /** Redis URL overriding REDIS_URL (tests). */
  redisUrl?: string;
  reloadMs?: number;
  /** How often prices are re-read for reservations ("oco pricing set" while the daemon runs); 10 s by default. */
  priceReloadMs?: number;
  webhookRetryDelaysMs?: readonly number[];
  journalIntervalMs?: number;
}

/** Which counters a daemon uses: redis when asked or (auto) when Redis is configured; memory otherwise. */
export function chooseBackend(config: OcoConfig, override?: 'memory' | 'redis'): 'memory' | 'redis' {
  const choice = override ?? config.string('budget.backend') ?? 'auto';
  if (choice === 'redis' || (choice === 'auto' && redisTarget(config))) return 'redis';
  return 'memory';
}

/**
 * What the gateway daemon calls at start: one control that applies rate limits
 * and budgets (in that order) to every call. Prices come from the same price
 * book the gateway bills with, reloaded with the budgets.
 */
export async function createAdmissionControls(
  config: OcoConfig,
  store: Store,
  options: SpendControlOptions = {},
): Promise<AdmissionControl[]> {
  return [await createSpendAdmission(config, store, options)];
}

export async function createSpendAdmission(
  config: OcoConfig,
  store: Store,
  options: SpendControlOptions = {},
): Promise<SpendAdmission> {
  const logger: SpendLogger =
    options.logger ??
    pino({ level: config.string('log.level') ?? 'info', base: { component: 'spend' } }, pino.destination(2));
  const journal = new SpendJournal(store, logger, {
    intervalMs: options.journalIntervalMs,
    writer: journalWriter(store),
  });
  const backend = chooseBackend(config, options.backend);
  let ledger: LedgerBackend;
  let rateLimiter: RateLimiterBackend;
  let redis: RedisConnection | undefined;
  if (backend === 'redis') {
    const target = options.redisUrl ? { url: options.redisUrl, display: options.redisUrl } : redisTarget(config);
    if (!target) {
      throw new UsageError('budget.backend is redis but no Redis is configured', {
        code: 'OCO_CONFIG_INVALID',
        hint: 'Set REDIS_URL (or REDIS_HOST), or OCO_BUDGET_BACKEND=memory for a single daemon.',
      });
    }
    redis = new RedisConnection(target, { connectTimeoutMs: 500 });
    const get = failFast(redis);
    ledger = new RedisLedger(get, store, journal);
    rateLimiter = new RedisRateLimiter(get);
  } else {
    ledger = new MemoryLedger(store, journal);
    rateLimiter = new MemoryRateLimiter();
  }

  let book: PriceBook | undefined;
  let estimateCost = options.estimateCost;
  let maxOutputTokensOf = options.maxOutputTokensOf;
  let limitsOf:
    ((provider: PricedProvider, model: string) => { maxOutputTokens?: number; contextWindow?: number }) | undefined;
  let priceTimer: NodeJS.Timeout | undefined;
  if (!estimateCost) {
    book = await loadPriceBook(store);
    estimateCost = ({ provider, model, inputTokens, outputTokens, at, bound }) =>
      bound
        ? dearestCost(book!, provider, model, inputTokens, outputTokens, at)
        : priceUsage(book!, provider, model, { ...emptyUsage(), inputTokens, outputTokens }, at);
    maxOutputTokensOf ??= (provider, model) => modelLimits(book!, provider, model).maxOutputTokens;
    limitsOf = (provider, model) => modelLimits(book!, provider, model);
    // "oco pricing set/import" while the daemon runs: worst cases follow the new prices within seconds.
    let priceVersion = await pricingVersion(store);
    priceTimer = setInterval(() => {
      void (async () => {
        const v = await pricingVersion(store);
        if (v === priceVersion) return;
        book = await loadPriceBook(store);
        priceVersion = v;
      })().catch((err) =>
        logger.warn(
          { err: (err as Error).message },
          'cannot reload prices for budget reservations; keeping the previous ones',
        ),
      );
    }, options.priceReloadMs ?? 10_000);
    priceTimer.unref();
  }

  const alerts = new AlertManager(store, logger, {
    secret: config.string('webhook.secret'),
    retryDelaysMs: options.webhookRetryDelaysMs,
    notify: { env: config.env, stateDir: config.paths.stateDir, defaultSigningSecret: config.string('webhook.secret') },
  });
  const admission = await SpendAdmission.create({
    store,
    ledger,
    rateLimiter,
    estimateCost,
    maxOutputTokensOf,
    limitsOf,
    defaultMaxOutputTokens: config.int('budget.defaultMaxOutputTokens'),
    unpricedModels: (config.string('budget.unpricedModels') ?? 'refuse') as UnpricedPolicy,
    failOpen: config.bool('budget.failOpen'),
    reservationTtlMs: config.int('budget.reservationTtlSeconds') * 1000,
    logger,
    alerts,
    journal,
    reloadMs: options.reloadMs,
  });
  logger.info(
    { backend, redis: redis?.target.display, fail_open: config.bool('budget.failOpen') },
    'spend controls ready',
  );
  const close = admission.close.bind(admission);
  admission.close = async () => {
    if (priceTimer) clearInterval(priceTimer);
    await close();
    await redis?.close();
  };
  return admission;
}

/**
 * A SQLite file's ledger rows are written by the usage writer thread (one per file, shared):
 * better-sqlite3 is synchronous, and these upserts on the daemon's thread cost every call
 * more than the rest of its bookkeeping. PostgreSQL (asynchronous I/O) and :memory: stores
 * (one connection) keep the store's own path.
 */
function journalWriter(store: Store): JournalWriter | undefined {
  if (store.embeddedFile === undefined) return undefined;
  const rows = sqliteRowWriter(store.embeddedFile, SQLITE_SPEND_UPSERT);
  return {
    batch: 2000,
    async write(events) {
      const now = new Date().toISOString();
      await rows.write(events.map((e) => sqliteSpendRow(e, now)));
    },
    close: () => rows.close(),
  };
}

/** Usage fields an input token and an output token can be billed in. */
const INPUT_FIELDS: ReadonlyArray<keyof TokenUsage> = [
  'inputTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'toolPromptTokens',
];
const OUTPUT_FIELDS: ReadonlyArray<keyof TokenUsage> = ['outputTokens', 'reasoningTokens'];

/**
 * The most that many tokens can cost: every input token in its dearest input class (an
 * Anthropic 1-hour cache write is 2× input) and every output token in its dearest output
 * class. Null when the model has no price.
 */
function dearestCost(
  book: PriceBook,
  provider: PricedProvider,
  model: string,
  inputTokens: number,
  outputTokens: number,
  at: Date,
): Money | null {
  let best: Money | null = null;
  for (const i of INPUT_FIELDS) {
    for (const o of OUTPUT_FIELDS) {
      const usage = emptyUsage();
      usage[i] += inputTokens;
      usage[o] += outputTokens;
      const c = priceUsage(book, provider, model, usage, at);
      if (c !== null && (best === null || c.gt(best))) best = c;
    }
  }
  return best;
}

async function pricingVersion(store: Store): Promise<string> {
  const r = await store.get<{ n: number; m: string | null }>(
    'SELECT COUNT(*) AS n, MAX(created_at) AS m FROM model_pricing',
  );
  return `${r?.n}|${r?.m}`;
}

/**
 * Calls a crashed daemon forwarded (the call journal's replay) settle in the ledger at the cost
 * their usage record carries — an interrupted call at its worst-case estimate, the amount its
 * reservation held — rather than being released as stale: budgets count every call the provider
 * may bill. As at settle(): a failed call that cost nothing releases. The upsert keys on the
 * request id, so a row the crashed run had already settled is written again unchanged.
 */
export async function settleRecovered(store: Store, calls: readonly RecoveredCall[]): Promise<void> {
  const events: SpendEvent[] = calls.map(({ record: r, requestedModel }) => {
    const at = new Date(r.ts);
    const cost = new Money(r.costUsd ?? 0);
    const failed =
      (r.statusCode !== null && r.statusCode >= 400) || (r.errorClass !== null && r.errorClass !== 'client_cancelled');
    return {
      requestId: r.id,
      ts: at,
      expiresAt: at,
      state: failed && cost.isZero() ? 'released' : 'settled',
      provider: r.provider,
      model: requestedModel,
      orgId: r.orgId,
      teamId: r.teamId,
      agentId: r.agentId,
      userId: r.userId,
      keyId: r.keyId,
      tags: r.tags,
      reservedUsd: new Money(0),
      costUsd: cost,
    };
  });
  // 15 parameters a row: batches stay far below PostgreSQL's 65535.
  for (let i = 0; i < events.length; i += 1000) await writeSpendEvents(store, events.slice(i, i + 1000));
}

/** Admin API routes of spend controls, mounted by the daemon behind its X-API-Key check. */
export async function createAdminRoutes(config: OcoConfig, store: Store): Promise<AdminRoute[]> {
  return budgetAdminRoutes(config, store);
}

/**
 * The client once connected, or an immediate error while it reconnects: during
 * an outage every call must reach its fail-open/fail-closed decision at once,
 * not wait for a connect timeout. ioredis keeps reconnecting in the background.
 */
function failFast(conn: RedisConnection): () => Promise<Redis> {
  let client: Redis | undefined;
  let connecting: Promise<Redis> | undefined;
  return async () => {
    if (client?.status === 'ready') return client;
    if (client && client.status !== 'end' && client.status !== 'wait') {
      throw new UnreachableError('OCO_REDIS_UNREACHABLE', `Redis at ${conn.target.display} is ${client.status}`);
    }
    // Concurrent first calls share one connection attempt.
    connecting ??= conn.get().finally(() => (connecting = undefined));
    client = await connecting;
    return client;
  };
}
