import type { Logger } from 'pino';
import type { OcoConfig } from '../core/base/config/resolve.js';
import type { Store } from '../core/base/store/types.js';
import type { CloudProvider } from '../core/cloud-costs/model.js';

interface Job {
  name: string;
  stop(): Promise<void>;
}

/**
 * The daemon's periodic work besides the gateway: DR policy checks, folding old
 * spend-ledger rows, scheduled cloud-cost ingests, the hourly cost-anomaly and policy checks, and the
 * recommendation runs (every optimize.runIntervalSeconds and after each scheduled ingest), and the weekly spend digest.
 * Loaded after the listener is up, lazily, so the Kubernetes and cloud SDKs never
 * delay /health; a job that fails to start is logged and the gateway keeps serving.
 */
const JOBS: ReadonlyArray<{ name: string; start(config: OcoConfig, store: Store, logger: Logger): Promise<Job> }> = [
  {
    name: 'dr-monitor',
    async start(config, store, logger) {
      const { startDrMonitor } = await import('../core/resilience/dr/monitor.js');
      const monitor = startDrMonitor(config, store, {
        onBreach: (e) =>
          logger.warn(
            { event: e.event, policy: e.policy, context: e.context, namespace: e.namespace, breaches: e.breaches },
            'dr policy breach',
          ),
        onError: (err) => logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'dr check failed'),
      });
      return { name: 'dr-monitor', stop: () => monitor.stop() };
    },
  },
  {
    name: 'spend-ledger-compaction',
    async start(config, store, logger) {
      const { startLedgerCompactor } = await import('../core/gateway/spend/compact.js');
      const compactor = startLedgerCompactor(store, {
        retentionDays: config.int('budget.ledgerRetentionDays'),
        onRun: (r) => (r.removed > 0 ? logger.info(r, 'spend ledger compacted') : undefined),
        onError: (err) =>
          logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'spend ledger compaction failed'),
      });
      return { name: 'spend-ledger-compaction', stop: () => compactor.stop() };
    },
  },
  {
    name: 'cost-scheduler',
    async start(config, store, logger) {
      const { startCostScheduler } = await import('../core/cloud-costs/scheduler.js');
      const scheduler = startCostScheduler(config, store, {
        logger,
        tickOnStart: true,
        onIngested: (provider) => {
          anomalyMonitor?.trigger();
          policyMonitor?.trigger();
          // The provider's own recommendations first, so the run that follows merges them with oco's findings.
          void importRecommendations(config, store, logger, provider).finally(() => optimizeMonitor?.trigger());
        },
      });
      return { name: 'cost-scheduler', stop: async () => scheduler.stop() };
    },
  },
  {
    name: 'policy-monitor',
    async start(config, store, logger) {
      const { startPolicyMonitor } = await import('../core/base/policy/monitor.js');
      const { cloudPolicyRules } = await import('../core/cloud-costs/policy-rules.js');
      const { llmPolicyRules } = await import('../core/gateway/usage/policy-rules.js');
      const monitor = startPolicyMonitor(store, [cloudPolicyRules, llmPolicyRules], {
        intervalMs: config.int('policy.checkIntervalSeconds') * 1000,
        webhookUrl: config.string('policy.webhookUrl'),
        secret: config.string('webhook.secret'),
        onOpened: (v) =>
          logger.warn(
            { event: 'policy.violation', id: v.id, policy: v.policy, severity: v.severity, subject: v.subject },
            'policy violation opened',
          ),
        onError: (err) =>
          logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'policy check failed'),
      });
      policyMonitor = monitor;
      return {
        name: 'policy-monitor',
        stop: async () => {
          policyMonitor = undefined;
          await monitor.stop();
        },
      };
    },
  },
  {
    name: 'anomaly-monitor',
    async start(config, store, logger) {
      const { startAnomalyMonitor } = await import('../core/base/anomaly/monitor.js');
      const { cloudCostSeries } = await import('../core/cloud-costs/anomaly-series.js');
      const { llmSpendSeries } = await import('../core/gateway/usage/anomaly-series.js');
      const { money } = await import('../core/base/money.js');
      const monitor = startAnomalyMonitor(store, [cloudCostSeries, llmSpendSeries], {
        intervalMs: config.int('anomalies.checkIntervalSeconds') * 1000,
        minImpact: money(config.int('anomalies.minImpact')),
        webhookUrl: config.string('anomalies.webhookUrl'),
        secret: config.string('webhook.secret'),
        onFound: (a) =>
          logger.warn(
            { event: 'cost.anomaly', id: a.id, kind: a.kind, domain: a.domain, labels: a.labels, impact: a.impact },
            'cost anomaly',
          ),
        onError: (err) =>
          logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'anomaly check failed'),
      });
      anomalyMonitor = monitor;
      return {
        name: 'anomaly-monitor',
        stop: async () => {
          anomalyMonitor = undefined;
          await monitor.stop();
        },
      };
    },
  },
  {
    name: 'optimize',
    async start(config, store, logger) {
      const { startRecommendationMonitor } = await import('../core/base/recommend/monitor.js');
      const { CLOUD_RULES } = await import('../core/cloud-costs/recommend/rules.js');
      const { LLM_RULES } = await import('../core/gateway/optimize/rules.js');
      const monitor = startRecommendationMonitor(store, [...CLOUD_RULES, ...LLM_RULES], config, {
        intervalMs: config.int('optimize.runIntervalSeconds') * 1000,
        onRun: (r) =>
          r.created + r.reopened + r.resolved > 0
            ? logger.info({ event: 'optimize.run', ...r }, 'recommendations')
            : undefined,
        onError: (err) =>
          logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'recommendation run failed'),
      });
      optimizeMonitor = monitor;
      return {
        name: 'optimize',
        stop: async () => {
          optimizeMonitor = undefined;
          await monitor.stop();
        },
      };
    },
  },
  {
    name: 'alert-digest',
    async start(config, store, logger) {
      const { startPeriodic } = await import('../core/base/periodic.js');
      const { runScheduledDigest } = await import('../core/gateway/alerts/admin-api.js');
      // Each minute: cheap (one row read) and the digest goes out within a minute of its time.
      const job = startPeriodic(() => runScheduledDigest(config, store, (o, m) => logger.info(o, m)), {
        intervalMs: 60_000,
        firstRunMs: 5_000,
        onError: (err) =>
          logger.warn({ err: { message: (err as Error)?.message ?? String(err) } }, 'digest check failed'),
      });
      return { name: 'alert-digest', stop: () => job.stop() };
    },
  },
];

/**
 * After a scheduled ingest of a provider: import its recommendations (when configured and
 * optimize.importProviderRecommendations is on). A failure is logged; it never stops the daemon.
 */
async function importRecommendations(
  config: OcoConfig,
  store: Store,
  logger: Logger,
  provider: CloudProvider,
): Promise<void> {
  try {
    const { importAfterIngest } = await import('../core/cloud-costs/recommend/imports.js');
    const summary = await importAfterIngest(store, config, provider);
    const r = summary?.providers[0];
    if (!r) return;
    if (r.status === 'failed') logger.warn({ provider, error: r.error }, 'recommendation import failed');
    else
      logger.info(
        {
          event: 'optimize.import',
          provider,
          source: r.source,
          recommendations: r.recommendations,
          requests: r.requests,
        },
        'provider recommendations imported',
      );
  } catch (err) {
    logger.warn({ provider, err: { message: (err as Error)?.message ?? String(err) } }, 'recommendation import failed');
  }
}

/** The recommendation runner, once started: the cost scheduler triggers a run after each ingest. */
let optimizeMonitor: { trigger(): void } | undefined;
/** The anomaly check, once started: also run after each ingest, so new cloud data is judged at once. */
let anomalyMonitor: { trigger(): void } | undefined;
/** The policy check, once started: also run after each ingest. */
let policyMonitor: { trigger(): void } | undefined;

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export function startBackgroundJobs(config: OcoConfig, store: Store, logger: Logger): BackgroundJobs {
  const started = JOBS.map((job) =>
    job.start(config, store, logger.child({ component: job.name })).catch((err: Error) => {
      logger.error({ job: job.name, err: { message: err.message } }, 'background job did not start');
      return undefined;
    }),
  );
  return {
    async stop() {
      for (const job of await Promise.all(started)) {
        await job
          ?.stop()
          .catch((err: Error) =>
            logger.warn({ job: job.name, err: { message: err.message } }, 'background job stop failed'),
          );
      }
    },
  };
}
