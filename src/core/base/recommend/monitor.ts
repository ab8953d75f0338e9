/**
 * Running the rules with their thresholds from configuration, once (`oco optimize run`) or on the
 * daemon's timer. Rule tables are passed in by the command and the daemon (base knows no wing).
 */
import type { OcoConfig } from '../config/resolve.js';
import type { Store } from '../store/types.js';
import type { Rule } from './model.js';
import { runRecommendations, type RunResult } from './service.js';
import { startPeriodic, type PeriodicRun } from '../periodic.js';

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

/** Run now unless a run is under way, and stop. */
export type RecommendationMonitor = PeriodicRun;

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
  return startPeriodic(() => runConfigured(store, rules, config).then((r) => o.onRun?.(r)), {
    intervalMs: o.intervalMs,
    firstRunMs: o.firstRunMs ?? 30_000,
    onError: o.onError,
  });
}
