/**
 * The report suites' data, written by the gateway's and the cloud importer's own writers: two weeks of LLM calls and
 * cloud costs (USD and EUR with a rate), the two weeks before as the comparison period, and a budget's spend.
 */
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import type { CostRow } from '../../src/core/cloud-costs/model.js';
import { setRate } from '../../src/core/cloud-costs/rates.js';
import { startRun } from '../../src/core/cloud-costs/runs.js';
import { replaceSourceRows } from '../../src/core/cloud-costs/writer.js';
import { writeSpendEvents } from '../../src/core/gateway/spend/repo.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
export const FROM = '2026-10-01';
export const LAST = '2026-10-14';
export const PREV_FROM = '2026-09-17';
export const TEAMS = ['payments', 'search', 'ops'];
const AGENTS = ['bot', 'indexer'];
export const MODELS = ['gpt-4o', 'claude-sonnet-4-5'];

/** Deterministic, awkward decimals: a sum in floats would lose digits. */
function callCost(i: number): string {
  return `0.${String((i * 7919) % 1_000_000).padStart(6, '0')}${i % 3}`;
}

export function calls(): UsageRecord[] {
  const out: UsageRecord[] = [];
  let i = 0;
  for (let day = PREV_FROM; day <= LAST; day = dayAfter(day)) {
    const current = day >= FROM;
    for (let n = 0; n < (current ? 6 : 4); n++) {
      i++;
      // two calls share each timestamp, so the cursor's tie-break on id is exercised
      const ts = new Date(Date.parse(`${day}T10:00:00.000Z`) + Math.floor(n / 2) * 60_000).toISOString();
      out.push({
        id: `call-${String(i).padStart(5, '0')}`,
        ts,
        provider: n % 2 ? 'anthropic' : 'openai',
        model: MODELS[n % 2]!,
        endpoint: '/v1/chat/completions',
        orgId: 'acme',
        teamId: TEAMS[i % 3]!,
        agentId: AGENTS[i % 2]!,
        userId: 'u1',
        // some calls through virtual keys, some tagged (one tag or two): the key and tag cuts
        keyId: i % 4 === 0 ? 'key_ci' : i % 4 === 1 ? 'key_web' : null,
        tags: i % 3 === 0 ? ['batch'] : i % 5 === 0 ? ['batch', 'eval'] : [],
        inputTokens: 100 + i,
        cachedInputTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        outputTokens: 10 + (i % 5),
        reasoningTokens: 0,
        toolPromptTokens: 0,
        // one unpriced call a day: never counted as $0
        costUsd: n === 5 ? null : callCost(i),
        latencyMs: 100,
        ttfbMs: 50,
        statusCode: 200,
        streamed: false,
        estimated: false,
        errorClass: null,
      });
    }
  }
  return out;
}

function costRow(day: string, over: Partial<CostRow>): CostRow {
  return {
    billingAccountId: 'billing-1',
    subAccountId: 'acct-1',
    subAccountName: null,
    chargePeriodStart: `${day}T00:00:00.000Z`,
    chargePeriodEnd: `${dayAfter(day)}T00:00:00.000Z`,
    usageDate: day,
    chargeCategory: 'Usage',
    chargeDescription: null,
    serviceName: 'Compute',
    serviceCategory: 'Compute',
    resourceId: null,
    resourceName: null,
    resourceType: null,
    regionId: 'eu-west-1',
    skuId: null,
    pricingQuantity: null,
    pricingUnit: null,
    consumedQuantity: null,
    consumedUnit: null,
    billedCost: '0',
    effectiveCost: null,
    listCost: null,
    contractedCost: null,
    billingCurrency: 'USD',
    tags: null,
    extra: null,
    ...over,
  };
}

export async function seed(store: Store): Promise<void> {
  await store.transaction((tx) => writeRecords(tx, calls()));
  const rows: CostRow[] = [];
  let i = 0;
  for (let day = PREV_FROM; day <= LAST; day = dayAfter(day)) {
    const late = day >= '2026-10-08';
    for (const [provider, service, account, currency] of [
      ['aws', 'Amazon EC2', '1111', 'USD'],
      ['aws', 'Amazon S3', '1111', 'USD'],
      ['aws', 'Amazon EC2', '2222', 'USD'],
      ['azure', 'Virtual Machines', 'sub-1', 'EUR'],
    ] as const) {
      i++;
      // EC2 in account 2222 jumps in the last week: a week-over-week mover
      const base = money(`${10 + (i % 7)}.${String(i * 37).padStart(4, '0')}`);
      const amount = service === 'Amazon EC2' && account === '2222' && late ? base.times(3) : base;
      rows.push(
        costRow(day, {
          provider,
          serviceName: service,
          subAccountId: account,
          billingCurrency: currency,
          billedCost: amount.toFixed(),
          effectiveCost: amount.minus('0.0001').toFixed(),
          resourceId: `${provider}-res-${i % 3}`,
        }),
      );
    }
  }
  const runId = await startRun(store, { source: 'focus:test', provider: 'aws' });
  await replaceSourceRows(
    store,
    { provider: 'aws', source: 'focus:test', runId },
    (async function* () {
      yield rows;
    })(),
  );
  await setRate(store, 'EUR', '1.08');
  // 9 of a 10 USD budget spent now: near its limit (≥ 80 %)
  const now = new Date();
  await writeSpendEvents(store, [
    {
      requestId: 'budget-1',
      ts: now,
      expiresAt: now,
      state: 'settled',
      provider: 'openai',
      model: 'gpt-4o',
      orgId: 'acme',
      teamId: 'payments',
      agentId: 'bot',
      userId: 'u1',
      keyId: null,
      tags: [],
      reservedUsd: money('9'),
      costUsd: money('9'),
      unpriced: false,
      overshootUsd: null,
    },
  ]);
}
