/**
 * velero's own flag syntax through the built CLI (issue #18): `--flag=true|false`, comma lists and repeated list
 * flags that never swallow a neighbour's value, `--kubecontext`, namespace wildcards. Each command's object is
 * read back from the fake API server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;
beforeAll(async () => {
  env = await k8sEnv();
  env.cluster.kube.seed('backups', {
    metadata: { name: 'alpha', namespace: 'velero', creationTimestamp: '2026-01-02T00:00:00Z' },
    spec: { includedNamespaces: ['app'] },
    status: { phase: 'Completed', completionTimestamp: '2026-01-02T00:10:00Z' },
  });
});
afterAll(async () => env?.stop());

const spec = (plural: string, name: string) => env.cluster.kube.get(plural, 'velero', name)?.spec;

describe("velero's flag syntax", () => {
  it("the issue's command: no bogus namespaces, no snapshots, file-system backup on", async () => {
    const r = await env.oco([
      'backup',
      'create',
      'x',
      '--include-namespaces',
      'app',
      '--snapshot-volumes=false',
      '--default-volumes-to-fs-backup=true',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(spec('backups', 'x')).toEqual({
      includedNamespaces: ['app'],
      snapshotVolumes: false,
      defaultVolumesToFsBackup: true,
    });
  });

  it('the same flags without a list flag before them, and with the list flag last', async () => {
    const r = await env.oco(['backup', 'create', 'y', '--snapshot-volumes=false', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(spec('backups', 'y')).toEqual({ snapshotVolumes: false });
    const last = await env.oco([
      'backup',
      'create',
      'z',
      '--snapshot-volumes=true',
      '--exclude-namespaces',
      'kube-system,kube-public',
      '--exclude-namespaces',
      'velero',
      '--json',
    ]);
    expect(last.code, last.stderr).toBe(0);
    expect(spec('backups', 'z')).toEqual({
      excludedNamespaces: ['kube-system', 'kube-public', 'velero'],
      snapshotVolumes: true,
    });
  });

  it('a list flag never takes a second word: the stray word is an unexpected argument (exit 2)', async () => {
    const r = await env.oco(['backup', 'create', 'w', '--include-namespaces', 'app', 'db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unexpected argument:? db/);
    expect(env.cluster.kube.get('backups', 'velero', 'w')).toBeUndefined();
  });

  it('namespace wildcards pass, a value that cannot be a namespace is exit 2 naming flag and value', async () => {
    const ok = await env.oco(['backup', 'create', 'wild', '--include-namespaces', 'app-*,team-?', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(spec('backups', 'wild')).toEqual({ includedNamespaces: ['app-*', 'team-?'] });
    const bad = await env.oco(['backup', 'create', 'bad', '--include-namespaces', 'app,Prod_DB']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--include-namespaces: "Prod_DB" is not a valid namespace name or pattern/);
    const notBool = await env.oco(['backup', 'create', 'bad', '--snapshot-volumes=no']);
    expect(notBool.code).toBe(2);
    expect(notBool.stderr).toMatch(/--snapshot-volumes: "no" is not a boolean/);
    expect(env.cluster.kube.get('backups', 'velero', 'bad')).toBeUndefined();
  });

  it('--kubecontext is --context', async () => {
    const r = await env.oco(['backup', 'list', '--kubecontext', 'fake', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().map((b: { name: string }) => b.name)).toContain('alpha');
    const missing = await env.oco(['backup', 'list', '--kubecontext', 'nowhere']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere/);
  });

  it('restore, schedule and delete booleans take =true|false too', async () => {
    const restore = await env.oco([
      'restore',
      'create',
      'r1',
      '--from-backup',
      'alpha',
      '--restore-volumes=false',
      '--include-namespaces',
      'app',
      '--json',
    ]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(spec('restores', 'r1')).toEqual({ backupName: 'alpha', includedNamespaces: ['app'], restorePVs: false });
    const schedule = await env.oco(['schedule', 'create', 's1', '--schedule', '@daily', '--paused=true', '--json']);
    expect(schedule.code, schedule.stderr).toBe(0);
    expect(spec('schedules', 's1')).toMatchObject({ paused: true });
    // --confirm=false is no confirmation: refused without a terminal (exit 2), the schedule stays
    const refused = await env.oco(['schedule', 'delete', 's1', '--confirm=false']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing without --confirm/);
    expect(env.cluster.kube.get('schedules', 'velero', 's1')).toBeDefined();
    const del = await env.oco(['schedule', 'delete', 's1', '--confirm=true', '--json']);
    expect(del.code, del.stderr).toBe(0);
    expect(env.cluster.kube.get('schedules', 'velero', 's1')).toBeUndefined();
  });
});
