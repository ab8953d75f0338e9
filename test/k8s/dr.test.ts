import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;
let file: string;
const POLICY = (extra = '') => `policies:
  - name: app-tier1
    namespaces: [app]
    schedule: "0 */6 * * *"
    rpo: 24h
    rto: 1h
    retention: 720h
    storageLocation: default
${extra}`;

beforeAll(async () => {
  env = await k8sEnv();
  file = join(env.home.path, 'dr.yaml');
});
afterAll(async () => env?.stop());

describe('oco dr', () => {
  it('policy apply: a bad file is exit 2 with file:line, and nothing is created', async () => {
    writeFileSync(file, POLICY().replace('rpo: 24h', 'rpo: 1 day'));
    const r = await env.oco(['dr', 'policy', 'apply', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:5:10: policies[0].rpo: "1 day" is not a duration`);
    expect(env.cluster.kube.list('schedules', 'velero')).toEqual([]);
  });

  it('policy apply creates the Schedule, is idempotent, updates drift with a guarded JSON patch, prunes', async () => {
    writeFileSync(file, POLICY(`  - name: legacy\n    namespaces: [old]\n    schedule: "@daily"\n    rpo: 48h\n`));
    const first = await env.oco(['dr', 'policy', 'apply', '-f', file, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().results.map((r: any) => [r.schedule, r.action])).toEqual([
      ['oco-app-tier1', 'created'],
      ['oco-legacy', 'created'],
    ]);
    const s = env.cluster.kube.get('schedules', 'velero', 'oco-app-tier1')!;
    expect(s.spec.template).toMatchObject({ includedNamespaces: ['app'], ttl: '720h0m0s', storageLocation: 'default' });

    const again = await env.oco(['dr', 'policy', 'apply', '-f', file, '--json']);
    expect(again.json().results.map((r: any) => r.action)).toEqual(['unchanged', 'unchanged']);

    // someone pauses the schedule by hand: apply enforces the policy again
    env.cluster.kube.update('schedules', 'velero', 'oco-app-tier1', (o) => (o.spec.paused = true));
    writeFileSync(file, POLICY());
    const dry = await env.oco(['dr', 'policy', 'apply', '-f', file, '--prune', '--dry-run', '--json']);
    expect(dry.json().results.map((r: any) => [r.schedule, r.action])).toEqual([
      ['oco-app-tier1', 'updated'],
      ['oco-legacy', 'pruned'],
    ]);
    expect(env.cluster.kube.get('schedules', 'velero', 'oco-legacy')).toBeDefined();

    const applied = await env.oco(['dr', 'policy', 'apply', '-f', file, '--prune', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(env.cluster.kube.get('schedules', 'velero', 'oco-app-tier1')!.spec.paused).toBeUndefined();
    expect(env.cluster.kube.get('schedules', 'velero', 'oco-legacy')).toBeUndefined();
    const patch = env.cluster.kube.requests.filter((q) => q.verb === 'patch' && q.resource === 'schedules').at(-1)!;
    expect(patch.headers['content-type']).toMatch(/application\/json-patch\+json/);

    const list = await env.oco(['dr', 'policy', 'list', '--json']);
    expect(list.json().map((p: any) => [p.name, p.status])).toEqual([
      ['app-tier1', 'active'],
      ['legacy', 'retired'],
    ]);
  });

  it('status: no backup yet is an RPO breach; --fail-on-breach exits 4', async () => {
    const plain = await env.oco(['dr', 'status', '--json']);
    expect(plain.code).toBe(0);
    const p = plain.json().policies[0];
    expect(p).toMatchObject({
      policy: 'app-tier1',
      ok: false,
      lastBackup: null,
      storageLocation: { name: 'default', phase: 'Available' },
    });
    expect(p.breaches.map((b: any) => b.kind)).toEqual(['rpo']);
    expect(p.warnings.map((w: any) => w.kind)).toEqual(['no-drill']);
    const gate = await env.oco(['dr', 'status', '--fail-on-breach']);
    expect(gate.code).toBe(4);
    expect(gate.stdout).toMatch(/BREACH {2}app-tier1: no Completed backup \(RPO 24h\)/);
  });

  it('status: a scheduled backup that Completed clears the breach; failures are warnings; an unavailable location is a breach', async () => {
    const b = env.cluster.velero.fireSchedule('oco-app-tier1');
    await waitUntil(() => env.cluster.kube.get('backups', 'velero', b.metadata.name!)?.status?.phase === 'Completed');
    env.cluster.velero.script('backups', 'oco-app-tier1-failed', [{ phase: 'Failed', afterMs: 1 }]);
    env.cluster.kube.seed('backups', {
      metadata: {
        name: 'oco-app-tier1-failed',
        namespace: 'velero',
        labels: { 'velero.io/schedule-name': 'oco-app-tier1' },
      },
      spec: {},
      status: { phase: 'PartiallyFailed', errors: 1 },
    });
    const ok = await env.oco(['dr', 'status', '--fail-on-breach', '--json']);
    expect(ok.code, ok.stdout).toBe(0);
    const p = ok.json().policies[0];
    expect(p.ok).toBe(true);
    expect(p.lastBackup.name).toBe(b.metadata.name);
    expect(p.failedInWindow).toEqual([
      expect.objectContaining({ name: 'oco-app-tier1-failed', phase: 'PartiallyFailed' }),
    ]);

    env.cluster.kube.update('backupstoragelocations', 'velero', 'default', (o) => (o.status.phase = 'Unavailable'));
    const bad = await env.oco(['dr', 'status', '--fail-on-breach', '--json']);
    expect(bad.code).toBe(4);
    expect(bad.json().policies[0].breaches).toEqual([
      { kind: 'storage', message: 'storage location default is Unavailable' },
    ]);
    env.cluster.kube.update('backupstoragelocations', 'velero', 'default', (o) => (o.status.phase = 'Available'));
  });

  it('drill restores into a scratch namespace, measures it against the RTO and records it', async () => {
    const backup = env.cluster.kube
      .list('backups', 'velero')
      .find(
        (x) => x.status?.phase === 'Completed' && x.metadata.labels?.['velero.io/schedule-name'] === 'oco-app-tier1',
      )!;
    const r = await env.oco([
      'dr',
      'drill',
      '--from-backup',
      backup.metadata.name!,
      '--into-namespace',
      'drill-app',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const d = r.json();
    expect(d).toMatchObject({
      backup: backup.metadata.name,
      sourceNamespace: 'app',
      intoNamespace: 'drill-app',
      phase: 'Completed',
      policy: 'app-tier1',
      rto: '1h',
      withinRto: true,
      exitCode: 0,
    });
    expect(d.durationMs).toBeGreaterThan(0);
    const restore = env.cluster.kube.get('restores', 'velero', d.restore)!;
    expect(restore.spec).toEqual({
      backupName: backup.metadata.name,
      includedNamespaces: ['app'],
      namespaceMapping: { app: 'drill-app' },
    });

    // the namespace now exists: a second drill into it is refused
    const again = await env.oco([
      'dr',
      'drill',
      '--from-backup',
      backup.metadata.name!,
      '--into-namespace',
      'drill-app',
      '--json',
    ]);
    expect(again.code).toBe(2);
    expect(again.json().error.code).toBe('OCO_DRILL_NAMESPACE_EXISTS');

    const status = await env.oco(['dr', 'status', '--json']);
    expect(status.json().policies[0].lastDrill).toMatchObject({ withinRto: true });
    expect(status.json().policies[0].warnings.map((w: any) => w.kind)).not.toContain('no-drill');

    const store = new SqliteStore({ file: join(env.home.path, 'data', 'oco.db') });
    try {
      const job = await store.get<{ phase: string; exit_code: number }>(
        `SELECT phase, exit_code FROM backup_jobs WHERE kind = 'drill'`,
      );
      expect(job).toMatchObject({ phase: 'Completed', exit_code: 0 });
    } finally {
      await store.close();
    }
  });

  it('a drill slower than the RTO exits 4 and becomes an rto breach', async () => {
    writeFileSync(file, POLICY().replace('rto: 1h', 'rto: 1ms'));
    expect((await env.oco(['dr', 'policy', 'apply', '-f', file])).code).toBe(0);
    const backup = env.cluster.kube
      .list('backups', 'velero')
      .find(
        (x) => x.status?.phase === 'Completed' && x.metadata.labels?.['velero.io/schedule-name'] === 'oco-app-tier1',
      )!;
    const r = await env.oco([
      'dr',
      'drill',
      '--from-backup',
      backup.metadata.name!,
      '--into-namespace',
      'drill-slow',
      '--cleanup',
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/RTO 1ms: MISSED/);
    expect(env.cluster.kube.get('namespaces', undefined, 'drill-slow')).toBeUndefined(); // --cleanup
    const status = await env.oco(['dr', 'status', '--json']);
    expect(status.json().policies[0].breaches.map((b: any) => b.kind)).toEqual(['rto']);
  });

  it('health summarises backups, policies and readiness', async () => {
    const r = await env.oco(['health', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const h = r.json();
    expect(h).toMatchObject({
      cluster: { context: 'fake', version: 'v1.31.0-oco-fake' },
      namespace: 'velero',
      readiness: 'not-ready',
      policies: { total: 1, inBreach: 1 },
    });
    expect(h.backups.byPhase.Completed).toBeGreaterThanOrEqual(1);
    expect(h.reasons.join('\n')).toMatch(/app-tier1: the last drill took/);
    const gate = await env.oco(['health', '--fail-on-not-ready']);
    expect(gate.code).toBe(4);
    expect(gate.stdout).toMatch(/^readiness: {2}not-ready$/m);
    const down = await env.oco(['health', '--json'], { kubeconfig: env.cluster.deadKubeconfig });
    expect(down.code).toBe(3);
    expect(down.json().error.code).toBe('OCO_K8S_UNREACHABLE');
  });
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
