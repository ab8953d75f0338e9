import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { runAnomalyCheck } from '../../src/core/base/anomaly/monitor.js';
import { anomalyReport, listAnomalies } from '../../src/core/base/anomaly/service.js';
import { money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/core/base/webhook.js';
import { cloudCostSeries } from '../../src/core/cloud-costs/anomaly-series.js';
import { llmSpendSeries } from '../../src/core/gateway/usage/anomaly-series.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { BACKENDS } from '../helpers/stores.js';

const NOW = new Date();
const TODAY = NOW.toISOString().slice(0, 10);
const YESTERDAY = dayAfter(TODAY, -1);
/** 60 days of history up to yesterday. */
const DAYS = Array.from({ length: 60 }, (_, i) => dayAfter(YESTERDAY, i - 59));
const SPIKE_DAY = dayAfter(YESTERDAY, -5);

async function cloudDay(store: Store, day: string, service: string, amount: string): Promise<void> {
  await store.run(
    `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, service_category, sub_account_id,
       region_id, billing_currency, tags, billed_cost, effective_cost, list_cost, row_count)
     VALUES ($1, 'aws:ce', 'aws', $2, 'Compute', '111122223333', 'us-east-1', 'USD', NULL, $3, $3, NULL, 1)`,
    [day, service, amount],
  );
}

function call(day: string, over: Partial<UsageRecord>): UsageRecord {
  return {
    id: `${day}-${over.teamId ?? 'x'}-${Math.random().toString(36).slice(2)}`,
    ts: `${day}T10:17:00.000Z`,
    provider: 'openai',
    model: 'gpt-4o',
    endpoint: '/v1/chat/completions',
    orgId: 'acme',
    teamId: 'docs',
    agentId: 'writer',
    userId: 'default',
    keyId: null,
    tags: [],
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 10,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: '0',
    latencyMs: 10,
    ttfbMs: null,
    statusCode: 200,
    streamed: false,
    estimated: false,
    errorClass: null,
    ...over,
  };
}

describe.each(BACKENDS)('cost anomalies on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    for (const day of DAYS) {
      // EC2 costs 100.10 a day, 412.35 on the spike day; S3 a steady 7.5 that a +20 % blip must not flag.
      await cloudDay(store, day, 'Amazon EC2', day === SPIKE_DAY ? '412.35' : '100.10');
      await cloudDay(store, day, 'Amazon S3', day === SPIKE_DAY ? '9' : '7.5');
      // The docs team spends 20 USD a day, 180.5 on the spike day; the ops team's day-before-yesterday is unpriced.
      const docs = day === SPIKE_DAY ? '180.5' : '20';
      await store.transaction((tx) =>
        writeRecords(tx, [
          call(day, { teamId: 'docs', costUsd: docs }),
          call(day, {
            teamId: 'ops',
            agentId: 'ops-bot',
            model: 'gpt-4o-mini',
            costUsd: day === dayAfter(YESTERDAY, -1) ? null : '30',
          }),
        ]),
      );
    }
    // A new service from three days ago.
    for (const day of [dayAfter(YESTERDAY, -2), dayAfter(YESTERDAY, -1), YESTERDAY])
      await cloudDay(store, day, 'Amazon SageMaker', '95');
    // Yesterday's EC2 figure is an estimate (Cost Explorer's Estimated): a huge one, never judged.
    await store.run(
      `UPDATE cloud_costs_daily SET effective_cost = '5000' WHERE usage_date = $1 AND service_name = $2`,
      [YESTERDAY, 'Amazon EC2'],
    );
    await store.run(
      `INSERT INTO cloud_costs (provider, source, charge_period_start, charge_period_end, usage_date, service_name,
         billed_cost, billing_currency, extra)
       VALUES ('aws', 'aws:ce', $1, $2, $3, 'Amazon EC2', '5000', 'USD', $4)`,
      [`${YESTERDAY}T00:00:00.000Z`, `${TODAY}T00:00:00.000Z`, YESTERDAY, { x_Estimated: 'true' }],
    );
  });
  afterAll(async () => cleanup?.());

  it.skipIf(!backend.available())(
    'finds the spikes and the new service, skips estimated and unpriced days, and re-runs update',
    async () => {
      const sources = [cloudCostSeries, llmSpendSeries];
      const since = dayAfter(TODAY, -30);
      const first = await anomalyReport(store, sources, { since, minImpact: money(50), now: NOW });
      const summary = first.anomalies.map((a) => [a.domain, a.kind, a.firstDay, Object.values(a.labels).join('/')]);
      expect(summary).toEqual(
        expect.arrayContaining([
          ['cloud', 'spike', SPIKE_DAY, 'aws/111122223333/Amazon EC2'],
          ['cloud', 'new-cost', dayAfter(YESTERDAY, -2), 'aws/111122223333/Amazon SageMaker'],
          ['llm', 'spike', SPIKE_DAY, 'docs'],
          ['llm', 'spike', SPIKE_DAY, 'writer'],
        ]),
      );
      // S3's blip is under the minimum impact; the estimated EC2 day and the unpriced ops day are not judged.
      expect(summary.filter((s) => s[3]!.includes('S3') || s[2] === YESTERDAY)).toEqual([]);
      expect(summary.filter((s) => s[3] === 'ops' || s[3] === 'ops-bot' || s[3] === 'gpt-4o-mini')).toEqual([]);
      expect(first.anomalies.every((a) => a.new)).toBe(true);
      const ec2 = first.anomalies.find((a) => a.labels.service === 'Amazon EC2')!;
      expect(ec2).toMatchObject({ actual: '412.35', expected: '100.1', impact: '312.25', currency: 'USD' });
      const sage = first.anomalies.find((a) => a.labels.service === 'Amazon SageMaker')!;
      // New for three days, one event; yesterday is not judged: Cost Explorer marks AWS's whole day estimated.
      expect(sage).toMatchObject({
        firstDay: dayAfter(YESTERDAY, -2),
        lastDay: dayAfter(YESTERDAY, -1),
        impact: '190',
      });

      const again = await anomalyReport(store, sources, { since, minImpact: money(50), now: NOW });
      expect(again.anomalies.map((a) => a.id).sort()).toEqual(first.anomalies.map((a) => a.id).sort());
      expect(again.anomalies.some((a) => a.new)).toBe(false);
      expect(await listAnomalies(store, { since })).toHaveLength(first.anomalies.length);
      const llm = await anomalyReport(store, sources, { since, minImpact: money(50), domain: 'llm', now: NOW });
      expect(llm.anomalies.every((a) => a.domain === 'llm')).toBe(true);
    },
  );

  it.skipIf(!backend.available())('the daemon check sends each recent anomaly once, signed', async () => {
    const got: Array<{ body: string; headers: Record<string, unknown> }> = [];
    let fail = 1;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ body, headers: req.headers });
        res.writeHead(fail-- > 0 ? 503 : 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const options = { minImpact: money(50), webhookUrl: url, secret: 'whsec_anomaly', retryDelaysMs: [10] };
    const sent = await runAnomalyCheck(store, [cloudCostSeries, llmSpendSeries], options, NOW);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    // The first delivery failed once and was retried: one more request than anomalies.
    expect(got).toHaveLength(sent.length + 1);
    for (const g of got) {
      const ts = String(g.headers[TIMESTAMP_HEADER]);
      expect(g.headers[SIGNATURE_HEADER]).toBe(signWebhook('whsec_anomaly', ts, g.body));
      expect(JSON.parse(g.body).type).toBe('cost.anomaly');
    }
    expect(await runAnomalyCheck(store, [cloudCostSeries, llmSpendSeries], options, NOW)).toEqual([]);
    expect(got).toHaveLength(sent.length + 1);
    await new Promise((r) => server.close(r));
  });
});
