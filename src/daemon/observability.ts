import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { OcoConfig } from '../core/base/config/resolve.js';
import { readiness, type ReadinessCheck, type Readiness } from '../core/base/metrics/health.js';
import { listenMetrics, serveMetrics } from '../core/base/metrics/http.js';
import { AllowList } from '../core/base/metrics/labels.js';
import { Metrics } from '../core/base/metrics/registry.js';
import { StoredGauges, type StoredGaugeSource } from '../core/base/metrics/stored.js';
import { policyGauges } from '../core/base/policy/gauges.js';
import { recommendationGauges } from '../core/base/recommend/gauges.js';
import { RedisConnection, redisTarget } from '../core/base/redis/connection.js';
import type { Store } from '../core/base/store/types.js';
import { cloudCostGauges } from '../core/cloud-costs/gauges.js';
import { GatewayMetrics, recorderMetrics } from '../core/gateway/metrics.js';
import { budgetGauges } from '../core/gateway/spend/gauges.js';
import type { Recorder } from '../core/gateway/usage/recorder.js';
import { drGauges } from '../core/resilience/dr/gauges.js';

/** The stored-data gauges of every wing and base feature, read on the refresh timer. */
const GAUGE_SOURCES: readonly StoredGaugeSource[] = [
  cloudCostGauges,
  budgetGauges,
  recommendationGauges,
  policyGauges,
  drGauges,
];

/**
 * Metrics and health as the daemon assembles them: the registry (metrics.enabled), the gateway's
 * call metrics and the recorder's, the stored-data gauges on their timer, /metrics on the gateway port
 * (behind admin.apiKey when set) or on its own listener (metrics.port), and the readiness checks.
 */
export class Observability {
  readonly metrics: Metrics | undefined;
  gateway: GatewayMetrics | undefined;
  private gauges: StoredGauges | undefined;
  private listener: Server | undefined;
  private redis: RedisConnection | undefined;
  /** Where the separate metrics listener listens, once started. */
  metricsPort: number | undefined;

  constructor(
    private readonly config: OcoConfig,
    private readonly logger: Logger,
  ) {
    this.metrics = config.bool('metrics.enabled') ? new Metrics() : undefined;
    const target = redisTarget(config);
    if (target) this.redis = new RedisConnection(target, { connectTimeoutMs: 1000 });
  }

  /** The recorder's write failures, for oco_storage_errors_total. */
  readonly onWriteFailed = (op: 'usage_write' | 'spill_replay'): void => this.metrics?.storageError(op);

  /** The gateway's call metrics and the recorder's, registered once the recorder exists. */
  forGateway(recorder: Recorder): GatewayMetrics | undefined {
    if (!this.metrics) return undefined;
    recorderMetrics(this.metrics.registry, recorder);
    this.gateway = new GatewayMetrics(this.metrics.registry, {
      allow: AllowList.parse(this.config.string('metrics.labelAllowList')),
      maxModels: this.config.int('metrics.maxModels'),
    });
    return this.gateway;
  }

  /** GET /metrics on the gateway's own port; undefined when off or served on metrics.port. */
  handler(): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
    const metrics = this.metrics;
    if (!metrics || this.config.string('metrics.port') !== undefined) return undefined;
    const key = this.config.string('admin.apiKey');
    return (req, res) => serveMetrics(metrics, req, res, key);
  }

  /** The checks of GET /health/ready: the store answers, Redis answers when configured, nothing spills. */
  readiness(store: Store, recorder: Recorder): () => Promise<Readiness> {
    const checks: ReadinessCheck[] = [
      {
        name: 'store',
        run: () =>
          store.ping().then(
            () => ({ ok: true, detail: { engine: store.engine } }),
            (err: Error) => ({
              ok: false,
              detail: { engine: store.engine, error: err.message.replace(/\/\/[^@\s]*@/g, '//****@') },
            }),
          ),
      },
      {
        name: 'recorder',
        run: async () => {
          const s = recorder.snapshot();
          return {
            ok: !s.dbDown && s.spillFiles === 0,
            detail: { queued: s.queued, spillFiles: s.spillFiles, databaseDown: s.dbDown },
          };
        },
      },
    ];
    const redis = this.redis;
    if (redis)
      checks.push({
        name: 'redis',
        run: async () => {
          const h = await redis.health();
          return { ok: h.ok, detail: { target: redis.target.display, ...(h.ok ? {} : { error: h.error }) } };
        },
      });
    return () => readiness(checks);
  }

  /** After the gateway listens: the stored gauges' timer and the separate listener. */
  async start(store: Store, gatewayHost: string): Promise<void> {
    if (!this.metrics) return;
    this.gauges = new StoredGauges(this.metrics, store, GAUGE_SOURCES, {
      refreshMs: this.config.int('metrics.refreshSeconds') * 1000,
      logger: this.logger,
    });
    this.gauges.start();
    if (this.config.string('metrics.port') === undefined) return;
    const host = this.config.string('metrics.host') ?? gatewayHost;
    const { server, port } = await listenMetrics(this.metrics, this.config.int('metrics.port'), host);
    this.listener = server;
    this.metricsPort = port;
    this.logger.info({ host, port }, 'metrics listening');
  }

  /** Reads the stored gauges now (tests; the timer does it otherwise). */
  refresh(): Promise<void> {
    return this.gauges?.refresh() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.gauges?.stop();
    if (this.listener) {
      const l = this.listener;
      await new Promise<void>((r) => l.close(() => r()));
      l.closeAllConnections();
    }
    await this.redis?.close().catch(() => {});
  }
}
