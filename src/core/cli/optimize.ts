/**
 * What `oco optimize` and the daemon share: every wing's rule table (this layer may import the
 * wings; base/recommend may not) and the run with its thresholds read from configuration.
 */
import type { OcoConfig } from '../base/config/resolve.js';
import type { Rule } from '../base/recommend/model.js';
import { runRecommendations, type RunResult } from '../base/recommend/service.js';
import type { Store } from '../base/store/types.js';
import { CLOUD_RULES } from '../cloud-costs/recommend/rules.js';
import { LLM_RULES } from '../gateway/optimize/rules.js';

/** Every rule, cloud first: a row each (docs/optimize.md lists them). */
export const RECOMMENDATION_RULES: readonly Rule[] = [...CLOUD_RULES, ...LLM_RULES];

export function runOptimize(
  store: Store,
  config: OcoConfig,
  o: { days?: number; rules?: readonly Rule[]; now?: Date } = {},
): Promise<RunResult> {
  return runRecommendations(store, o.rules ?? RECOMMENDATION_RULES, {
    days: o.days ?? config.int('optimize.windowDays'),
    materialChangePercent: config.int('optimize.materialChangePercent'),
    setting: (key) => config.get<string | number>(key),
    now: o.now,
  });
}

export interface OptimizeMonitor {
  /** Run now, unless a run is under way (then that run's data is fresh enough). */
  trigger(): void;
  stop(): Promise<void>;
}

/**
 * The daemon's recommendation runs: every intervalMs, shortly after start, and whenever triggered
 * (after each scheduled cost ingest). Runs never overlap.
 */
export function startOptimizeMonitor(
  store: Store,
  config: OcoConfig,
  o: { intervalMs: number; firstRunMs?: number; onRun?: (r: RunResult) => void; onError?: (err: unknown) => void },
): OptimizeMonitor {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const trigger = () => {
    if (running || stopped) return;
    running = runOptimize(store, config)
      .then((r) => o.onRun?.(r))
      .catch((err) => o.onError?.(err))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(trigger, o.firstRunMs ?? 30_000);
  const timer = setInterval(trigger, o.intervalMs);
  first.unref();
  timer.unref();
  return {
    trigger,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
