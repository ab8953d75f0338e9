/**
 * AWS Cost Optimization Hub recommendations through the real @aws-sdk/client-cost-optimization-hub against the
 * wire fake (test/fakes/aws/cost-optimization-hub.ts): mapping of every action type, exact savings from the raw
 * JSON text, paging past the model's 1000-item page, a throttled call retried, bad keys and an account that never
 * enrolled as clear errors; then the stored import merged with oco's own finding on each backend, and the CLI.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { OcoError } from '../../src/core/base/errors.js';
import { runRecommendations, listRecommendations } from '../../src/core/base/recommend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { awsProvider } from '../../src/core/cloud-costs/providers/aws/fetch.js';
import { COH_SOURCE, hubCandidate } from '../../src/core/cloud-costs/providers/aws/recommendations.js';
import { replaceImported } from '../../src/core/cloud-costs/recommend/imported.js';
import { CLOUD_RULES } from '../../src/core/cloud-costs/recommend/rules.js';
import {
  hubItem,
  RawNumber,
  startFakeCostOptimizationHub,
  type FakeCoh,
  type FakeCohOptions,
} from '../fakes/aws/cost-optimization-hub.js';
import { isolatedEnv, runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { costLines, daysBefore, settings } from './helpers.js';

const AKID = 'AKIACOHTESTKEY000001';
const SECRET = 'coh-test-secret/Never+Printed';
const ACCOUNT = '111122223333';

function awsEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_ENDPOINT_URL_COST_OPTIMIZATION_HUB: url,
    AWS_CONFIG_FILE: '/nonexistent/oco-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/oco-aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** One recommendation per action type the hub has, each on a resource type that takes it. */
/** A wire item as the SDK hands it over (timestamps as Dates). */
const sdkShape = (item: Record<string, unknown>) =>
  ({ ...item, lastRefreshTimestamp: new Date(Number(item.lastRefreshTimestamp) * 1000) }) as never;

const EVERY_ACTION = [
  hubItem({
    resourceId: 'i-0rightsize',
    resourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0rightsize`,
    actionType: 'Rightsize',
    recommendedResourceType: 'Ec2Instance',
    currentResourceSummary: 'm5.xlarge',
    recommendedResourceSummary: 'm5.large',
    estimatedMonthlySavings: new RawNumber('70.08'),
    estimatedMonthlyCost: new RawNumber('140.16'),
    estimatedSavingsPercentage: new RawNumber('50'),
  }),
  hubItem({
    resourceId: 'i-0stop',
    resourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0stop`,
    actionType: 'Stop',
    implementationEffort: 'VeryLow',
    restartNeeded: false,
    estimatedMonthlySavings: new RawNumber('12.5'),
  }),
  hubItem({
    resourceId: 'i-0upgrade',
    resourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0upgrade`,
    actionType: 'Upgrade',
    implementationEffort: 'High',
    estimatedMonthlySavings: new RawNumber('3.1'),
  }),
  hubItem({
    // Only the ARN: the bare id Cost Explorer uses for volumes is taken from it.
    resourceArn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0delete`,
    region: 'eu-west-1',
    currentResourceType: 'EbsVolume',
    actionType: 'Delete',
    implementationEffort: 'VeryHigh',
    restartNeeded: false,
    rollbackPossible: false,
    estimatedMonthlySavings: new RawNumber('8'),
  }),
  hubItem({
    resourceId: 'my-fn',
    resourceArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:my-fn`,
    currentResourceType: 'LambdaFunction',
    actionType: 'MigrateToGraviton',
    estimatedMonthlySavings: new RawNumber('0.42'),
  }),
  hubItem({
    resourceId: 'nat-0scale',
    resourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:natgateway/nat-0scale`,
    currentResourceType: 'NatGateway',
    actionType: 'ScaleIn',
    estimatedMonthlySavings: new RawNumber('32.4'),
  }),
  hubItem({
    resourceId: `${ACCOUNT}-ComputeSavingsPlans`,
    currentResourceType: 'ComputeSavingsPlans',
    actionType: 'PurchaseSavingsPlans',
    implementationEffort: 'VeryLow',
    restartNeeded: false,
    rollbackPossible: false,
    source: 'CostExplorer',
    estimatedMonthlySavings: new RawNumber('1234.56789012345678901'),
  }),
  hubItem({
    resourceId: `${ACCOUNT}-Ec2ReservedInstances`,
    currentResourceType: 'Ec2ReservedInstances',
    actionType: 'PurchaseReservedInstances',
    implementationEffort: 'Low',
    restartNeeded: false,
    rollbackPossible: false,
    source: 'CostExplorer',
    // No savings figure on the wire: unknown, never 0.
  }),
];

describe('AWS Cost Optimization Hub import (SDK against the fake)', () => {
  let fake: FakeCoh | undefined;
  const start = async (o: Partial<FakeCohOptions>) => {
    fake = await startFakeCostOptimizationHub({ credentials: { [AKID]: SECRET }, items: [], ...o });
    return fake;
  };
  // The SDK reads its credential and endpoint variables from the process, as in a real run.
  const fetchWith = async (env: Record<string, string>) => {
    const saved = process.env;
    process.env = isolatedEnv(env);
    const run = awsProvider.recommendations!({ config: OcoConfig.load({ env: process.env }) });
    try {
      return { candidates: await run.fetch({}), requests: run.requests, warnings: run.warnings };
    } finally {
      run.close();
      process.env = saved;
    }
  };
  const failure = async (env: Record<string, string>): Promise<OcoError> => {
    const err = await fetchWith(env).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OcoError);
    return err as OcoError;
  };
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('maps every action type, spells resource ids as the cost rows do, and keeps the savings exact', async () => {
    const f = await start({ items: EVERY_ACTION });
    const { candidates, requests, warnings } = await fetchWith(awsEnv(f.url));
    expect(requests).toBe(1);
    expect(warnings).toEqual([]);
    expect(f.requests[0]).toMatchObject({ operation: 'ListRecommendations', status: 200, body: { maxResults: 1000 } });
    expect(
      candidates.map((c) => [c.resourceId, c.action, c.monthlySavings?.toFixed() ?? null, c.effort, c.region]),
    ).toEqual([
      ['i-0rightsize', 'rightsize', '70.08', 'medium', 'us-east-1'],
      ['i-0stop', 'stop', '12.5', 'very-low', 'us-east-1'],
      ['i-0upgrade', 'upgrade-generation', '3.1', 'high', 'us-east-1'],
      ['vol-0delete', 'delete', '8', 'high', 'eu-west-1'],
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:my-fn`, 'upgrade-generation', '0.42', 'medium', 'us-east-1'],
      [`arn:aws:ec2:us-east-1:${ACCOUNT}:natgateway/nat-0scale`, 'rightsize', '32.4', 'medium', 'us-east-1'],
      // More digits than a double holds: read from the raw JSON text, not from the SDK's number.
      [null, 'purchase-commitment', '1234.56789012345678901', 'very-low', 'us-east-1'],
      ['Ec2ReservedInstances', 'purchase-commitment', null, 'low', 'us-east-1'],
    ]);
    const [rightsize] = candidates;
    expect(rightsize).toMatchObject({
      provider: 'aws',
      account: ACCOUNT,
      resourceType: 'Ec2Instance',
      currency: 'USD',
      restartNeeded: true,
      rollbackPossible: true,
      confidence: 0.8,
      source: COH_SOURCE,
      title: 'Rightsize Ec2Instance i-0rightsize (m5.large)',
    });
    expect(rightsize!.rationale).toContain('now m5.xlarge at 140.16 USD a month; Rightsize saves about 70.08 USD');
    expect(rightsize!.evidence).toMatchObject({ estimatedMonthlyCost: '140.16', estimatedSavingsPercentage: '50' });
    expect(candidates[3]).toMatchObject({ restartNeeded: false, rollbackPossible: false });
    // Unknown savings: the key figure falls back to the cost (none here), the rationale says unknown.
    expect(candidates[7]!.rationale).toContain('the saving is unknown');
  });

  it('without the raw text, a double is read through its shortest decimal', () => {
    const c = hubCandidate(sdkShape(hubItem({ resourceId: 'i-1', estimatedMonthlySavings: 0.1 + 0.2 })));
    expect(typeof c === 'string' ? c : c.monthlySavings?.toFixed()).toBe(String(0.1 + 0.2));
  });

  it('pages past the 1000-item page with nextToken, the request unchanged', async () => {
    const items = Array.from({ length: 1001 }, (_, i) =>
      hubItem({ resourceId: `i-${String(i).padStart(6, '0')}`, estimatedMonthlySavings: new RawNumber('1.01') }),
    );
    const f = await start({ items });
    const { candidates, requests } = await fetchWith(awsEnv(f.url));
    expect(candidates).toHaveLength(1001);
    expect(requests).toBe(2);
    expect(f.requests.map((r) => r.body.maxResults)).toEqual([1000, 1000]);
    expect(f.requests[0]!.body.nextToken).toBeUndefined();
    expect(typeof f.requests[1]!.body.nextToken).toBe('string');
    expect(candidates.at(-1)!.resourceId).toBe('i-001000');
  });

  it('a ThrottlingException is retried by the SDK; the attempt is counted', async () => {
    const f = await start({ items: EVERY_ACTION.slice(0, 2), faults: [{ atCall: 1, type: 'ThrottlingException' }] });
    const { candidates, requests } = await fetchWith(awsEnv(f.url));
    expect(candidates).toHaveLength(2);
    expect(requests).toBe(2);
    expect(f.requests.map((r) => [r.status, r.error ?? null])).toEqual([
      [400, 'ThrottlingException'],
      [200, null],
    ]);
  });

  it('an unknown key and a wrong secret are clear errors that name the variable to check', async () => {
    const f = await start({ items: EVERY_ACTION });
    const unknown = await failure(awsEnv(f.url, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' }));
    expect(unknown).toMatchObject({ code: 'OCO_AWS_API_ERROR', exitCode: 1 });
    expect(unknown.message).toContain('AWS Cost Optimization Hub: UnrecognizedClientException');
    expect(unknown.hint).toContain('AWS_ACCESS_KEY_ID');
    const wrong = await failure(awsEnv(f.url, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
    expect(wrong.message).toContain('InvalidSignatureException');
    expect(wrong.hint).toContain('AWS_SECRET_ACCESS_KEY');
    expect(`${wrong.message} ${wrong.hint}`).not.toContain(SECRET);
  });

  it('an account that never enrolled gets the way to enrol', async () => {
    const f = await start({ items: EVERY_ACTION, enrolled: false });
    const err = await failure(awsEnv(f.url));
    expect(err).toMatchObject({ code: 'OCO_AWS_API_ERROR', exitCode: 1 });
    expect(err.message).toContain('AccessDeniedException');
    expect(err.hint).toContain('update-enrollment-status --status Active');
    expect(f.requests).toHaveLength(1);
  });
});

describe.each(BACKENDS)('imported recommendations merge with oco findings on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const today = new Date().toISOString().slice(0, 10);
  const days = Array.from({ length: 14 }, (_, i) => daysBefore(today, 14 - i));
  let clock = Date.now();
  const run = () =>
    runRecommendations(store, CLOUD_RULES, {
      days: 30,
      materialChangePercent: 20,
      setting: settings(),
      now: new Date((clock += 60_000)),
    });
  const hub = (items: Record<string, unknown>[]) =>
    replaceImported(
      store,
      { source: COH_SOURCE, provider: 'aws' },
      items.map((i) => hubCandidate(sdkShape(i)) as never),
      new Date(clock),
    );
  const all = () => listRecommendations(store, { statuses: ['open', 'accepted', 'dismissed', 'resolved'] });

  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    // An unattached volume billed 0.5 USD a day: oco's idle-resource rule finds it (delete, 15 USD a month).
    await costLines(store, days, {
      account: ACCOUNT,
      resourceId: 'vol-0abc',
      sku: 'USE1-EBS:VolumeUsage.gp3',
      description: 'unattached volume',
      unit: 'GB-Mo',
      cost: '0.5',
    });
  });
  afterAll(async () => {
    if (backend.available()) await cleanup();
  });

  it.skipIf(!backend.available())('one row for both sources, the hub’s savings, no duplicate on re-run', async () => {
    await hub([
      hubItem({
        resourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0abc`,
        resourceId: 'vol-0abc',
        currentResourceType: 'EbsVolume',
        actionType: 'Delete',
        implementationEffort: 'Low',
        restartNeeded: false,
        rollbackPossible: false,
        estimatedMonthlySavings: 12.8,
      }),
      hubItem({ resourceId: 'i-0only', estimatedMonthlySavings: 40 }),
    ]);
    const first = await run();
    expect(first.created).toBe(2);
    const recs = await all();
    expect(recs).toHaveLength(2);
    const vol = recs.find((r) => r.resourceId === 'vol-0abc')!;
    expect(vol).toMatchObject({ action: 'delete', ruleId: 'idle-resource', monthlySavings: '12.8', confidence: 0.9 });
    expect(vol.evidence.sources).toBe('idle-resource, aws-cost-optimization-hub');
    expect(vol.evidence.estimates).toBe('idle-resource: 15 USD; aws-cost-optimization-hub: 12.8 USD');
    expect(vol.rationale).toContain('AWS Cost Optimization Hub');
    expect(vol.rationale).toContain('Also found by idle-resource: Billed 7.00 USD on each of the last 14 days');
    const only = recs.find((r) => r.resourceId === 'i-0only')!;
    expect(only).toMatchObject({ ruleId: 'provider-recommendations', monthlySavings: '40', action: 'rightsize' });
    expect(only.evidence.sources).toBe(COH_SOURCE);

    const again = await run();
    expect(again).toMatchObject({ created: 0, updated: 2, resolved: 0 });
    expect(await all()).toHaveLength(2);

    // The next import no longer has the instance: resolved on the next run; the volume stays, oco still finds it.
    await hub([]);
    const third = await run();
    expect(third).toMatchObject({ created: 0, resolved: 1 });
    const after = await all();
    expect(after.find((r) => r.resourceId === 'i-0only')!.status).toBe('resolved');
    const volAfter = after.find((r) => r.resourceId === 'vol-0abc')!;
    expect(volAfter).toMatchObject({ status: 'open', monthlySavings: '15' });
    expect(volAfter.evidence.sources).toBeUndefined();
  });
});

describe('oco optimize import (CLI)', () => {
  let home: TempHome;
  let fake: FakeCoh;
  const oco = (args: string[], env: Record<string, string> = awsEnv(fake.url)) =>
    runOco(args, { home: home.path, env, timeoutMs: 60_000 });

  beforeAll(async () => {
    home = tempHome();
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    await migrate(store);
    await store.close();
    fake = await startFakeCostOptimizationHub({ credentials: { [AKID]: SECRET }, items: EVERY_ACTION });
  });
  afterAll(async () => {
    await fake?.close();
    home?.cleanup();
  });

  it('imports with --aws --json, and the run stores them without network', async () => {
    const r = await oco(['optimize', 'import', '--aws', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      recommendations: 8,
      requests: 1,
      skipped: [],
      providers: [
        {
          provider: 'aws',
          source: COH_SOURCE,
          status: 'succeeded',
          recommendations: 8,
          requests: 1,
          monthlySavings: { USD: '1361.06789012345678901' },
        },
      ],
    });
    const served = fake.requests.length;
    const ran = await oco(['optimize', 'run', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json()).toMatchObject({ created: 8, open: 8 });
    expect(fake.requests).toHaveLength(served);
    const report = (await oco(['optimize', 'report', '--json'])).json();
    expect(report.totalMonthlySavings).toEqual({ USD: '1361.06789012345678901' });
    const table = await oco(['optimize', 'import']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('8 recommendations imported with 1 requests.');
    expect(table.stdout).not.toContain(SECRET);
  }, 180_000);

  it('bad credentials, an account not enrolled and no configured provider exit with their codes', async () => {
    const bad = await oco(['optimize', 'import', '--aws'], awsEnv(fake.url, { AWS_SECRET_ACCESS_KEY: 'wrong' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('InvalidSignatureException');
    expect(bad.stderr).toContain('AWS_SECRET_ACCESS_KEY');
    const closed = await startFakeCostOptimizationHub({ credentials: { [AKID]: SECRET }, items: [], enrolled: false });
    try {
      const denied = await oco(['optimize', 'import', '--aws', '--json'], awsEnv(closed.url));
      expect(denied.code).toBe(1);
      const doc = denied.json();
      expect(doc.providers[0]).toMatchObject({ status: 'failed', error: { code: 'OCO_AWS_API_ERROR' } });
      expect(doc.providers[0].error.hint).toContain('update-enrollment-status');
    } finally {
      await closed.close();
    }
    // The earlier import is kept when a later one fails.
    expect((await oco(['optimize', 'report', '--json'])).json().recommendations).toHaveLength(8);
    const none = await oco(['optimize', 'import'], {
      AWS_CONFIG_FILE: '/nonexistent/c',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no provider recommendation service is configured');
    // Named without credentials: the SDK's chain is still tried (an instance role), and says what to set.
    const unset = await oco(['optimize', 'import', '--aws'], {
      AWS_CONFIG_FILE: '/nonexistent/c',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_COST_OPTIMIZATION_HUB: fake.url,
    });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('AWS credentials not found');
    expect(unset.stderr).toContain('AWS_ACCESS_KEY_ID');
  }, 180_000);
});
