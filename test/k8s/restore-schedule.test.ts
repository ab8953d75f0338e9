import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;
beforeAll(async () => {
  env = await k8sEnv();
  const { kube } = env.cluster;
  kube.seed('backups', {
    metadata: { name: 'good', namespace: 'velero' },
    spec: { includedNamespaces: ['app', 'db'] },
    status: { phase: 'Completed' },
  });
  kube.seed('backups', {
    metadata: { name: 'partial', namespace: 'velero' },
    spec: { includedNamespaces: ['app'] },
    status: { phase: 'PartiallyFailed', errors: 3 },
  });
});
afterAll(async () => env?.stop());

describe('oco restore', () => {
  it('create --wait maps flags to the Restore spec and exits 0 on Completed', async () => {
    const r = await env.oco([
      'restore',
      'create',
      'r1',
      '--from-backup',
      'good',
      '--include-namespaces',
      'app',
      '--namespace-mappings',
      'app:app-copy',
      '--existing-resource-policy',
      'update',
      '--wait',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ name: 'r1', phase: 'Completed', backup: 'good', exitCode: 0 });
    expect(env.cluster.kube.get('restores', 'velero', 'r1')!.spec).toEqual({
      backupName: 'good',
      includedNamespaces: ['app'],
      namespaceMapping: { app: 'app-copy' },
      existingResourcePolicy: 'update',
    });
  });

  it('a restore of a missing backup ends FailedValidation: exit 4', async () => {
    const r = await env.oco(['restore', 'create', 'r2', '--from-backup', 'ghost', '--wait']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ended FailedValidation: Error retrieving backup/);
  });

  it('needs exactly one of --from-backup / --from-schedule, and well-formed mappings (exit 2)', async () => {
    expect((await env.oco(['restore', 'create', 'r3'])).code).toBe(2);
    expect((await env.oco(['restore', 'create', 'r3', '--from-backup', 'good', '--from-schedule', 'daily'])).code).toBe(
      2,
    );
    const bad = await env.oco(['restore', 'create', 'r3', '--from-backup', 'good', '--namespace-mappings', 'app=copy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--namespace-mappings: "app=copy" is not source:target/);
  });

  it('list, describe and logs', async () => {
    const list = await env.oco(['restore', 'list', '--sort-by', 'name', '--json']);
    expect(list.json().map((x: any) => [x.name, x.phase])).toEqual([
      ['r1', 'Completed'],
      ['r2', 'FailedValidation'],
    ]);
    const d = await env.oco(['restore', 'describe', 'r1', '--json']);
    expect(d.json()).toMatchObject({ name: 'r1', spec: { namespaceMapping: { app: 'app-copy' } } });
    const logs = await env.oco(['restore', 'logs', 'r1']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/level=info msg="Restore completed" restore=velero\/r1/);
  });

  it('plan previews from the resource list, refuses a non-Completed backup, and execute runs a plan once', async () => {
    const refused = await env.oco(['restore', 'plan', '--from-backup', 'partial', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json().error.code).toBe('OCO_BACKUP_NOT_RESTORABLE');

    const plan = await env.oco([
      'restore',
      'plan',
      '--from-backup',
      'good',
      '--include-namespaces',
      'app',
      '--include-resources',
      'deployments,configmaps',
      '--namespace-mappings',
      'app:app-restored',
      '--json',
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    const p = plan.json();
    expect(p.id).toMatch(/^rp-[0-9a-f]{8}$/);
    expect(p.definition.preview).toEqual([
      { resource: 'deployments.apps', from: 'app/app', to: 'app-restored/app' },
      { resource: 'configmaps', from: 'app/app-config', to: 'app-restored/app-config' },
    ]);
    expect(env.cluster.kube.list('restores', 'velero').length).toBe(2); // planning creates nothing

    const run = await env.oco(['restore', 'execute', p.id, '--name', 'from-plan', '--wait', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ name: 'from-plan', phase: 'Completed', plan: p.id });
    expect(env.cluster.kube.get('restores', 'velero', 'from-plan')!.metadata.labels!['oco.dev/plan']).toBe(p.id);
    const again = await env.oco(['restore', 'execute', p.id, '--json']);
    expect(again.code).toBe(1);
    expect(again.json().error.code).toBe('OCO_PLAN_EXECUTED');
  });
});

describe('oco schedule', () => {
  it('a cron typo is a usage error before anything is created', async () => {
    const before = env.cluster.kube.requests.length;
    for (const cron of ['0 2 * *', '61 2 * * *']) {
      const r = await env.oco(['schedule', 'create', 'typo', '--schedule', cron, '--json']);
      expect(r.code, cron).toBe(2);
      expect(r.json().error.code).toBe('OCO_BAD_CRON');
    }
    expect(env.cluster.kube.requests.length).toBe(before);
  });

  it('create, list, describe, pause/unpause (merge patch), delete', async () => {
    const c = await env.oco([
      'schedule',
      'create',
      'daily',
      '--schedule',
      '0 2 * * *',
      '--include-namespaces',
      'app',
      '--ttl',
      '168h',
      '--json',
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(env.cluster.kube.get('schedules', 'velero', 'daily')!.spec).toEqual({
      schedule: '0 2 * * *',
      template: { includedNamespaces: ['app'], ttl: '168h0m0s' },
    });
    const l = await env.oco(['schedule', 'list', '--json']);
    expect(l.json()[0]).toMatchObject({ name: 'daily', phase: 'Enabled', schedule: '0 2 * * *', paused: false });
    expect(l.json()[0].nextRuns[0]).toMatch(/T02:00:00.000Z$/);
    const p = await env.oco(['schedule', 'pause', 'daily', '--json']);
    expect(p.json().schedules[0].paused).toBe(true);
    const patch = env.cluster.kube.requests.filter((q) => q.verb === 'patch' && q.resource === 'schedules').at(-1)!;
    expect(patch.headers['content-type']).toMatch(/application\/merge-patch\+json/);
    expect((await env.oco(['schedule', 'unpause', 'daily', '--json'])).json().schedules[0].paused).toBe(false);
    const d = await env.oco(['schedule', 'describe', 'daily']);
    expect(d.stdout).toMatch(/schedule: 0 2 \* \* \*/);
    expect((await env.oco(['schedule', 'delete', 'daily'])).code).toBe(2);
    const del = await env.oco(['schedule', 'delete', 'daily', '--confirm', '--json']);
    expect(del.code).toBe(0);
    expect(env.cluster.kube.get('schedules', 'velero', 'daily')).toBeUndefined();
  });

  it('backup create --from-schedule uses the template and the schedule label', async () => {
    await env.oco(['schedule', 'create', 'tmpl', '--schedule', '@daily', '--include-namespaces', 'db', '--json']);
    const r = await env.oco(['backup', 'create', '--from-schedule', 'tmpl', '--wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const b = env.cluster.kube.get('backups', 'velero', r.json().name)!;
    expect(r.json().name).toMatch(/^tmpl-\d{14}$/);
    expect(b.spec.includedNamespaces).toEqual(['db']);
    expect(b.metadata.labels!['velero.io/schedule-name']).toBe('tmpl');
    const restore = await env.oco(['restore', 'create', 'from-sched', '--from-schedule', 'tmpl', '--wait', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(env.cluster.kube.get('restores', 'velero', 'from-sched')!.spec).toMatchObject({
      scheduleName: 'tmpl',
      backupName: b.metadata.name,
    });
  });
});
