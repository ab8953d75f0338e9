/**
 * The daemon's DR monitor (startDrMonitor), in-process against the fake cluster,
 * on each store engine: breach → signed webhook (once), resolved → webhook; and
 * the missed-run arithmetic of status.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { startDrMonitor, type BreachEvent } from '../../src/core/resilience/dr/monitor.js';
import { postBreachWebhook } from '../../src/core/resilience/dr/notify.js';
import { parsePolicies } from '../../src/core/resilience/dr/policy.js';
import { applyPolicies } from '../../src/core/resilience/dr/reconcile.js';
import { evaluatePolicy } from '../../src/core/resilience/dr/status.js';
import { connectKube } from '../../src/core/resilience/k8s/client.js';
import { VeleroClient } from '../../src/core/resilience/velero/resources.js';
import { isolatedEnv, tempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from '../fakes/k8s/index.js';

const SECRET = 'whsec-test-0123456789';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function receiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/dr-token-abc`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe.each(BACKENDS)('DR monitor on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let cluster: FakeCluster;
    let opened: Awaited<ReturnType<typeof backend.open>>;
    const home = tempHome();

    beforeAll(async () => {
      cluster = await startFakeCluster();
      opened = await backend.open();
    });
    afterAll(async () => {
      await cluster?.stop();
      await opened?.cleanup();
      home.cleanup();
    });

    it('does nothing (no cluster call, no error) while there is no policy', async () => {
      const config = OcoConfig.load({ env: isolatedEnv({ OCO_HOME: home.path, KUBECONFIG: cluster.deadKubeconfig }) });
      const errors: unknown[] = [];
      const monitor = startDrMonitor(config, opened.store, { intervalMs: 60_000, onError: (e) => errors.push(e) });
      expect(await monitor.checkNow()).toBeUndefined();
      await monitor.stop();
      expect(errors).toEqual([]);
    });

    it('sends a signed breach webhook once, then a resolved one', async () => {
      const hook = await receiver();
      const config = OcoConfig.load({
        env: isolatedEnv({
          OCO_HOME: home.path,
          KUBECONFIG: cluster.kubeconfig,
          OCO_DR_WEBHOOK_URL: hook.url,
          OCO_WEBHOOK_SECRET: SECRET,
        }),
      });
      const client = new VeleroClient(await connectKube(config), 'velero');
      await applyPolicies(
        client,
        opened.store,
        parsePolicies('policies:\n  - name: mon\n    namespaces: [app]\n    schedule: "@daily"\n    rpo: 1h\n'),
      );
      const events: BreachEvent[] = [];
      const monitor = startDrMonitor(config, opened.store, {
        intervalMs: 60_000,
        onBreach: (e) => events.push(e),
        retryDelaysMs: [10],
      });
      try {
        await monitor.checkNow();
        await monitor.checkNow(); // still in breach: not sent again
        expect(events.map((e) => [e.event, e.policy, e.breaches.map((b) => b.kind)])).toEqual([
          ['dr.breach', 'mon', ['rpo']],
        ]);
        cluster.velero.fireSchedule('oco-mon');
        await until(() => cluster.kube.list('backups', 'velero').some((b) => b.status?.phase === 'Completed'));
        await monitor.checkNow();
        expect(events.map((e) => e.event)).toEqual(['dr.breach', 'dr.resolved']);
      } finally {
        await monitor.stop();
        await hook.close();
      }
      expect(hook.got).toHaveLength(2);
      const first = hook.got[0]!;
      expect(JSON.parse(first.body)).toMatchObject({
        event: 'dr.breach',
        policy: 'mon',
        context: 'fake',
        namespace: 'velero',
      });
      const ts = String(first.headers['x-oco-timestamp']);
      expect(first.headers['x-oco-signature']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(`${ts}.${first.body}`).digest('hex')}`,
      );
      expect(first.headers['x-oco-event']).toBe('dr.breach');
      // nothing of the kubeconfig reaches the store
      const rows = await opened.store.all(`SELECT definition, last_result FROM dr_plans`);
      expect(JSON.stringify(rows)).not.toContain(FAKE_TOKEN);
    });

    it('an unreachable cluster is a check error, not a breach', async () => {
      const config = OcoConfig.load({ env: isolatedEnv({ OCO_HOME: home.path, KUBECONFIG: cluster.deadKubeconfig }) });
      const errors: unknown[] = [];
      const events: BreachEvent[] = [];
      const monitor = startDrMonitor(config, opened.store, {
        intervalMs: 60_000,
        onError: (e) => errors.push(e),
        onBreach: (e) => events.push(e),
      });
      await monitor.checkNow();
      await monitor.stop();
      expect(errors[0]).toMatchObject({ code: 'OCO_K8S_UNREACHABLE' });
      expect(events).toEqual([]);
    });
  });
});

describe('webhook delivery', () => {
  it('retries 5xx a bounded number of times and gives up with a masked target', async () => {
    const hook = await receiver([500, 503, 500, 500]);
    try {
      const r = await postBreachWebhook(hook.url, 'dr.breach', { x: 1 }, { retryDelaysMs: [5, 5] });
      expect(r).toEqual({ delivered: false, attempts: 3, target: `${new URL(hook.url).origin}/…`, error: 'HTTP 500' });
      const ok = await postBreachWebhook(hook.url, 'dr.breach', { x: 1 }, { retryDelaysMs: [5] });
      expect(ok).toMatchObject({ delivered: true, attempts: 2 });
    } finally {
      await hook.close();
    }
  });
});

describe('missed schedule runs', () => {
  const [policy] = parsePolicies(
    'policies:\n  - name: m\n    namespaces: [app]\n    schedule: "0 */6 * * *"\n    rpo: 24h\n    window: 48h\n',
  );
  const plan = {
    id: 'p',
    kind: 'policy',
    name: 'm',
    definition: policy,
    status: 'active',
    last_result: null,
    created_at: '',
    updated_at: '',
  };
  const now = new Date('2026-03-03T12:30:00Z');
  const schedule = {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: { name: 'oco-m', creationTimestamp: '2026-03-01T00:00:00Z' },
    spec: { schedule: '0 */6 * * *' },
    status: { phase: 'Enabled' },
  };
  const backup = (at: string, phase = 'Completed') => ({
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: `oco-m-${at}`, creationTimestamp: at, labels: { 'velero.io/schedule-name': 'oco-m' } },
    status: { phase, completionTimestamp: at },
  });
  const bsl = {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'default' },
    spec: { default: true },
    status: { phase: 'Available' },
  };

  it('counts fire times in the window with no backup within the grace period', () => {
    // window 48h before 12:30 on the 3rd: runs at 18:00 on the 1st ... 12:00 on the 3rd = 8 runs
    const made = [
      '2026-03-01T18:00:05Z',
      '2026-03-02T00:00:04Z',
      '2026-03-02T06:01:00Z',
      '2026-03-02T18:00:02Z',
      '2026-03-03T06:00:03Z',
    ];
    const s = evaluatePolicy(
      policy!,
      plan,
      { schedules: [schedule], backups: made.map((t) => backup(t)), locations: [bsl] },
      now,
    );
    expect(s.missedRuns).toBe(3); // 12:00 on the 2nd, 00:00 and 12:00 on the 3rd
    expect(s.ok).toBe(true); // the newest Completed is 6.5h old, within the 24h RPO
    expect(s.warnings.map((w) => w.kind)).toEqual(['missed-runs']);
  });

  it('an old last backup breaches the RPO; a paused schedule is a breach and counts no missed runs', () => {
    const s = evaluatePolicy(
      policy!,
      plan,
      {
        schedules: [{ ...schedule, spec: { ...schedule.spec, paused: true } }],
        backups: [backup('2026-03-02T06:00:00Z')],
        locations: [bsl],
      },
      now,
    );
    expect(s.breaches.map((b) => b.kind).sort()).toEqual(['rpo', 'schedule']);
    expect(s.missedRuns).toBe(0);
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
