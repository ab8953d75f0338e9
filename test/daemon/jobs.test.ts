/**
 * The daemon's background jobs, end to end: a real daemon (the same startDaemon
 * `oco proxy start` runs) catches up on a due scheduled AWS ingest against the
 * fake Cost Explorer, and reports a DR policy breach found on the fake cluster
 * in its log (the monitor checks once at start, so its 10 s minimum interval never matters here). Each job's own logic is tested in test/costs and test/k8s.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { money } from '../../src/core/base/money.js';
import { writeSpendEvents, type SpendEvent } from '../../src/core/gateway/spend/repo.js';
import { openStore } from '../../src/core/base/store/open.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { pagesFromRecords, startFakeCostExplorer, type FakeCostExplorer } from '../fakes/aws/cost-explorer.js';
import { hubItem, startFakeCostOptimizationHub, type FakeCoh } from '../fakes/aws/cost-optimization-hub.js';
import { startFakeCluster, type FakeCluster } from '../fakes/k8s/index.js';
import { isolatedEnv, runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { waitFor } from '../proxy/harness.js';

const AKID = 'AKIADAEMONJOBSTEST01';
const SECRET = 'daemon-jobs-secret';

describe('daemon background jobs', () => {
  let home: TempHome;
  let aws: FakeCostExplorer;
  let hub: FakeCoh;
  let cluster: FakeCluster;
  let daemon: RunningDaemon | undefined;
  let env: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    home = tempHome();
    const today = new Date().toISOString().slice(0, 10);
    aws = await startFakeCostExplorer({
      credentials: { [AKID]: SECRET },
      pages: {
        GetCostAndUsage: pagesFromRecords(
          [
            {
              day: today,
              service: 'Amazon S3',
              account: '000000000001',
              unblended: '1.25',
              amortized: '1.25',
              usage: '3',
            },
          ],
          10,
        ),
      },
    });
    hub = await startFakeCostOptimizationHub({
      credentials: { [AKID]: SECRET },
      items: [hubItem({ accountId: '000000000001', resourceId: 'i-0daemon', estimatedMonthlySavings: 9.5 })],
    });
    cluster = await startFakeCluster();
    env = {
      OCO_HOME: home.path,
      AWS_ACCESS_KEY_ID: AKID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_COST_EXPLORER: aws.url,
      AWS_ENDPOINT_URL_COST_OPTIMIZATION_HUB: hub.url,
      AWS_CONFIG_FILE: '/nonexistent/c',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c',
      AWS_EC2_METADATA_DISABLED: 'true',
      KUBECONFIG: cluster.kubeconfig,
    };
    const schedule = await runOco(['costs', 'schedule', 'set', '--provider', 'aws', '--every', '6h'], { env });
    expect(schedule.code, schedule.stderr).toBe(0);
    const policy = `${home.path}/dr.yaml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      policy,
      'policies:\n  - name: tier1\n    namespaces: [app]\n    schedule: "0 */6 * * *"\n    rpo: 1h\n',
    );
    const applied = await runOco(['dr', 'policy', 'apply', '-f', policy], { env, timeoutMs: 60_000 });
    expect(applied.code, applied.stderr).toBe(0);
  });

  afterAll(async () => {
    process.env = saved;
    await daemon?.stop();
    await aws?.close();
    await hub?.close();
    await cluster?.stop();
    home?.cleanup();
  });

  it('runs the due cost ingest at start, reports the DR breach, folds the old ledger rows, then stops cleanly', async () => {
    // Two calls of one agent 100 days ago: past any budget window, so the compaction job folds them into one row.
    const pre = await openStore(OcoConfig.load({ env: isolatedEnv(env) }));
    const old = (i: number): SpendEvent => ({
      requestId: `old-${i}`,
      ts: new Date(Date.now() - 100 * 86_400_000 + i),
      expiresAt: new Date(Date.now() - 100 * 86_400_000 + 900_000),
      state: 'settled',
      provider: 'openai',
      model: 'gpt-4o',
      orgId: 'acme',
      teamId: 't',
      agentId: 'a',
      userId: 'u',
      keyId: null,
      tags: [],
      reservedUsd: money('1'),
      costUsd: money(`0.10000000000${i}`),
    });
    await writeSpendEvents(pre, [old(1), old(2)]);
    await pre.close();
    // In-process daemon: the cloud SDKs read their standard variables from the process, as in `oco proxy start`.
    process.env = isolatedEnv(env);
    daemon = await startDaemon(OcoConfig.load({ env: process.env }), { host: '127.0.0.1', port: 0 });
    const store = daemon.store;
    const run = await waitFor(
      async () =>
        (await store.get<{ status: string; rows_written: unknown }>(
          "SELECT status, rows_written, error FROM ingest_runs WHERE provider = 'aws' AND status <> 'running'",
        )) ?? undefined,
      30_000,
      'a finished scheduled AWS ingest',
    );
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded' });
    const cost = await store.get<{ total: string }>(
      `SELECT ${store.dialect.sumMoney('billed_cost')} AS total FROM cloud_costs WHERE provider = 'aws'`,
    );
    expect(cost?.total).toBe('1.25');
    // After the ingest: AWS's own recommendations imported, then the run that stores them.
    const imported = await waitFor(
      async () =>
        (await store.get<{ rule_id: string; estimated_monthly_savings: string }>(
          "SELECT rule_id, estimated_monthly_savings FROM optimization_recommendations WHERE resource_id = 'i-0daemon'",
        )) ?? undefined,
      30_000,
      'the imported Cost Optimization Hub recommendation',
    );
    expect(imported.rule_id).toBe('provider-recommendations');
    expect(String(imported.estimated_monthly_savings)).toBe('9.5');
    expect(hub.requests.map((r) => r.status)).toEqual([200]);
    const logFile = daemon.state.logFile;
    const breach = await waitFor(
      async () =>
        readFileSync(logFile, 'utf8')
          .split('\n')
          .find((l) => l.includes('dr policy breach')),
      30_000,
      'a DR breach in the daemon log',
    );
    expect(JSON.parse(breach)).toMatchObject({ policy: 'tier1', event: 'dr.breach' });
    await waitFor(
      async () => readFileSync(logFile, 'utf8').includes('spend ledger compacted') || undefined,
      30_000,
      'the spend ledger compaction',
    );
    const ledger = await store.all<{ request_id: string; cost_usd: string }>(
      'SELECT request_id, cost_usd FROM spend_events',
    );
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.request_id).toMatch(/^folded_/);
    expect(money(ledger[0]!.cost_usd).toFixed()).toBe('0.200000000003');
    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toContain(SECRET);
    await daemon.stop();
    daemon = undefined;
    expect(readFileSync(logFile, 'utf8')).toContain('"msg":"stopped"');
  });
});
