import { CONFIG_KEYS } from '../../src/core/base/config/keys.js';
import type { Store } from '../../src/core/base/store/types.js';

/** Configuration defaults, with overrides: what an insight reads as its thresholds. */
export function settings(over: Record<string, string | number> = {}): (key: string) => string | number | undefined {
  const defaults = Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, k.default as string | number | undefined]));
  return (key) => (key in over ? over[key] : defaults[key]);
}

/** YYYY-MM-DD `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export interface Hour {
  hour: string;
  team: string;
  agent: string;
  provider: string;
  model: string;
  requests: number;
  cost: string;
  errors?: number;
  unpriced?: number;
  routed?: number;
  unknownSavings?: number;
  savings?: string;
}

/** One row of the hourly usage rollup, as the gateway's writer keeps it. */
export async function usageHour(store: Store, h: Hour): Promise<void> {
  await store.run(
    `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, errors,
       unpriced_requests, cost_usd, routed_requests, unknown_savings_requests, savings_usd)
     VALUES ($1, 'acme', $2, $3, 'default', $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      h.hour,
      h.team,
      h.agent,
      h.provider,
      h.model,
      h.requests,
      h.errors ?? 0,
      h.unpriced ?? 0,
      h.cost,
      h.routed ?? 0,
      h.unknownSavings ?? 0,
      h.savings ?? '0',
    ],
  );
}

/** One recorded call with its latency (what latency outliers sample). */
export async function callRow(
  store: Store,
  c: { id: string; ts: string; provider: string; model: string; latencyMs: number; errorClass?: string },
): Promise<void> {
  await store.run(
    `INSERT INTO api_requests (id, ts, provider, model, latency_ms, status_code, error_class, cost_usd)
     VALUES ($1, $2, $3, $4, $5, $6, $7, '0.01')`,
    [c.id, c.ts, c.provider, c.model, c.latencyMs, c.errorClass ? 502 : 200, c.errorClass ?? null],
  );
}

/** One daily cloud cost rollup row. */
export async function cloudDay(
  store: Store,
  r: {
    day: string;
    source: string;
    provider: string;
    service: string;
    cost: string;
    currency?: string;
    tags?: Record<string, string> | null;
  },
): Promise<void> {
  await store.run(
    `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, service_category, sub_account_id,
       region_id, billing_currency, tags, billed_cost, effective_cost, list_cost, row_count)
     VALUES ($1, $2, $3, $4, 'Compute', 'acct-1', 'r-1', $5, $6, $7, $7, NULL, 1)`,
    [r.day, r.source, r.provider, r.service, r.currency ?? 'USD', r.tags ?? null, r.cost],
  );
}

/** One finished ingest run. */
export async function ingestRun(
  store: Store,
  r: { id: string; source: string; status: 'succeeded' | 'failed'; startedAt: string; finishedAt: string },
): Promise<void> {
  await store.run(
    `INSERT INTO ingest_runs (id, source, provider, status, started_at, finished_at) VALUES ($1, $2, $2, $3, $4, $5)`,
    [r.id, r.source, r.status, r.startedAt, r.finishedAt],
  );
}
