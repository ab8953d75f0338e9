import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Money } from '../base/money.js';
import { AllowList, CappedLabels, NONE } from '../base/metrics/labels.js';
import { ExactCounter, PREFIX } from '../base/metrics/registry.js';
import { CLASS_FIELD, TOKEN_CLASSES } from './pricing/types.js';
import type { Call, GatewayObserver } from './proxy/call.js';
import type { UsageRecord } from './usage/record.js';
import type { Recorder } from './usage/recorder.js';

/** Seconds; LLM calls run from a few ms (cache hits, refusals) to minutes (long streams). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface GatewayMetricsOptions {
  /** metrics.labelAllowList: team and agent ids that keep their own label; others are "other". */
  allow: AllowList;
  /** Distinct model names that keep their own label; later ones are "other" (metrics.maxModels). */
  maxModels: number;
}

type Child = { inc(v?: number): void };
type Observed = { observe(v: number): void };

/** One (provider, route, model, status) label set's bound series. */
interface Series {
  requests: Child;
  tokens: Child[];
}

/** One (provider, route) label set's bound histograms. */
interface Timing {
  latency: Observed;
  ttfb: Observed;
  upstream: Observed;
}

function branch<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

/**
 * The gateway's metrics. Every series is bound once, the first time its label set occurs, and kept in
 * nested maps keyed by the call's own values (provider → route → model → status): an ended call costs
 * a few map lookups and increments, no label string or label object built per call. Costs and savings
 * are summed exactly (ExactCounter). Team and agent ids are labels only when allowed
 * (metrics.labelAllowList); model names up to metrics.maxModels distinct ones.
 */
export class GatewayMetrics implements GatewayObserver {
  private readonly requests: Counter<'provider' | 'route' | 'model' | 'status'>;
  private readonly tokens: Counter<'provider' | 'model' | 'class'>;
  private readonly latency: Histogram<'provider' | 'route'>;
  private readonly ttfb: Histogram<'provider' | 'route'>;
  private readonly upstreamLatency: Histogram<'provider' | 'route'>;
  private readonly cost: ExactCounter<'provider' | 'model' | 'team'>;
  private readonly agentRequests: Counter<'agent' | 'team'>;
  private readonly refusals: Counter<'reason' | 'scope'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly cacheSavings: ExactCounter<never>;
  private readonly routingDecisions: Counter<'original_model' | 'routed_model'>;
  private readonly routingSavings: ExactCounter<never>;
  private readonly attempts: Counter<'provider' | 'kind'>;
  private readonly models: CappedLabels;
  private readonly series = new Map<string, Map<string, Map<string, Map<number, Series>>>>();
  private readonly timings = new Map<string, Map<string, Timing>>();
  private readonly costs = new Map<string, Map<string, Map<string, { value: Money }>>>();
  private readonly agents = new Map<string, Map<string, Child>>();
  private readonly cacheHit: Child;
  private readonly cacheMiss: Child;
  private readonly cacheSaved: { value: Money };
  private readonly routingSaved: { value: Money };

  constructor(
    registry: Registry,
    private readonly opts: GatewayMetricsOptions,
  ) {
    const r = [registry];
    this.models = new CappedLabels(opts.maxModels);
    this.requests = new Counter({
      name: `${PREFIX}llm_requests_total`,
      help: 'Calls ended by the gateway, by provider, route (proxy, chat, embeddings), model and HTTP status.',
      labelNames: ['provider', 'route', 'model', 'status'],
      registers: r,
    });
    this.tokens = new Counter({
      name: `${PREFIX}llm_tokens_total`,
      help: 'Tokens billed, by provider, model and token class (input, cached_input, output, reasoning, …).',
      labelNames: ['provider', 'model', 'class'],
      registers: r,
    });
    const hist = (name: string, help: string) =>
      new Histogram({ name, help, labelNames: ['provider', 'route'], buckets: LATENCY_BUCKETS, registers: r });
    this.latency = hist(`${PREFIX}llm_request_duration_seconds`, 'Time from a call arriving to its end.');
    this.ttfb = hist(
      `${PREFIX}llm_time_to_first_byte_seconds`,
      "Time from a call arriving to the upstream answer's first byte.",
    );
    this.upstreamLatency = hist(
      `${PREFIX}llm_upstream_duration_seconds`,
      'Time from the request leaving for the upstream to the end of its answer (calls that were sent only).',
    );
    this.cost = new ExactCounter(
      registry,
      `${PREFIX}llm_cost_usd_total`,
      'Cost of the calls in US dollars, summed exactly and exposed as the nearest float64; unpriced calls add nothing.',
      ['provider', 'model', 'team'],
    );
    this.agentRequests = new Counter({
      name: `${PREFIX}llm_agent_requests_total`,
      help: 'Calls by agent and team id; ids outside metrics.labelAllowList are "other", absent ones "none".',
      labelNames: ['agent', 'team'],
      registers: r,
    });
    this.refusals = new Counter({
      name: `${PREFIX}llm_refusals_total`,
      help: 'Calls refused by spend controls, by reason (budget_exceeded, rate_limit_exceeded, …) and scope.',
      labelNames: ['reason', 'scope'],
      registers: r,
    });
    this.cacheLookups = new Counter({
      name: `${PREFIX}llm_cache_lookups_total`,
      help: 'Response-cache lookups by result (hit, miss).',
      labelNames: ['result'],
      registers: r,
    });
    this.cacheHit = this.cacheLookups.labels({ result: 'hit' });
    this.cacheMiss = this.cacheLookups.labels({ result: 'miss' });
    this.cacheSavings = new ExactCounter(
      registry,
      `${PREFIX}llm_cache_savings_usd_total`,
      'What the calls answered from the response cache cost originally, in US dollars (known savings only).',
      [],
    );
    this.cacheSaved = this.cacheSavings.series({});
    this.routingDecisions = new Counter({
      name: `${PREFIX}llm_routing_decisions_total`,
      help: 'Calls smart routing sent to another model than the one asked for.',
      labelNames: ['original_model', 'routed_model'],
      registers: r,
    });
    this.routingSavings = new ExactCounter(
      registry,
      `${PREFIX}llm_routing_savings_usd_total`,
      "What routing saved in US dollars: the requested model's price minus what was paid (known savings only).",
      [],
    );
    this.routingSaved = this.routingSavings.series({});
    this.attempts = new Counter({
      name: `${PREFIX}llm_attempts_total`,
      help: 'Attempts after the first on the unified routes: kind retry (same model) or fallback (next model).',
      labelNames: ['provider', 'kind'],
      registers: r,
    });
  }

  ended(call: Call, record: UsageRecord, cost: Money | null, latencyMs: number): void {
    const provider = call.provider;
    const route = call.via ?? 'proxy';
    const model = this.models.label(record.model);
    const status = record.statusCode ?? 0;
    const byRoute = branch(this.series, provider, () => new Map());
    const byModel = branch(byRoute, route, () => new Map());
    const byStatus = branch(byModel, model, () => new Map());
    const s = branch(byStatus, status, () => this.bind(provider, route, model, status));
    s.requests.inc();
    for (let i = 0; i < TOKEN_CLASSES.length; i++) {
      const n = record[CLASS_FIELD[TOKEN_CLASSES[i]!]];
      if (n > 0) s.tokens[i]!.inc(n);
    }
    const t = branch(
      branch(this.timings, provider, () => new Map()),
      route,
      () => this.bindTiming(provider, route),
    );
    t.latency.observe(latencyMs / 1000);
    if (call.ttfb !== null) t.ttfb.observe(call.ttfb / 1000);
    if (call.sentAt !== undefined) t.upstream.observe((performance.now() - call.sentAt) / 1000);
    const team = this.opts.allow.label(record.teamId);
    if (cost !== null && !cost.isZero()) {
      const c = branch(
        branch(this.costs, provider, () => new Map()),
        model,
        () => new Map(),
      );
      const sum = branch(c, team, () => this.cost.series({ provider, model, team }));
      sum.value = sum.value.plus(cost);
    }
    const agent = this.opts.allow.label(record.agentId);
    branch(
      branch(this.agents, agent, () => new Map()),
      team,
      () => this.agentRequests.labels({ agent, team }),
    ).inc();
    if (record.cache === 'hit') {
      this.cacheHit.inc();
      if (record.cacheSavingsUsd) this.cacheSaved.value = this.cacheSaved.value.plus(record.cacheSavingsUsd);
    } else if (record.cache === 'miss') this.cacheMiss.inc();
    if (record.routedModel && record.originalModel) {
      this.routingDecisions.inc({
        original_model: this.models.label(record.originalModel),
        routed_model: this.models.label(record.routedModel),
      });
      if (record.savingsUsd) this.routingSaved.value = this.routingSaved.value.plus(record.savingsUsd);
    }
  }

  refused(_call: Call, reason: string, scope: string | undefined): void {
    this.refusals.inc({ reason, scope: scope ?? NONE });
  }

  attempt(call: Call, kind: 'retry' | 'fallback'): void {
    this.attempts.inc({ provider: call.provider, kind });
  }

  /** The exact cost summed so far (matching labels), the value a scrape shows rounded to float64. */
  costUsd(match: { provider?: string; model?: string; team?: string } = {}): Money {
    return this.cost.total(match);
  }

  private bind(provider: string, route: string, model: string, status: number): Series {
    return {
      requests: this.requests.labels({ provider, route, model, status: String(status) }),
      tokens: TOKEN_CLASSES.map((c) => this.tokens.labels({ provider, model, class: c })),
    };
  }

  private bindTiming(provider: string, route: string): Timing {
    const l = { provider, route };
    return { latency: this.latency.labels(l), ttfb: this.ttfb.labels(l), upstream: this.upstreamLatency.labels(l) };
  }
}

/**
 * The usage recorder seen from outside, read at scrape time (no store query): records queued, spill
 * files waiting for the database and their size, records spilled and written since start.
 */
export function recorderMetrics(registry: Registry, recorder: Recorder): void {
  const r = [registry];
  new Gauge({
    name: `${PREFIX}recorder_queue_depth`,
    help: 'Usage records queued in memory, not yet written.',
    registers: r,
    collect() {
      this.set(recorder.queued);
    },
  });
  new Gauge({
    name: `${PREFIX}recorder_spill_files`,
    help: 'Spill files of usage records waiting for the database to answer again.',
    registers: r,
    collect() {
      this.set(recorder.spillFiles().length);
    },
  });
  new Gauge({
    name: `${PREFIX}recorder_spill_bytes`,
    help: 'Total size of those spill files.',
    registers: r,
    collect() {
      let bytes = 0;
      for (const f of recorder.spillFiles()) {
        try {
          bytes += statSync(join(recorder.spillPath, f)).size;
        } catch {
          // replayed and removed between the listing and the stat
        }
      }
      this.set(bytes);
    },
  });
  new Gauge({
    name: `${PREFIX}recorder_database_down`,
    help: '1 while usage writes fail and records go to spill files, else 0.',
    registers: r,
    collect() {
      this.set(recorder.snapshot().dbDown ? 1 : 0);
    },
  });
  const counted = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: r,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counted(`${PREFIX}recorder_written_total`, 'Usage records written to the store.', () => recorder.counts().written);
  counted(`${PREFIX}recorder_spilled_total`, 'Usage records written to spill files.', () => recorder.counts().spilled);
}
