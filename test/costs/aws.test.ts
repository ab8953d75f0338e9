import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { runIngest } from '../../src/core/cloud-costs/ingest.js';
import { listRuns } from '../../src/core/cloud-costs/runs.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { Money } from '../../src/core/base/money.js';
import { addDays, addMonths, todayUtc } from '../../src/core/cloud-costs/model.js';
import { awsProvider, costExplorerDays } from '../../src/core/cloud-costs/providers/aws/fetch.js';
import { replaceSourceRows } from '../../src/core/cloud-costs/writer.js';
import { startRun } from '../../src/core/cloud-costs/runs.js';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostAndUsageWithResourcesCommand,
} from '@aws-sdk/client-cost-explorer';
import type { Store } from '../../src/core/base/store/types.js';
import {
  pagesFromRecords,
  startFakeCostExplorer,
  type CeRecord,
  type FakeCostExplorer,
} from '../fakes/aws/cost-explorer.js';
import { loadCeModel, providerFixture, validateShape } from '../fakes/aws/model.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { ownStderr } from './helpers.js';
import { BACKENDS } from '../helpers/stores.js';

const AKID = 'AKIAOCOTESTKEY000001';
const SECRET = 'oco-test-secret/This+Must+Never+Leak';

/** The SDK's own variables, pointing at the fake; shared config files and IMDS switched off so nothing else answers. */
function awsEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_ENDPOINT_URL_COST_EXPLORER: url,
    AWS_CONFIG_FILE: '/nonexistent/oco-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/oco-aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** A day relative to today (UTC): Cost Explorer only serves the last 13 months, so fixed dates would age out of it. */
const dayFromToday = (n: number) => addDays(todayUtc(), n);

/**
 * The fixture pages are dated 2026-07-01..03; they are moved to days 40..38 before today, since
 * Cost Explorer (and its fake) refuses daily data older than 13 months.
 */
const [D1, D2, D3, D31] = [dayFromToday(-40), dayFromToday(-39), dayFromToday(-38), dayFromToday(-10)];
const MOVED: Record<string, string> = { '2026-07-01': D1, '2026-07-02': D2, '2026-07-03': D3 };
const recent = (file: string): object =>
  JSON.parse(JSON.stringify(providerFixture(file)).replace(/2026-07-0[123]/g, (d) => MOVED[d]!));

function records(days: number, perDay: number, seed = 11, start = dayFromToday(-60)): CeRecord[] {
  let s = seed;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 4294967296) * n);
  };
  const services = [
    'Amazon Elastic Compute Cloud - Compute',
    'Amazon Simple Storage Service',
    'AWS Lambda',
    'Amazon Relational Database Service',
    'Brand New AWS Service',
  ];
  const out: CeRecord[] = [];
  for (let d = 0; d < days; d++) {
    const day = addDays(start, d);
    for (let i = 0; i < perDay; i++) {
      const amount = `${rnd(500)}.${String(rnd(1e9)).padStart(9, '0')}${rnd(10)}`;
      out.push({
        day,
        service: services[i % services.length]!,
        account: `11112222${String(i).padStart(4, '0')}`,
        unblended: rnd(40) === 0 ? `-${amount}` : amount,
        amortized: amount,
        usage: String(rnd(100)),
      });
    }
  }
  return out;
}

describe('AWS Cost Explorer ingest through the CLI (SQLite)', () => {
  let fake: FakeCostExplorer;
  let home: TempHome;
  beforeAll(async () => {
    fake = await startFakeCostExplorer({
      credentials: { [AKID]: SECRET },
      pages: {
        GetCostAndUsage: [
          recent('aws-ce-get-cost-and-usage.page1.json'),
          recent('aws-ce-get-cost-and-usage.page2.json'),
        ],
      },
      faults: [{ atCall: 1, type: 'LimitExceededException', message: 'Rate exceeded' }],
    });
    home = tempHome();
  });
  afterAll(async () => {
    await fake?.close();
    home?.cleanup();
  });

  it('pages through NextPageToken, retries LimitExceededException, counts paid requests, stores exact amounts', async () => {
    const args = ['costs', 'ingest', '--aws', '--aws-group-by', 'tag:team', '--from', D1, '--to', D2, '--json'];
    const r = await runOco(args, { home: home.path, env: awsEnv(fake.url), timeoutMs: 60_000 });
    expect(ownStderr(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.window).toEqual({ from: D1, to: D3 });
    expect(out.providers).toHaveLength(1);
    // One throttled attempt plus two pages: three requests reached AWS.
    expect(out.providers[0]).toMatchObject({
      provider: 'aws',
      status: 'succeeded',
      rows: 3,
      requests: 3,
      costUsd: '0.03',
    });
    expect(fake.requests.map((q) => [q.operation, q.status, q.error])).toEqual([
      ['GetCostAndUsage', 400, 'LimitExceededException'],
      ['GetCostAndUsage', 200, undefined],
      ['GetCostAndUsage', 200, undefined],
    ]);
    const model = loadCeModel();
    for (const q of fake.requests) {
      expect(validateShape(model, 'GetCostAndUsageRequest', q.body)).toEqual([]);
      expect(q.accessKeyId).toBe(AKID);
    }
    expect(fake.requests[1]!.body).toEqual({
      TimePeriod: { Start: D1, End: D3 },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost', 'AmortizedCost', 'NetAmortizedCost', 'UsageQuantity'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'TAG', Key: 'team' },
      ],
    });
    expect(fake.requests[2]!.body.NextPageToken).toBe('synthetic-token-1');

    const s = await runOco(['costs', 'summary', '--by', 'tag:team', '--metric', 'billed', '--json'], {
      home: home.path,
    });
    const summary = s.json();
    // 41.2039871234 + 0.0000023 - 5.00, to the last digit.
    expect(summary.total.byCurrency).toEqual({ USD: '36.2039894234' });
    expect(summary.rows.map((x: { key: string | null; costUsd: string }) => [x.key, x.costUsd])).toEqual([
      ['payments', '36.2039871234'],
      [null, '0.0000023'],
    ]);
    const eff = (await runOco(['costs', 'summary', '--by', 'service', '--json'], { home: home.path })).json();
    expect(eff.total.costUsd).toBe('30.0000023');

    // The same window again: replaced, not duplicated.
    const again = await runOco(args, { home: home.path, env: awsEnv(fake.url), timeoutMs: 60_000 });
    expect(again.json().providers[0]).toMatchObject({ rows: 3, requests: 2 });
    const after = (
      await runOco(['costs', 'summary', '--by', 'provider', '--metric', 'billed', '--json'], { home: home.path })
    ).json();
    expect(after.total).toMatchObject({ rows: 3, byCurrency: { USD: '36.2039894234' } });

    // Runs are recorded, and the secret is nowhere: not in output, the database file or its WAL.
    const runs = (await runOco(['costs', 'runs', '--json'], { home: home.path })).json();
    expect(
      runs.runs
        .slice(0, 2)
        .map((x: { source: string; status: string; requestsMade: number }) => [x.source, x.status, x.requestsMade]),
    ).toEqual([
      ['aws', 'succeeded', 2],
      ['aws', 'succeeded', 3],
    ]);
    for (const f of readdirSync(join(home.path, 'data'), { recursive: true }) as string[]) {
      const p = join(home.path, 'data', f);
      try {
        expect(readFileSync(p).includes(SECRET), p).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
      }
    }
    expect(r.stdout + again.stdout).not.toContain(SECRET);
  });

  it('--dry-run prints the plan and makes no request', async () => {
    const before = fake.requests.length;
    const r = await runOco(['costs', 'ingest', '--aws', '--from', D1, '--to', D31, '--dry-run'], {
      home: home.path,
      env: awsEnv(fake.url),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ce:GetCostAndUsage');
    expect(r.stdout).toContain('$0.01/request');
    expect(r.stdout).toContain(`${D1} .. ${D31}`);
    expect(fake.requests.length).toBe(before);
  });

  it('names the variables to set when the credential chain finds nothing (exit 2)', async () => {
    // --aws named: the SDK chain is tried (it could find an instance role); the metadata service is off here
    const r = await runOco(['costs', 'ingest', '--aws', '--json'], {
      home: home.path,
      env: { HOME: home.path, AWS_ENDPOINT_URL_COST_EXPLORER: fake.url, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(r.code).toBe(2);
    const aws = r.json().providers[0];
    expect(aws).toMatchObject({
      provider: 'aws',
      status: 'failed',
      requests: 0,
      error: { code: 'OCO_AWS_NO_CREDENTIALS' },
    });
    expect(aws.error.hint).toContain('AWS_ACCESS_KEY_ID');
  });

  it('skips AWS when nothing names it and no credentials are visible', async () => {
    const r = await runOco(['costs', 'sources', '--json', '--no-check'], { home: home.path, env: { HOME: home.path } });
    expect(r.code).toBe(0);
    expect(r.json().sources.find((s: { provider: string }) => s.provider === 'aws')).toMatchObject({
      configured: false,
    });
  });

  it('uses the default profile of ~/.aws/credentials, as the aws CLI does', async () => {
    const awsHome = tempHome();
    try {
      mkdirSync(join(awsHome.path, '.aws'));
      writeFileSync(
        join(awsHome.path, '.aws', 'credentials'),
        `[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = nope\n\n[default]\naws_access_key_id = ${AKID}\naws_secret_access_key = ${SECRET}\n`,
      );
      const env = { HOME: awsHome.path, AWS_ENDPOINT_URL_COST_EXPLORER: fake.url, AWS_EC2_METADATA_DISABLED: 'true' };
      const sources = await runOco(['costs', 'sources', '--json', '--no-check'], { home: awsHome.path, env });
      expect(sources.json().sources.find((s: { provider: string }) => s.provider === 'aws')).toMatchObject({
        configured: true,
        via: `default profile in ${join(awsHome.path, '.aws', 'credentials')}`,
      });
      // nothing named: AWS is picked because the profile is there, and the SDK signs with it
      const r = await runOco(['costs', 'ingest', '--from', D1, '--to', D2, '--json'], {
        home: awsHome.path,
        env,
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().providers.map((p: { provider: string }) => p.provider)).toEqual(['aws']);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    } finally {
      awsHome.cleanup();
    }
  });

  it('shows the provider message and code for an API error, exits 1, keeps the previous data', async () => {
    const bad = await runOco(['costs', 'ingest', '--aws', '--aws-group-by', 'tag:team', '--from', D1, '--to', D2], {
      home: home.path,
      env: awsEnv(fake.url, { AWS_SECRET_ACCESS_KEY: 'wrong-secret' }),
      timeoutMs: 60_000,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('AWS Cost Explorer: InvalidSignatureException');
    expect(bad.stderr).toContain('Hint: The secret key does not match');
    expect(bad.stderr).not.toContain('wrong-secret');
    const s = (await runOco(['costs', 'summary', '--metric', 'billed', '--json'], { home: home.path })).json();
    expect(s.total).toMatchObject({ rows: 3, byCurrency: { USD: '36.2039894234' } });
    const runs = (await runOco(['costs', 'runs', '--json'], { home: home.path })).json();
    expect(runs.runs[0]).toMatchObject({ source: 'aws', status: 'failed' });
    expect(runs.runs[0].error).toContain('InvalidSignatureException');
  });

  it('exits 3 when Cost Explorer cannot be reached', async () => {
    const r = await runOco(['costs', 'ingest', '--aws', '--from', D1, '--to', D2], {
      home: home.path,
      env: awsEnv('http://127.0.0.1:9'),
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach AWS Cost Explorer');
    // Refused connections reached nobody: nothing is counted as a paid request.
    const j = await runOco(['costs', 'ingest', '--aws', '--from', D1, '--to', D2, '--json'], {
      home: home.path,
      env: awsEnv('http://127.0.0.1:9'),
      timeoutMs: 60_000,
    });
    expect(j.code).toBe(3);
    expect(j.json().providers[0]).toMatchObject({
      status: 'failed',
      requests: 0,
      costUsd: '0',
      error: { code: 'OCO_AWS_UNREACHABLE' },
    });
  });
});

describe.each(BACKENDS)('AWS ingest exactness on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let fake: FakeCostExplorer;
    let home: TempHome;
    const data = records(20, 60);
    const saved = { ...process.env };
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      fake = await startFakeCostExplorer({
        credentials: { [AKID]: SECRET },
        pages: { GetCostAndUsage: pagesFromRecords(data, 150) },
        faults: [
          {
            atCall: 5,
            type: 'AccessDeniedException',
            message: 'User is not authorized to perform: ce:GetCostAndUsage',
          },
        ],
      });
      home = tempHome();
      Object.assign(process.env, awsEnv(fake.url), { OCO_HOME: home.path });
    });
    afterAll(async () => {
      process.env = saved;
      await fake?.close();
      await cleanup?.();
      home?.cleanup();
    });

    it('a failure on page 4 writes nothing; the next run sums to the decimal total of the source amounts', async () => {
      const config = OcoConfig.load({ env: process.env });
      const window = { from: data[0]!.day, to: addDays(data[0]!.day, 20) };
      const failed = await runIngest(store, config, { providers: ['aws'], window });
      expect(failed.providers[0]).toMatchObject({
        status: 'failed',
        requests: 5,
        error: { code: 'OCO_AWS_API_ERROR' },
      });
      expect(failed.providers[0]!.error!.message).toBe(
        'AWS Cost Explorer: AccessDeniedException: User is not authorized to perform: ce:GetCostAndUsage (HTTP 400)',
      );
      expect(Number((await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs'))!.n)).toBe(0);

      const ok = await runIngest(store, config, { providers: ['aws'], window });
      expect(ok.providers[0]).toMatchObject({ status: 'succeeded', rows: data.length, requests: 8 });
      expect(ok.providers[0]!.unmappedServices).toEqual(['Brand New AWS Service']);
      const billed = await summarise(store, { by: 'account', metric: 'billed', window });
      const expected = data.reduce((s, r) => s.plus(r.unblended), new Money(0));
      expect(billed.total.byCurrency.USD).toBe(expected.toFixed());
      const perAccount = new Map<string, Money>();
      for (const r of data) perAccount.set(r.account, (perAccount.get(r.account) ?? new Money(0)).plus(r.unblended));
      for (const row of billed.rows) expect(row.byCurrency.USD, row.key!).toBe(perAccount.get(row.key!)!.toFixed());
      const names = await store.all<{ sub_account_name: string; service_category: string; service_name: string }>(
        'SELECT DISTINCT sub_account_name, service_category, service_name FROM cloud_costs WHERE sub_account_id = $1',
        ['111122220000'],
      );
      expect(names[0]).toMatchObject({
        sub_account_name: 'Account 111122220000',
        service_name: 'Amazon Elastic Compute Cloud - Compute',
        service_category: 'Compute',
      });
      const runs = await listRuns(store, { source: 'aws' });
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed']);
    });
  });
});

describe('AWS resource-level costs (GetCostAndUsageWithResources, last 14 days)', () => {
  const saved = { ...process.env };
  let fake: FakeCostExplorer;
  let store: Store;
  let cleanup: () => Promise<void>;
  let home: TempHome;
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const period = (start: string, groups: Array<[string[], string]>) => ({
    TimePeriod: {
      Start: start,
      End: new Date(Date.parse(`${start}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10),
    },
    Total: {},
    Groups: groups.map(([Keys, amount]) => ({
      Keys,
      Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' }, AmortizedCost: { Amount: amount, Unit: 'USD' } },
    })),
    Estimated: false,
  });
  beforeAll(async () => {
    ({ store, cleanup } = await BACKENDS[0]!.open());
    fake = await startFakeCostExplorer({
      credentials: { [AKID]: SECRET },
      pages: {
        GetCostAndUsage: [
          {
            GroupDefinitions: [
              { Type: 'DIMENSION', Key: 'SERVICE' },
              { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
            ],
            ResultsByTime: [period(day(-20), [[['Amazon Simple Storage Service', '123456789012'], '1.10']])],
          },
        ],
        GetCostAndUsageWithResources: [
          {
            GroupDefinitions: [
              { Type: 'DIMENSION', Key: 'SERVICE' },
              { Type: 'DIMENSION', Key: 'RESOURCE_ID' },
            ],
            ResultsByTime: [
              period(day(-5), [
                [['Amazon Simple Storage Service', 'arn:aws:s3:::logs'], '0.25'],
                [['Amazon Simple Storage Service', 'NoResourceId'], '0.05'],
              ]),
            ],
            NextPageToken: 'r2',
          },
          {
            GroupDefinitions: [
              { Type: 'DIMENSION', Key: 'SERVICE' },
              { Type: 'DIMENSION', Key: 'RESOURCE_ID' },
            ],
            ResultsByTime: [period(day(-4), [[['Amazon Simple Storage Service', 'arn:aws:s3:::logs'], '0.30']])],
          },
        ],
      },
    });
    home = tempHome();
    Object.assign(process.env, awsEnv(fake.url), { OCO_HOME: home.path });
  });
  afterAll(async () => {
    process.env = saved;
    await fake?.close();
    await cleanup?.();
    home?.cleanup();
  });

  it('fetches service rows before the 14-day limit and resource rows inside it, filtered by the services seen', async () => {
    const config = OcoConfig.load({ env: process.env });
    const window = { from: day(-20), to: day(0) };
    const summary = await runIngest(store, config, { providers: ['aws'], window, flags: { 'aws-resources': true } });
    expect(summary.providers[0]).toMatchObject({ status: 'succeeded', rows: 4, requests: 3 });
    expect(summary.providers[0]!.plan!.map((p) => p.call)).toEqual([
      'ce:GetCostAndUsage',
      'ce:GetCostAndUsageWithResources',
    ]);
    const [main, res1] = fake.requests;
    expect(main!.body.TimePeriod).toEqual({ Start: day(-20), End: day(-13) });
    expect(res1!.body).toMatchObject({
      TimePeriod: { Start: day(-13), End: day(0) },
      Filter: { Dimensions: { Key: 'SERVICE', Values: ['Amazon Simple Storage Service'] } },
    });
    const rows = await store.all<{ resource_id: string | null; billed_cost: string }>(
      'SELECT resource_id, billed_cost FROM cloud_costs ORDER BY usage_date, billed_cost',
    );
    expect(rows).toEqual([
      { resource_id: null, billed_cost: '1.10' },
      { resource_id: null, billed_cost: '0.05' },
      { resource_id: 'arn:aws:s3:::logs', billed_cost: '0.25' },
      { resource_id: 'arn:aws:s3:::logs', billed_cost: '0.30' },
    ]);
  });
});

describe('Cost Explorer refuses the periods the service refuses (the fake, through the real SDK client)', () => {
  let fake: FakeCostExplorer;
  let client: CostExplorerClient;
  const page = { GroupDefinitions: [], ResultsByTime: [] };
  beforeAll(async () => {
    fake = await startFakeCostExplorer({
      credentials: { [AKID]: SECRET },
      today: '2026-12-03',
      pages: { GetCostAndUsage: [page], GetCostAndUsageWithResources: [page] },
    });
    client = new CostExplorerClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await fake?.close();
  });

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: { name: string; message: string }) => `${e.name}: ${e.message}`,
    );
  const daily = (Start: string, End: string) =>
    client.send(
      new GetCostAndUsageCommand({ TimePeriod: { Start, End }, Granularity: 'DAILY', Metrics: ['UnblendedCost'] }),
    );
  const resources = (Start: string, End: string, Granularity: 'DAILY' | 'HOURLY' = 'DAILY') =>
    client.send(
      new GetCostAndUsageWithResourcesCommand({
        TimePeriod: { Start, End },
        Granularity,
        Metrics: ['UnblendedCost'],
        Filter: { Dimensions: { Key: 'SERVICE', Values: ['Amazon Elastic Compute Cloud - Compute'] } },
      }),
    );

  it.each([
    ['DAILY from the first day 13 months back', () => daily('2025-11-01', '2025-12-01'), 'accepted'],
    [
      'DAILY from the day before',
      () => daily('2025-10-31', '2025-12-01'),
      'ValidationException: Start date 2025-10-31 is too old: cost and usage data is available from 2025-11-01 (13 months and the current month).',
    ],
    ['an End on the first day of next month', () => daily('2026-12-01', '2027-01-01'), 'accepted'],
    [
      'an End past it',
      () => daily('2026-12-01', '2027-01-02'),
      'ValidationException: end date past the beginning of next month',
    ],
    [
      'an empty period',
      () => daily('2026-11-01', '2026-11-01'),
      'ValidationException: Start date (and hour) should be before end date (and hour)',
    ],
    [
      'HOURLY 15 days back',
      () =>
        client.send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: '2026-11-18T00:00:00Z', End: '2026-11-20T00:00:00Z' },
            Granularity: 'HOURLY',
            Metrics: ['UnblendedCost'],
          }),
        ),
      'ValidationException: Start date is more than 14 days ago for hourly granularity. Please adjust start date as we support only 14 days of data at hourly granularity.',
    ],
    ['resources from 14 days ago', () => resources('2026-11-19', '2026-12-03'), 'accepted'],
    [
      'resources from 15 days ago, DAILY too',
      () => resources('2026-11-18', '2026-12-03'),
      'ValidationException: start date is too old for hourly, the max supported days for hourly granularity is 14 days.',
    ],
  ])('%s', async (_name, call, expected) => {
    expect(await refusal(call())).toBe(expected);
  });

  it('knows the days oco may ask for with the same calendar', () => {
    expect(costExplorerDays(new Date('2026-12-03T10:00:00Z'))).toEqual({ from: '2025-11-01', to: '2027-01-01' });
    expect(costExplorerDays(new Date('2027-01-31T23:59:59Z'))).toEqual({ from: '2025-12-01', to: '2027-02-01' });
    const run = awsProvider.create({ config: OcoConfig.load({ env: awsEnv(fake.url) }) });
    try {
      const now = new Date('2026-12-03T10:00:00Z');
      expect(run.available!({ from: '2026-01-01', to: '2026-12-03' }, now)).toEqual({
        window: { from: '2026-01-01', to: '2026-12-03' },
        warnings: [],
      });
      expect(run.available!({ from: '2026-12-01', to: '2027-01-16' }, now)).toEqual({
        window: { from: '2026-12-01', to: '2027-01-01' },
        warnings: ['Cost Explorer answers up to the end of the current month: 2027-01-01..2027-01-15 was not fetched.'],
      });
    } finally {
      run.close();
    }
  });
});

describe.each(BACKENDS)('AWS windows older than Cost Explorer keeps on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let fake: FakeCostExplorer;
    let home: TempHome;
    const saved = { ...process.env };
    const kept = costExplorerDays();
    // Ten days Cost Explorer still has, right after the first day it keeps.
    const recent = records(10, 4, 5, kept.from);
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      fake = await startFakeCostExplorer({
        credentials: { [AKID]: SECRET },
        pages: { GetCostAndUsage: pagesFromRecords(recent, 25) },
      });
      home = tempHome();
      Object.assign(process.env, awsEnv(fake.url), { OCO_HOME: home.path });
    });
    afterAll(async () => {
      process.env = saved;
      await fake?.close();
      await cleanup?.();
      home?.cleanup();
    });

    it('fetches and replaces only the days AWS still has, keeps older rows, and says so', async () => {
      // Rows an ingest stored months ago, while AWS still had those days.
      const oldDays = { from: addDays(kept.from, -3), to: kept.from };
      const oldRun = await startRun(store, { source: 'aws', provider: 'aws', window: oldDays });
      const oldRow = (day: string) => ({
        billingAccountId: null,
        subAccountId: '111122220000',
        subAccountName: null,
        chargePeriodStart: `${day}T00:00:00.000Z`,
        chargePeriodEnd: `${addDays(day, 1)}T00:00:00.000Z`,
        usageDate: day,
        chargeCategory: 'Usage',
        chargeDescription: null,
        serviceName: 'AWS Lambda',
        serviceCategory: 'Compute',
        resourceId: null,
        resourceName: null,
        resourceType: null,
        regionId: null,
        skuId: null,
        pricingQuantity: null,
        pricingUnit: null,
        consumedQuantity: null,
        consumedUnit: null,
        billedCost: '7.000000000000000001',
        effectiveCost: '7.000000000000000001',
        listCost: null,
        contractedCost: null,
        billingCurrency: 'USD',
        tags: null,
        extra: null,
      });
      await replaceSourceRows(
        store,
        { provider: 'aws', source: 'aws', runId: oldRun, window: oldDays },
        (async function* () {
          yield [oldRow(oldDays.from), oldRow(addDays(oldDays.from, 1)), oldRow(addDays(oldDays.from, 2))];
        })(),
      );

      const config = OcoConfig.load({ env: process.env });
      const window = { from: addMonths(kept.from, -2), to: addDays(kept.from, 10) };
      const summary = await runIngest(store, config, { providers: ['aws'], window });
      const aws = summary.providers[0]!;
      expect(aws).toMatchObject({
        status: 'succeeded',
        rows: recent.length,
        window: { from: kept.from, to: window.to },
      });
      expect(aws.warnings).toEqual([
        `Cost Explorer keeps daily costs from ${kept.from} on (13 months and the current month): ${window.from}..${addDays(kept.from, -1)} was not fetched, and rows stored earlier for those days are kept. Older AWS costs can be loaded from a Cost and Usage Report (FOCUS) export with "oco costs import".`,
      ]);
      // The fake would have refused an older Start with a ValidationException.
      expect(fake.requests.map((q) => [q.status, (q.body.TimePeriod as { Start: string }).Start])).toEqual(
        fake.requests.map(() => [200, kept.from]),
      );

      const billed = await summarise(store, { by: 'day', metric: 'billed', window });
      const expected = new Map<string, Money>();
      for (const d of [oldDays.from, addDays(oldDays.from, 1), addDays(oldDays.from, 2)])
        expected.set(d, new Money('7.000000000000000001'));
      for (const r of recent) expected.set(r.day, (expected.get(r.day) ?? new Money(0)).plus(r.unblended));
      expect(Object.fromEntries(billed.rows.map((r) => [r.key, r.byCurrency.USD]))).toEqual(
        Object.fromEntries([...expected].map(([k, v]) => [k, v.toFixed()])),
      );
      const runs = await listRuns(store, { source: 'aws' });
      expect(runs[0]).toMatchObject({
        status: 'succeeded',
        windowFrom: kept.from,
        details: { warnings: aws.warnings },
      });
    });

    it('refuses a window AWS has no day of (exit 2), before any request', async () => {
      const config = OcoConfig.load({ env: process.env });
      const before = fake.requests.length;
      const window = { from: addMonths(kept.from, -3), to: addMonths(kept.from, -1) };
      await expect(runIngest(store, config, { providers: ['aws'], window })).rejects.toMatchObject({
        code: 'OCO_AWS_WINDOW_UNAVAILABLE',
        exitCode: 2,
        message: `AWS Cost Explorer has daily costs for ${kept.from}..${addDays(kept.to, -1)} only (13 months and the current month): nothing of ${window.from}..${addDays(window.to, -1)} can be fetched`,
      });
      expect(fake.requests.length).toBe(before);
    });
  });
});
