/**
 * Running the rules with their thresholds from configuration, once (`oco optimize run`) or on the
 * daemon's timer. Rule tables are passed in by the command and the daemon (base knows no wing).
 */
import type { OcoConfig } from '../config/resolve.js';
import type { Store } from '../store/types.js';
import type { Rule } from './model.js';
import { runRecommendations, type RunResult } from './service.js';

export function runConfigured(
  store: Store,
  rules: readonly Rule[],
  config: OcoConfig,
  o: { days?: number; now?: Date } = {},
): Promise<RunResult> {
  return runRecommendations(store, rules, {
    days: o.days ?? config.int('optimize.windowDays'),
    materialChangePercent: config.int('optimize.materialChangePercent'),
    setting: (key) => config.get<string | number>(key),
    now: o.now,
  });
}

export interface RecommendationMonitor {
  /** Run now, unless a run is under way (its data is then fresh enough). */
  trigger(): void;
  stop(): Promise<void>;
}

/**
 * The daemon's recommendation runs: every intervalMs, shortly after start, and whenever triggered
 * (after each scheduled cost ingest). Runs never overlap.
 */
export function startRecommendationMonitor(
  store: Store,
  rules: readonly Rule[],
  config: OcoConfig,
  o: { intervalMs: number; firstRunMs?: number; onRun?: (r: RunResult) => void; onError?: (err: unknown) => void },
): RecommendationMonitor {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const trigger = () => {
    if (running || stopped) return;
    running = runConfigured(store, rules, config)
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
