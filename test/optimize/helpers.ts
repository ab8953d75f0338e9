import { CONFIG_KEYS } from '../../src/core/base/config/keys.js';
import type { Store } from '../../src/core/base/store/types.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';

/** Configuration defaults, with overrides: what a rule reads as its thresholds. */
export function settings(over: Record<string, string | number> = {}): (key: string) => string | number | undefined {
  const defaults = Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, k.default as string | number | undefined]));
  return (key) => (key in over ? over[key] : defaults[key]);
}

/** YYYY-MM-DD `n` days before `day`. */
export function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

export interface CostLine {
  provider?: string;
  account?: string;
  resourceId?: string | null;
  resourceType?: string | null;
  region?: string;
  sku?: string | null;
  description?: string | null;
  unit?: string | null;
  quantity?: string | null;
  cost: string;
  currency?: string;
  serviceCategory?: string;
  /** Other FOCUS columns, as the FOCUS import keeps them. */
  extra?: Record<string, string>;
}

/** One cost line a day, for each of `days` (YYYY-MM-DD), in cloud_costs. */
export async function costLines(store: Store, days: string[], l: CostLine): Promise<void> {
  for (const day of days) {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
    await store.run(
      `INSERT INTO cloud_costs (provider, source, sub_account_id, charge_period_start, charge_period_end, usage_date,
         charge_category, service_name, resource_id, resource_type, region_id, sku_id, charge_description,
         consumed_quantity, consumed_unit, billed_cost, effective_cost, billing_currency, service_category, extra)
       VALUES ($1, $2, $3, $4, $5, $6, 'Usage', $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18)`,
      [
        l.provider ?? 'aws',
        `${l.provider ?? 'aws'}:test`,
        l.account ?? '111122223333',
        `${day}T00:00:00.000Z`,
        next,
        day,
        'Compute',
        l.resourceId ?? null,
        l.resourceType ?? null,
        l.region ?? 'us-east-1',
        l.sku ?? null,
        l.description ?? null,
        l.quantity ?? null,
        l.unit ?? null,
        l.cost,
        l.currency ?? 'USD',
        l.serviceCategory ?? null,
        l.extra ? JSON.stringify(l.extra) : null,
      ],
    );
  }
}

/** One daily rollup row (what untagged-spend reads). */
export async function dailyRow(
  store: Store,
  day: string,
  r: { source: string; provider: string; account: string; tags: Record<string, string> | null; cost: string },
): Promise<void> {
  await store.run(
    `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, sub_account_id, billing_currency,
       tags, billed_cost, effective_cost, row_count)
     VALUES ($1, $2, $3, 'Compute', $4, 'USD', $5, $6, $6, 1)`,
    [day, r.source, r.provider, r.account, r.tags, r.cost],
  );
}

/** One hourly usage rollup row (what switch-model reads). */
export async function usageHour(
  store: Store,
  hour: string,
  r: { team: string; agent: string; provider: string; model: string; requests: number; input: number; output: number },
): Promise<void> {
  await store.run(
    `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, input_tokens,
       output_tokens, cost_usd)
     VALUES ($1, 'acme', $2, $3, 'default', $4, $5, $6, $7, $8, '0')`,
    [hour, r.team, r.agent, r.provider, r.model, r.requests, r.input, r.output],
  );
}

export function call(ts: string, over: Partial<UsageRecord>): UsageRecord {
  return {
    id: `c-${Math.random().toString(36).slice(2)}`,
    ts,
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    endpoint: '/v1/messages',
    orgId: 'acme',
    teamId: 'ops',
    agentId: 'bot',
    userId: 'default',
    keyId: null,
    tags: [],
    inputTokens: 5000,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 800,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: '0.027',
    latencyMs: 900,
    ttfbMs: null,
    statusCode: 200,
    streamed: false,
    estimated: false,
    errorClass: null,
    ...over,
  };
}
