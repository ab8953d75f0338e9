import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import type { Insight, InsightContext } from '../../src/core/base/insights/model.js';
import { recommendationInsights } from '../../src/core/base/insights/recommendations.js';
import { insightReport } from '../../src/core/base/insights/service.js';
import { spikeInsights } from '../../src/core/base/insights/spikes.js';
import { money } from '../../src/core/base/money.js';
import type { Candidate, Rule } from '../../src/core/base/recommend/model.js';
import {
  listRecommendations,
  runRecommendations,
  setRecommendationStatus,
} from '../../src/core/base/recommend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { cloudCostSeries } from '../../src/core/cloud-costs/anomaly-series.js';
import { staleIngests, topMovers, untaggedShare } from '../../src/core/cloud-costs/insights.js';
import { llmSpendSeries } from '../../src/core/gateway/usage/anomaly-series.js';
import { latencyOutliers, routingSavings, topSpenders, unpricedCalls } from '../../src/core/gateway/usage/insights.js';
import { INSIGHT_SOURCES } from '../../src/daemon/insight-sources.js';
import { BACKENDS } from '../helpers/stores.js';
import { addDays, callRow, cloudDay, ingestRun, settings, usageHour } from './helpers.js';

/** A fixed "now": yesterday is 2026-11-29. */
const NOW = new Date('2026-11-30T12:00:00.000Z');

function ctx(from: string, to: string, over: Partial<InsightContext> = {}, s: Record<string, number> = {}) {
  return { from: new Date(from), to: new Date(to), now: NOW, setting: settings(s), ...over } as InsightContext;
}

const kinds = (list: Insight[]) => list.map((i) => i.id);

/** A test rule: the candidates it is given (the engine that stores them is the real one). */
function fixedRule(id: string, domain: 'llm' | 'cloud', candidates: Candidate[]): Rule {
  return {
    id,
    domain,
    action: candidates[0]!.action,
    description: id,
    thresholds: [],
    evaluate: async () => candidates,
  };
}

function candidate(over: Partial<Candidate>): Candidate {
  return {
    provider: 'openai',
    account: 'acme',
    resourceId: 'team/search/agent/indexer/model/gpt-4o',
    resourceType: 'llm-agent-model',
    region: null,
    action: 'switch-model',
    title: 'Switch agent indexer (team search) from gpt-4o to gpt-4o-mini',
    rationale: 'short calls',
    currency: 'USD',
    monthlySavings: money('12.5'),
    keyFigure: money('12.5'),
    confidence: 0.6,
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: true,
    evidence: { calls: 100, windowDays: 30 },
    ...over,
  };
}

describe.each(BACKENDS)('insights on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let home: string;

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    home = mkdtempSync(join(tmpdir(), 'oco-insights-'));
    // LLM, 2026-11-20: search/indexer 60.5 on gpt-4o, search/ranker 20.25 on gpt-4o-mini, support/helpdesk
    // 19.25 on claude-x with 5 unpriced calls and 10 routed (3.125 saved, 2 of unknown saving).
    const day = '2026-11-20T10:00:00.000Z';
    await usageHour(store, {
      hour: day,
      team: 'search',
      agent: 'indexer',
      provider: 'openai',
      model: 'gpt-4o',
      requests: 100,
      cost: '60.5',
    });
    await usageHour(store, {
      hour: day,
      team: 'search',
      agent: 'ranker',
      provider: 'openai',
      model: 'gpt-4o-mini',
      requests: 50,
      errors: 1,
      cost: '20.25',
    });
    await usageHour(store, {
      hour: day,
      team: 'support',
      agent: 'helpdesk',
      provider: 'anthropic',
      model: 'claude-x',
      requests: 40,
      cost: '19.25',
      unpriced: 5,
      routed: 10,
      unknownSavings: 2,
      savings: '3.125',
    });
    // steady/cron spends 10 a day on gpt-4o-mini from 2026-10-01 to 2026-11-29, 95 on 2026-11-25.
    for (let d = '2026-10-01'; d <= '2026-11-29'; d = addDays(d, 1))
      await usageHour(store, {
        hour: `${d}T03:00:00.000Z`,
        team: 'steady',
        agent: 'cron',
        provider: 'openai',
        model: 'gpt-4o-mini',
        requests: 10,
        cost: d === '2026-11-25' ? '95' : '10',
      });
    // Latency: gpt-4o 27 calls at 100 ms and 3 at 900 ms; gpt-4o-mini 30 calls from 200 to 229 ms, plus a failed
    // call of 5 s (failures are not latency) and a slow call before the window.
    for (let i = 0; i < 30; i++) {
      const ts = `2026-11-20T10:${String(i).padStart(2, '0')}:00.000Z`;
      await callRow(store, { id: `a${i}`, ts, provider: 'openai', model: 'gpt-4o', latencyMs: i < 27 ? 100 : 900 });
      await callRow(store, { id: `b${i}`, ts, provider: 'openai', model: 'gpt-4o-mini', latencyMs: 200 + i });
    }
    await callRow(store, {
      id: 'b-failed',
      ts: '2026-11-20T11:00:00.000Z',
      provider: 'openai',
      model: 'gpt-4o-mini',
      latencyMs: 5000,
      errorClass: 'upstream_timeout',
    });
    await callRow(store, {
      id: 'b-old',
      ts: '2026-10-20T11:00:00.000Z',
      provider: 'openai',
      model: 'gpt-4o-mini',
      latencyMs: 9000,
    });

    // Cloud, through 2026-11-28: aws EC2 (tagged) 100 a day the week of 11-15, 150 the week of 11-22; aws S3
    // (untagged) a steady 20; gcp BigQuery (a source without tags) 40 EUR a day, then nothing; azure VMs (tagged)
    // 10 a day from 11-22.
    for (let d = '2026-11-15'; d <= '2026-11-28'; d = addDays(d, 1)) {
      const second = d >= '2026-11-22';
      await cloudDay(store, {
        day: d,
        source: 'aws',
        provider: 'aws',
        service: 'Amazon EC2',
        cost: second ? '150' : '100',
        tags: { team: 'search' },
      });
      await cloudDay(store, { day: d, source: 'aws', provider: 'aws', service: 'Amazon S3', cost: '20' });
      if (!second)
        await cloudDay(store, {
          day: d,
          source: 'gcp',
          provider: 'gcp',
          service: 'BigQuery',
          cost: '40',
          currency: 'EUR',
        });
      else
        await cloudDay(store, {
          day: d,
          source: 'azure',
          provider: 'azure',
          service: 'Virtual Machines',
          cost: '10',
          tags: { env: 'prod' },
        });
    }
    // Ingests: aws last succeeded 72 h before now; gcp only ever failed; azure succeeded but is not configured.
    await ingestRun(store, {
      id: 'r1',
      source: 'aws',
      status: 'succeeded',
      startedAt: '2026-11-27T11:50:00.000Z',
      finishedAt: '2026-11-27T12:00:00.000Z',
    });
    await ingestRun(store, {
      id: 'r2',
      source: 'gcp',
      status: 'failed',
      startedAt: '2026-11-30T06:00:00.000Z',
      finishedAt: '2026-11-30T06:01:00.000Z',
    });
    await ingestRun(store, {
      id: 'r3',
      source: 'azure',
      status: 'succeeded',
      startedAt: '2026-11-01T06:00:00.000Z',
      finishedAt: '2026-11-01T06:01:00.000Z',
    });

    // Recommendations stored by the real engine a day ago: a model switch, failed-call waste, commitment coverage
    // with unknown savings, a rightsize (no insight kind) and a dismissed model switch.
    const before = new Date(NOW.getTime() - 86_400_000);
    await runRecommendations(
      store,
      [
        fixedRule('t-switch', 'llm', [
          candidate({}),
          candidate({
            resourceId: 'team/search/agent/ranker/model/gpt-4o',
            title: 'Switch agent ranker (team search) from gpt-4o to gpt-4o-mini',
            monthlySavings: money('3'),
            keyFigure: money('3'),
          }),
        ]),
        fixedRule('t-fail', 'llm', [
          candidate({
            action: 'reduce-failures',
            resourceId: 'team/support/agent/helpdesk/model/claude-x',
            provider: 'anthropic',
            title: 'Fix failing calls of agent helpdesk (team support) on claude-x',
            monthlySavings: money('4.2'),
            keyFigure: money('4.2'),
            evidence: { failedCalls: 7, failedCostUsd: '4.2', windowDays: 30 },
          }),
        ]),
        fixedRule('t-commit', 'cloud', [
          candidate({
            provider: 'aws',
            account: 'acct-1',
            resourceId: null,
            resourceType: 'compute-commitment',
            action: 'purchase-commitment',
            title: 'Cover 3.5 USD an hour of on-demand compute with a commitment',
            monthlySavings: null,
            keyFigure: money('2520'),
            evidence: { floorPerDay: '84', windowDays: 30 },
          }),
        ]),
        fixedRule('t-size', 'cloud', [
          candidate({ provider: 'aws', action: 'rightsize', resourceId: 'i-1', title: 'Rightsize i-1' }),
        ]),
      ],
      { days: 30, materialChangePercent: 20, setting: settings(), now: before },
    );
    const ranker = (await listRecommendations(store)).find((r) => r.title.includes('ranker'))!;
    await setRecommendationStatus(store, ranker.id, 'dismissed', 'needs gpt-4o', before);
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it.skipIf(!backend.available())('top spenders: teams and agents with their share of the window', async () => {
    const list = await topSpenders.evaluate(
      store,
      ctx('2026-11-20T00:00:00.000Z', '2026-11-21T00:00:00.000Z', {}, { 'insights.topSpenders': 2 }),
    );
    // Total 110 (cron's 10 included): search 80.75 = 73.41 %, support 19.25 = 17.5 %; steady (10) is third.
    expect(list.map((i) => [i.id, i.severity, i.impact, i.numbers.sharePercent, i.numbers.rank])).toEqual([
      ['top-spender:team=search', 'warning', '80.75', '73.41', 1],
      ['top-spender:team=support', 'info', '19.25', '17.5', 2],
      ['top-spender:agent=indexer', 'warning', '60.5', '55', 1],
      ['top-spender:agent=ranker', 'info', '20.25', '18.41', 2],
    ]);
    expect(list[1]).toMatchObject({
      domain: 'llm',
      kind: 'top-spender',
      currency: 'USD',
      numbers: { team: 'support', totalCostUsd: '110', calls: 40, unpricedCalls: 5, totalUnpricedCalls: 5 },
      period: { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' },
      action: 'oco spend summary --by team --since 2026-11-20T00:00:00.000Z --until 2026-11-21T00:00:00.000Z',
    });
    // A window without spend: none.
    expect(await topSpenders.evaluate(store, ctx('2026-09-01T00:00:00.000Z', '2026-09-30T00:00:00.000Z'))).toEqual([]);
  });

  it.skipIf(!backend.available())('routing savings and unpriced calls from the rollup', async () => {
    const c = ctx('2026-11-01T00:00:00.000Z', NOW.toISOString());
    expect(await routingSavings.evaluate(store, c)).toEqual([
      {
        id: 'routing-savings',
        domain: 'llm',
        kind: 'routing-savings',
        severity: 'info',
        title: 'Smart routing saved 3.125 USD over 10 calls (2 more with unknown savings)',
        impact: '3.125',
        currency: 'USD',
        numbers: { routedCalls: 10, savingsUsd: '3.125', unknownSavingsCalls: 2 },
        period: { from: '2026-11-01T00:00:00.000Z', to: NOW.toISOString() },
        action: 'oco spend requests --routed',
      },
    ]);
    const unpriced = await unpricedCalls.evaluate(store, c);
    // claude-x only: the openai models are priced.
    expect(unpriced).toMatchObject([
      {
        id: 'unpriced-calls:anthropic/claude-x',
        severity: 'warning',
        impact: null,
        numbers: { provider: 'anthropic', model: 'claude-x', unpricedCalls: 5, calls: 40 },
        action: 'oco pricing unpriced',
      },
    ]);
    // Before any routed or unpriced call: none.
    const early = ctx('2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z');
    expect(await routingSavings.evaluate(store, early)).toEqual([]);
    expect(await unpricedCalls.evaluate(store, early)).toEqual([]);
  });

  it.skipIf(!backend.available())('latency outliers: p95 against the median of recent successful calls', async () => {
    const list = await latencyOutliers.evaluate(store, ctx('2026-11-01T00:00:00.000Z', NOW.toISOString()));
    // gpt-4o: 30 samples, median 100, p95 (29th of 30) 900 = 9×; gpt-4o-mini's 229 ms p95 is 1.07× its median,
    // and neither its failed 5 s call nor its 9 s call before the window counts.
    expect(list).toMatchObject([
      {
        id: 'latency-outlier:openai/gpt-4o',
        severity: 'warning',
        impact: null,
        numbers: { samples: 30, medianMs: 100, p95Ms: 900, maxMs: 900, slowCalls: 3, ratio: 3 },
      },
    ]);
    // A higher ratio than 9: none; more samples than there are: none.
    const c = (s: Record<string, number>) => ctx('2026-11-01T00:00:00.000Z', NOW.toISOString(), {}, s);
    expect(await latencyOutliers.evaluate(store, c({ 'insights.latencyOutlierRatio': 10 }))).toEqual([]);
    expect(await latencyOutliers.evaluate(store, c({ 'insights.latencyMinSamples': 31 }))).toEqual([]);
  });

  it.skipIf(!backend.available())('cost spikes from the anomaly detector, not stored', async () => {
    const list = await spikeInsights([llmSpendSeries, cloudCostSeries]).evaluate(
      store,
      ctx('2026-11-22T00:00:00.000Z', NOW.toISOString()),
    );
    // cron's 95 on 11-25 against its steady 10: excess 85 for its team, its agent and its model.
    expect(list.map((i) => [i.id, i.severity, i.impact, i.numbers.lastDayCost, i.numbers.expectedCost])).toEqual([
      ['cost-spike:llm:team=steady:2026-11-25', 'critical', '85', '95', '10'],
      ['cost-spike:llm:agent=cron:2026-11-25', 'critical', '85', '95', '10'],
      ['cost-spike:llm:model=gpt-4o-mini:2026-11-25', 'critical', '85', '95', '10'],
    ]);
    expect(list[0]).toMatchObject({
      period: { from: '2026-11-25T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' },
      action: 'oco anomalies --domain llm --since 2026-11-25',
    });
    // A window after it: none (the detector's minimum impact keeps the rest quiet).
    expect(
      await spikeInsights([llmSpendSeries]).evaluate(store, ctx('2026-11-26T00:00:00.000Z', NOW.toISOString())),
    ).toEqual([]);
  });

  it.skipIf(!backend.available())('recommendations: open ones of the mapped actions, seen in the window', async () => {
    const list = await recommendationInsights.evaluate(store, ctx('2026-11-01T00:00:00.000Z', NOW.toISOString()));
    // The dismissed ranker switch and the rightsize are not insights.
    expect(list.map((i) => [i.kind, i.domain, i.impact, i.severity]).sort()).toEqual([
      ['commitment-coverage', 'cloud', null, 'info'],
      ['error-waste', 'llm', '4.2', 'warning'],
      ['model-switch', 'llm', '12.5', 'info'],
    ]);
    const waste = list.find((i) => i.kind === 'error-waste')!;
    expect(waste).toMatchObject({
      numbers: { failedCalls: 7, failedCostUsd: '4.2', monthlySavings: '4.2' },
      period: { from: '2026-10-30T12:00:00.000Z', to: '2026-11-29T12:00:00.000Z' },
      action: 'oco optimize report --domain llm --provider anthropic',
    });
    // Last seen before the window: none.
    expect(await recommendationInsights.evaluate(store, ctx('2026-11-30T00:00:00.000Z', NOW.toISOString()))).toEqual(
      [],
    );
  });

  it.skipIf(!backend.available())('top movers week over week from the daily rollup', async () => {
    const c = (s: Record<string, number> = {}) => ctx('2026-11-01T00:00:00.000Z', NOW.toISOString(), {}, s);
    const list = await topMovers.evaluate(store, c({ 'insights.topMovers': 2 }));
    // Weeks 11-15..11-21 and 11-22..11-28 (the last day with data): EC2 700 → 1050, BigQuery 280 EUR → 0; S3 did
    // not move, azure's +70 is third.
    expect(list).toEqual([
      {
        id: 'top-mover:aws/Amazon EC2/USD:2026-11-28',
        domain: 'cloud',
        kind: 'top-mover',
        severity: 'warning',
        title: 'aws Amazon EC2 up 350 USD week over week (+50%)',
        impact: '350',
        currency: 'USD',
        numbers: {
          provider: 'aws',
          service: 'Amazon EC2',
          thisWeek: '1050',
          lastWeek: '700',
          change: '350',
          changePercent: '50',
        },
        period: { from: '2026-11-15T00:00:00.000Z', to: '2026-11-29T00:00:00.000Z' },
        action: 'oco costs summary --by service --provider aws --from 2026-11-15 --to 2026-11-28',
      },
      expect.objectContaining({
        id: 'top-mover:gcp/BigQuery/EUR:2026-11-28',
        severity: 'info',
        impact: '-280',
        title: 'gcp BigQuery down 280 EUR week over week (-100%)',
      }),
    ]);
    const all = await topMovers.evaluate(store, c());
    expect(all.map((i) => i.id)).toEqual([
      'top-mover:aws/Amazon EC2/USD:2026-11-28',
      'top-mover:gcp/BigQuery/EUR:2026-11-28',
      'top-mover:azure/Virtual Machines/USD:2026-11-28',
    ]);
    expect(all[2]).toMatchObject({ severity: 'warning', numbers: { lastWeek: '0', changePercent: null } });
    // Before any cloud cost: none.
    expect(await topMovers.evaluate(store, ctx('2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'))).toEqual([]);
  });

  it.skipIf(!backend.available())('untagged share, only where a source stores tags', async () => {
    const list = await untaggedShare.evaluate(store, ctx('2026-11-15T00:00:00.000Z', NOW.toISOString()));
    // aws: S3's 280 of 2030 untagged = 13.79 % (≥ 10 %); gcp stores no tags at all; azure is all tagged.
    expect(list).toEqual([
      {
        id: 'untagged-share:aws/USD',
        domain: 'cloud',
        kind: 'untagged-share',
        severity: 'info',
        title: '13.79% of aws cost is untagged (280 of 2030 USD)',
        impact: '280',
        currency: 'USD',
        numbers: { provider: 'aws', untaggedCost: '280', totalCost: '2030', untaggedPercent: '13.79' },
        period: { from: '2026-11-15T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' },
        action: 'oco costs summary --by account --provider aws --from 2026-11-15 --to 2026-11-29',
      },
    ]);
    const strict = ctx('2026-11-15T00:00:00.000Z', NOW.toISOString(), {}, { 'optimize.untaggedMinPercent': 14 });
    expect(await untaggedShare.evaluate(store, strict)).toEqual([]);
  });

  it.skipIf(!backend.available())('stale ingests of configured providers', async () => {
    const config = OcoConfig.load({
      env: {
        OCO_HOME: home,
        HOME: home,
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example-secret',
        OCO_GCP_BILLING_TABLE: 'proj.billing.export',
        GOOGLE_APPLICATION_CREDENTIALS: join(home, 'key.json'),
      },
    });
    const list = await staleIngests.evaluate(store, ctx('2026-11-01T00:00:00.000Z', NOW.toISOString(), { config }));
    // aws: 72 h > 48 h; gcp: configured, never succeeded; azure: not configured.
    expect(list).toEqual([
      {
        id: 'stale-ingest:aws',
        domain: 'cloud',
        kind: 'stale-ingest',
        severity: 'warning',
        title: 'aws costs were last ingested 72 hours ago (more than 48)',
        impact: null,
        currency: null,
        numbers: {
          provider: 'aws',
          lastSuccessAt: '2026-11-27T12:00:00.000Z',
          ageHours: 72,
          maxAgeHours: 48,
          lastRunStatus: 'succeeded',
        },
        period: { from: '2026-11-27T12:00:00.000Z', to: NOW.toISOString() },
        action: 'oco costs ingest --aws',
      },
      expect.objectContaining({
        id: 'stale-ingest:gcp',
        severity: 'critical',
        numbers: expect.objectContaining({ lastSuccessAt: null, ageHours: null, lastRunStatus: 'failed' }),
        action: 'oco costs ingest --gcp',
      }),
    ]);
    // A longer threshold: aws is fresh; gcp still never ingested.
    const relaxed = ctx('2026-11-01T00:00:00.000Z', NOW.toISOString(), { config }, { 'insights.staleIngestHours': 72 });
    expect(kinds(await staleIngests.evaluate(store, relaxed))).toEqual(['stale-ingest:gcp']);
  });

  it.skipIf(!backend.available())('the report: every table, filtered, largest impact first, unknown last', async () => {
    const q = { from: new Date('2026-11-15T00:00:00.000Z'), to: NOW };
    const all = await insightReport(store, INSIGHT_SOURCES, q, { now: NOW, setting: settings() });
    const impacts = all.insights.map((i) => i.impact);
    const known = impacts.filter((v): v is string => v !== null);
    expect(impacts.slice(0, known.length)).toEqual(known);
    expect(impacts.slice(known.length).every((v) => v === null)).toBe(true);
    for (let i = 1; i < known.length; i++)
      expect(
        money(known[i - 1]!)
          .abs()
          .gte(money(known[i]!).abs()),
      ).toBe(true);
    expect(all.counts.critical + all.counts.warning + all.counts.info).toBe(all.insights.length);
    // EC2's +350 leads; no config: no stale-ingest insight.
    expect(all.insights[0]!.id).toBe('top-mover:aws/Amazon EC2/USD:2026-11-28');
    expect(all.insights.some((i) => i.kind === 'stale-ingest')).toBe(false);

    const llm = await insightReport(
      store,
      INSIGHT_SOURCES,
      { ...q, domain: 'llm', minImpact: money(50) },
      { now: NOW, setting: settings() },
    );
    expect(llm.insights.every((i) => i.domain === 'llm')).toBe(true);
    // At least 50 known (cron's spikes, the top spenders) or unknown (unpriced, latency).
    expect(llm.insights.filter((i) => i.impact !== null && money(i.impact).lt(50))).toEqual([]);
    expect(llm.insights.map((i) => i.kind)).toEqual(expect.arrayContaining(['cost-spike', 'unpriced-calls']));
    expect(llm.minImpact).toBe('50');
  });
});
