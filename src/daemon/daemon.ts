import type { Logger } from 'pino';
import type { OcoConfig } from '../core/base/config/resolve.js';
import { OperationError, UsageError } from '../core/base/errors.js';
import { privatizeOcoPaths } from '../core/base/config/private-files.js';
import { KeyCache } from '../core/gateway/keys/cache.js';
import { AllowListCache } from '../core/gateway/keys/entity-lists.js';
import { keyAdminRoutes } from '../core/gateway/keys/admin-api.js';
import { createDaemonLogger } from '../core/base/log/logger.js';
import { loadPriceBook, type PriceBook } from '../core/gateway/pricing/book.js';
import type { AdminRoute, AdmissionControl, SpendModule } from '../core/gateway/proxy/admission.js';
import { Gateway } from '../core/gateway/proxy/gateway.js';
import { openStore } from '../core/base/store/open.js';
import type { Store } from '../core/base/store/types.js';
import { CallJournal } from '../core/gateway/usage/call-journal.js';
import { recoverCallJournal, type RecoveredCall } from '../core/gateway/usage/call-recovery.js';
import { Recorder } from '../core/gateway/usage/recorder.js';
import { routePolicyAdminRoutes } from '../core/gateway/routing/admin-api.js';
import { alertAdminRoutes } from '../core/gateway/alerts/admin-api.js';
import { insightsAdminRoutes } from './insights-api.js';
import { REPORT_SOURCES } from './report-sources.js';
import { reportAdminRoutes } from './report-route.js';
import { RoutePolicyCache } from '../core/gateway/routing/policies.js';
import { openResponseCache } from '../core/gateway/cache/index.js';
import { startBackgroundJobs } from './jobs.js';
import { Observability } from './observability.js';
import { startTracing } from './tracing.js';
import { gatewaySettings, isLoopback } from './settings.js';
import { callJournalDir, clearState, spillDir, version, writeState, type DaemonState } from './state.js';

export interface RunningDaemon {
  gateway: Gateway;
  state: DaemonState;
  recorder: Recorder;
  store: Store;
  logger: Logger;
  /** Metrics (when metrics.enabled) and readiness. */
  observability: Observability;
  /** Team and org allow-lists in memory (refresh() reads them now). */
  allowLists: AllowListCache;
  /** Graceful stop: drain, flush records, close everything. Safe to call twice. */
  stop(): Promise<void>;
}

const PRICE_REFRESH_MS = 10_000;

/**
 * Starts the gateway in this process: store (migrated), prices, recorder,
 * the call journal a previous run left replayed (before spend controls load,
 * so budgets count its calls), spend controls when that module exists, then
 * the listener, and finally the state file other oco commands read.
 */
export async function startDaemon(
  config: OcoConfig,
  opts: { host: string; port: number; stdoutLogs?: boolean },
): Promise<RunningDaemon> {
  // Before anything is opened: whatever an older version or another tool left readable under oco's directories.
  const narrowed = privatizeOcoPaths(config.paths, ['stateDir', 'logDir']);
  const log = createDaemonLogger({
    logDir: config.paths.logDir,
    level: config.string('log.level') ?? 'info',
    maxBytes: config.int('log.maxBytes'),
    alsoStdout: opts.stdoutLogs,
  });
  await log.ready;
  const logger = log.logger;
  if (narrowed.changed.length > 0)
    logger.info({ paths: narrowed.changed }, 'made files private (0600) and directories private (0700)');
  if (narrowed.refused.length > 0)
    logger.warn(
      { paths: narrowed.refused },
      'cannot narrow the modes of these paths (another owner or ' +
        'a read-only file system); set them to 0600/0700 by hand',
    );
  const settings = gatewaySettings(config);
  for (const [name, url] of Object.entries(settings.baseUrls)) {
    if (!/^https?:$/.test(new URL(url).protocol))
      throw new UsageError(`the ${name} base URL must be http or https (got ${url})`);
  }
  const store = await openStore(config);
  let book: PriceBook = await loadPriceBook(store);
  const priceTimer = setInterval(() => {
    loadPriceBook(store).then(
      (b) => (book = b),
      (err: Error) => logger.warn({ err: { message: err.message } }, 'price reload failed; keeping the loaded prices'),
    );
  }, PRICE_REFRESH_MS);
  priceTimer.unref();
  const observability = new Observability(config, logger);
  const journal = new CallJournal(callJournalDir(config.paths), { logger });
  const recorder = new Recorder({
    store,
    spillDir: spillDir(config.paths),
    flushIntervalMs: config.int('proxy.flushIntervalMs'),
    maxQueue: config.int('proxy.queueSize'),
    logger,
    onDurable: (records) => journal.durable(records),
    onWriteFailed: observability.onWriteFailed,
  });
  const recovered = await recoverCallJournal(journal, recorder, book, {
    defaultMaxOutputTokens: config.int('budget.defaultMaxOutputTokens'),
    logger,
  });
  // Only for bench/proxy/journal.ts, which measures what the journal costs a call; not a setting: without it a
  // crash loses calls.
  const journaling = process.env.OCO_BENCH_CALL_JOURNAL !== 'off';
  if (journaling) journal.open();
  recorder.start();
  const { admission, adminRoutes } = await loadSpendModule(config, store, logger, recovered.settle);
  const keys = new KeyCache(store);
  const routePolicies = new RoutePolicyCache(store, { logger });
  await routePolicies.start();
  const allowLists = new AllowListCache(store, { logger });
  await allowLists.start();
  const responseCache = openResponseCache(config, store, logger);
  const tracing = await startTracing(config, logger);
  const gateway = new Gateway({
    settings,
    store,
    recorder,
    journal: journaling ? journal : undefined,
    prices: () => book,
    keys,
    allowLists,
    logger,
    admission,
    adminRoutes: [
      ...adminRoutes,
      ...routePolicyAdminRoutes(store),
      ...insightsAdminRoutes(config, store),
      ...alertAdminRoutes(config, store),
      ...reportAdminRoutes(store, REPORT_SOURCES),
      ...keyAdminRoutes(store, { timezone: config.string('budget.timezone') ?? 'UTC' }),
    ],
    routePolicies,
    cache: responseCache.cache,
    tracer: tracing?.tracer,
    version: version(),
    observer: observability.forGateway(recorder),
    metrics: observability.handler(),
    readiness: observability.readiness(store, recorder),
  });

  let address;
  try {
    address = await gateway.listen(opts.port, opts.host);
  } catch (err) {
    await observability.stop();
    routePolicies.close();
    allowLists.close();
    await recorder.stop();
    journal.close();
    await responseCache.close();
    await tracing?.shutdown();
    await store.close();
    clearInterval(priceTimer);
    log.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new OperationError('OCO_PROXY_PORT_IN_USE', `port ${opts.port} on ${opts.host} is already in use`, {
        hint: `Stop what listens there, or start on another port: oco proxy start --port ${opts.port + 1}.`,
      });
    }
    throw new OperationError(
      'OCO_PROXY_LISTEN_FAILED',
      `cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`,
      { hint: 'Check --host (an address of this machine) and --port.' },
    );
  }
  if (!isLoopback(opts.host) && !settings.proxyApiKey) {
    logger.warn(
      { host: opts.host },
      'listening on a non-loopback address without OCO_PROXY_API_KEY: anyone who can reach it can spend through it',
    );
  }
  const state: DaemonState = {
    pid: process.pid,
    host: opts.host,
    port: address.port,
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${address.port}`,
    startedAt: new Date(gateway.startedAt).toISOString(),
    version: version(),
    engine: store.engine,
    logFile: log.file,
  };
  try {
    await observability.start(store, opts.host);
  } catch (err) {
    // /metrics on its own port could not listen: the gateway serves on; the log says why.
    logger.error(
      { err: { message: (err as Error).message }, port: config.int('metrics.port') },
      'metrics listener did not start',
    );
  }
  writeState(config.paths, state);
  logger.info({ url: state.url, engine: store.engine, controls: admission.length }, 'gateway listening');
  const jobs = startBackgroundJobs(config, store, logger);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const drainMs = config.int('proxy.drainTimeoutMs');
      logger.info({ inFlight: gateway.active, drainMs }, 'stopping: draining in-flight requests');
      const { cut } = await gateway.drain(drainMs);
      // The drained calls' spans are the last ones: exported before the process goes.
      await tracing?.shutdown();
      await jobs.stop();
      await observability.stop();
      routePolicies.close();
      allowLists.close();
      await keys.close();
      await recorder.stop();
      journal.close();
      for (const c of admission)
        await c
          .close()
          .catch((err: Error) => logger.warn({ err: { message: err.message } }, 'admission control close failed'));
      await responseCache.close().catch(() => {});
      clearInterval(priceTimer);
      const stats = recorder.snapshot();
      await store.close().catch(() => {});
      clearState(config.paths, process.pid);
      logger.info({ cut, written: stats.written, spilled: stats.spilled, served: gateway.served }, 'stopped');
      log.close();
    })());
  return { gateway, state, recorder, store, logger, observability, allowLists, stop };
}

/**
 * Spend controls plug in through src/core/gateway/spend/index.ts when it exists; the gateway runs without them
 * otherwise.
 */
async function loadSpendModule(
  config: OcoConfig,
  store: Store,
  logger: Logger,
  recovered: RecoveredCall[],
): Promise<{ admission: AdmissionControl[]; adminRoutes: AdminRoute[] }> {
  const specifier = '../core/gateway/spend/index.js';
  let mod: Partial<SpendModule>;
  try {
    mod = (await import(specifier)) as Partial<SpendModule>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('spend'))
      return { admission: [], adminRoutes: [] };
    throw err;
  }
  if (recovered.length > 0 && mod.settleRecovered) {
    // Before the controls load their counters: a recovered call counts in its budgets, and its reservation is not
    // released as stale.
    try {
      await mod.settleRecovered(store, recovered);
    } catch (err) {
      logger.warn(
        { err: { message: (err as Error).message }, calls: recovered.length },
        'cannot settle recovered calls in the spend ledger; their reservations are released as stale',
      );
    }
  }
  const admission = mod.createAdmissionControls
    ? await mod.createAdmissionControls(config, store, { logger: logger.child({ component: 'spend' }) })
    : [];
  const adminRoutes = mod.createAdminRoutes ? await mod.createAdminRoutes(config, store) : [];
  logger.debug({ controls: admission.length, routes: adminRoutes.length }, 'spend controls loaded');
  return { admission, adminRoutes };
}
