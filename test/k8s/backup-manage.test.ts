import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, isolatedEnv } from '../helpers/cli.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim() !== '';

let env: K8sEnv;

beforeAll(async () => {
  env = await k8sEnv();
  const { kube } = env.cluster;
  // three finished backups with distinct creation times, one running, one from a schedule
  for (const [name, created, labels] of [
    ['alpha', '2026-01-02T00:00:00Z', {}],
    ['bravo', '2026-01-03T00:00:00Z', { 'velero.io/schedule-name': 'daily' }],
    ['charlie', '2026-01-01T00:00:00Z', {}],
  ] as const) {
    kube.seed('backups', {
      metadata: { name, namespace: 'velero', creationTimestamp: created, labels: { ...labels } },
      spec: { includedNamespaces: ['app'] },
      status: {
        phase: 'Completed',
        progress: { itemsBackedUp: 3, totalItems: 3 },
        startTimestamp: created,
        completionTimestamp: created,
      },
    });
  }
  kube.seed('backups', {
    metadata: { name: 'running', namespace: 'velero' },
    spec: {},
    status: { phase: 'InProgress' },
  });
  env.cluster.velero.logs.set('alpha', [
    'time="2026-01-02T00:00:00Z" level=info msg="hello from alpha"',
    'time="2026-01-02T00:00:01Z" level=error msg="one item failed"',
  ]);
});
afterAll(async () => env?.stop());

describe('backup list / describe / logs / delete', () => {
  it('lists newest first, sorts by name, filters by label selector', async () => {
    const byTime = await env.oco(['backup', 'list', '--json']);
    expect(byTime.code, byTime.stderr).toBe(0);
    expect(byTime.json().map((b: any) => b.name)).toEqual(['running', 'bravo', 'alpha', 'charlie']);
    const byName = await env.oco([
      'backup',
      'list',
      '--sort-by',
      'name',
      '-l',
      'velero.io/schedule-name!=daily',
      '--json',
    ]);
    expect(byName.json().map((b: any) => b.name)).toEqual(['alpha', 'charlie', 'running']);
    const human = await env.oco(['backup', 'list', '-l', 'velero.io/schedule-name=daily']);
    expect(human.stdout).toMatch(/^NAME\s+STATUS\s+ITEMS/m);
    expect(human.stdout).toMatch(/bravo\s+Completed\s+3\/3/);
  });

  it('describe --details fetches resource list and results through DownloadRequests and cleans them up', async () => {
    const r = await env.oco(['backup', 'describe', 'alpha', '--details', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = r.json();
    expect(d).toMatchObject({ name: 'alpha', phase: 'Completed', includedNamespaces: ['app'] });
    expect(d.details.resources['v1/Pod']).toEqual(['app/app-0', 'app/app-1']);
    expect(d.details.results).toEqual({ errors: {}, warnings: {} });
    expect(env.cluster.kube.list('downloadrequests', 'velero')).toEqual([]);
    const human = await env.oco(['backup', 'describe', 'alpha']);
    expect(human.stdout).toMatch(/phase:\s+Completed/);
  });

  it('logs prints the gunzipped log from the signed URL', async () => {
    const r = await env.oco(['backup', 'logs', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'time="2026-01-02T00:00:00Z" level=info msg="hello from alpha"\ntime="2026-01-02T00:00:01Z" level=error msg="one item failed"\n',
    );
    const missing = await env.oco(['backup', 'logs', 'nope', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_K8S_NOT_FOUND');
  });

  it('delete needs --confirm without a terminal, refuses a running backup, and deletes through a DeleteBackupRequest', async () => {
    const noConfirm = await env.oco(['backup', 'delete', 'charlie']);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toMatch(/--confirm/);
    expect(env.cluster.kube.get('backups', 'velero', 'charlie')).toBeDefined();

    const running = await env.oco(['backup', 'delete', 'running', '--confirm', '--json']);
    expect(running.code).toBe(2);
    expect(running.json().error.code).toBe('OCO_BACKUP_RUNNING');
    expect(env.cluster.kube.list('deletebackuprequests', 'velero')).toEqual([]);

    const seen: string[] = [];
    const off = env.cluster.kube.onEvent(
      (e) => e.plural === 'deletebackuprequests' && e.type === 'ADDED' && seen.push(JSON.stringify(e.object)),
    );
    const ok = await env.oco(['backup', 'delete', 'charlie', '--confirm', '--wait', '--json']);
    off();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ backups: [{ name: 'charlie', deleted: true, errors: [] }], skipped: [] });
    const req = JSON.parse(seen[0]!);
    expect(req.spec).toEqual({ backupName: 'charlie' });
    expect(req.metadata.name).toMatch(/^charlie-[a-z0-9]{5}$/);
    expect(req.metadata.labels['velero.io/backup-name']).toBe('charlie');
    expect(env.cluster.kube.get('backups', 'velero', 'charlie')).toBeUndefined();
  });

  it.skipIf(!hasScript)('delete asks on a terminal: "n" keeps the backup, "y" deletes it', async () => {
    const ask = async (answer: string) => {
      const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} backup delete alpha --wait`, '/dev/null'], {
        env: isolatedEnv({ OCO_HOME: env.home.path, KUBECONFIG: env.cluster.kubeconfig, TERM: 'xterm' }),
      });
      let out = '';
      let answered = false;
      child.stdin.on('error', () => {}); // the pty may be gone by the time a late write lands
      child.stdout.on('data', (d) => {
        out += d;
        if (!answered && out.includes('[y/N]')) {
          answered = true;
          child.stdin.write(`${answer}\r`);
        }
      });
      const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
      return { code, out };
    };
    const no = await ask('n');
    expect(no.out).toContain('Delete backup "alpha" and its data in object storage? [y/N]');
    expect(no.code).toBe(2);
    expect(env.cluster.kube.get('backups', 'velero', 'alpha')).toBeDefined();
    const yes = await ask('y');
    expect(yes.code, yes.out).toBe(0);
    expect(env.cluster.kube.get('backups', 'velero', 'alpha')).toBeUndefined();
  });

  it('the signed URL serves gzip (the fake speaks like object storage)', async () => {
    const url = env.cluster.kube.signedUrl(
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    const res = await fetch(url);
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).length).toBe(0);
  });
});
