import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { FAKE_TOKEN } from '../fakes/k8s/index.js';
import type { Step } from '../fakes/k8s/controller.js';
import { driveWhenWatched, k8sEnv, type K8sEnv } from './helpers.js';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, isolatedEnv } from '../helpers/cli.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim() !== '';

let env: K8sEnv;
beforeAll(async () => {
  env = await k8sEnv();
});
afterAll(async () => env?.stop());

describe('oco backup create', () => {
  it('creates a Backup the API server accepts, with the flags mapped to the spec', async () => {
    const r = await env.oco([
      'backup',
      'create',
      'plain',
      '--include-namespaces',
      'app,db',
      '--exclude-resources',
      'secrets',
      '-l',
      'app=web,tier in (a,b)',
      '--ttl',
      '36h',
      '--snapshot-volumes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({ name: 'plain', namespace: 'velero', context: 'fake', waited: false, exitCode: 0 });
    const o = env.cluster.kube.get('backups', 'velero', 'plain')!;
    expect(o.metadata.uid).toBe(out.uid);
    expect(o.spec).toEqual({
      includedNamespaces: ['app', 'db'],
      excludedResources: ['secrets'],
      labelSelector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      },
      ttl: '36h0m0s',
      snapshotVolumes: true,
    });
    expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'oco' });
  });

  it.each([
    [
      'Completed',
      0,
      [
        { phase: 'InProgress', items: 1, total: 2 },
        { phase: 'Completed', items: 2, total: 2 },
      ],
    ],
    [
      'PartiallyFailed',
      4,
      [
        { phase: 'InProgress' },
        { phase: 'WaitingForPluginOperationsPartiallyFailed' },
        { phase: 'FinalizingPartiallyFailed' },
        { phase: 'PartiallyFailed', errors: 2 },
      ],
    ],
    [
      'Failed',
      4,
      [
        { phase: 'Queued' },
        { phase: 'ReadyToStart' },
        { phase: 'InProgress' },
        { phase: 'Failed', failureReason: 'object storage unreachable' },
      ],
    ],
    ['FailedValidation', 4, [{ phase: 'FailedValidation', validationErrors: ['invalid included namespace'] }]],
    ['Deleting', 1, [{ phase: 'InProgress' }, { phase: 'Deleting' }]],
  ] as Array<[string, number, Step[]]>)('--wait ending %s exits %i', async (phase, code, steps) => {
    const name = `w-${phase.toLowerCase()}`;
    env.cluster.velero.script('backups', name, steps);
    const r = await env.oco(['backup', 'create', name, '--wait', '--json']);
    expect(r.code, r.stderr).toBe(code);
    expect(r.json()).toMatchObject({ name, phase, waited: true, exitCode: code });
    expect(r.stderr).toBe(''); // --json: nothing but the document
  });

  it('--wait without a TTY prints one key=value line per phase change on stderr', async () => {
    const driving = driveWhenWatched(env.cluster, 'lines', [
      { phase: 'InProgress', items: 0, total: 4 },
      { phase: 'InProgress', items: 2, total: 4, warnings: 1 },
      { phase: 'Completed', items: 4, total: 4, warnings: 1 },
    ]);
    const r = await env.oco(['backup', 'create', 'lines', '--wait']);
    await driving;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('backup lines phase=InProgress items=2/4 errors=0 warnings=1');
    expect(lines.at(-1)).toBe('backup lines phase=Completed items=4/4 errors=0 warnings=1');
    expect(r.stdout).toMatch(/Backup "lines": Completed \(4\/4 items, 0 errors, 1 warnings\)/);
    expect(r.stderr).not.toMatch(/\x1b\[/);
  });

  it.skipIf(!hasScript)(
    '--wait on a terminal shows a live progress line (util-linux script gives it a pty)',
    async () => {
      const driving = driveWhenWatched(env.cluster, 'tty', [
        { phase: 'InProgress', items: 1, total: 4 },
        { phase: 'PartiallyFailed', items: 4, total: 4, errors: 1 },
      ]);
      const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} backup create tty --wait`, '/dev/null'], {
        env: isolatedEnv({ OCO_HOME: env.home.path, KUBECONFIG: env.cluster.kubeconfig, TERM: 'xterm' }),
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
      await driving;
      expect(code).toBe(4);
      // Ink draws the line: what the user sees is the text once escape codes are gone, and the codes prove it was redrawn live.
      expect(out).toMatch(/\x1b\[/);
      const seen = out.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
      expect(seen).toContain('backup tty: InProgress  items 1/4 (25%)  errors 0  warnings 0');
      expect(seen).toContain('backup tty: PartiallyFailed  items 4/4 (100%)  errors 1  warnings 0');
      expect(out).toMatch(/Error: backup "tty" ended PartiallyFailed: 1 error\(s\)/);
    },
  );

  it('a failed --wait names the phase and the reason on stderr', async () => {
    env.cluster.velero.script('backups', 'fails', [{ phase: 'Failed', failureReason: 'bucket gone' }]);
    const r = await env.oco(['backup', 'create', 'fails', '--wait']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Error: backup "fails" ended Failed: bucket gone/);
  });

  it('--timeout exits 1 with OCO_WAIT_TIMEOUT and leaves the backup', async () => {
    env.cluster.velero.script('backups', 'slow', 'hold');
    const r = await env.oco(['backup', 'create', 'slow', '--wait', '--timeout', '1s', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'OCO_WAIT_TIMEOUT', exitCode: 1 });
    expect(r.json().error.message).toMatch(/after 1s \(last phase: New\)/);
    expect(env.cluster.kube.get('backups', 'velero', 'slow')).toBeDefined();
  });

  it('watches instead of polling: one GET, then watch requests', async () => {
    const before = env.cluster.kube.requests.length;
    const driving = driveWhenWatched(env.cluster, 'watched', [
      { phase: 'InProgress' },
      { phase: 'InProgress', items: 5, total: 9 },
      { phase: 'Completed' },
    ]);
    const r = await env.oco(['backup', 'create', 'watched', '--wait', '--json']);
    await driving;
    expect(r.code).toBe(0);
    const reqs = env.cluster.kube.requests.slice(before).filter((q) => q.resource === 'backups');
    expect(reqs.filter((q) => q.verb === 'get')).toHaveLength(1);
    expect(reqs.filter((q) => q.verb === 'watch').length).toBeGreaterThanOrEqual(1);
    expect(reqs.find((q) => q.verb === 'watch')!.path).toMatch(
      /fieldSelector=metadata.name%3Dwatched.*resourceVersion=\d+|resourceVersion=\d+.*fieldSelector=metadata.name%3Dwatched/,
    );
  });

  it('an existing name is a 409 conflict (exit 1) and nothing changes', async () => {
    const r = await env.oco(['backup', 'create', 'plain', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'OCO_K8S_CONFLICT' });
    expect(r.json().error.message).toMatch(/already exists/);
  });

  it('bad input is a usage error (exit 2) before anything is sent', async () => {
    const before = env.cluster.kube.requests.length;
    // (each value check is covered in-process by values.test.ts; these prove the CLI path stops before the cluster)
    for (const args of [['Bad_Name'], ['ok', '-l', 'a=b,,']]) {
      const r = await env.oco(['backup', 'create', ...args, '--json']);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const r = await env.oco(['backup', 'create', 'ok', '--ttl', '3 days']);
    expect(r.stderr).toMatch(/--ttl: "3 days" is not a duration/);
    expect(env.cluster.kube.requests.length).toBe(before);
  });

  it('an unreachable cluster exits 3, with and without --wait', async () => {
    for (const extra of [[], ['--wait']]) {
      const r = await env.oco(['backup', 'create', 'x', ...extra, '--json'], {
        kubeconfig: env.cluster.deadKubeconfig,
      });
      expect(r.code).toBe(3);
      expect(r.json().error.code).toBe('OCO_K8S_UNREACHABLE');
    }
  });

  it('RBAC 403 names the verb and the resource', async () => {
    env.cluster.kube.deny('create', 'backups');
    try {
      const r = await env.oco(['backup', 'create', 'denied']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /not allowed to create backups\.velero\.io "denied" in namespace "velero" \(Kubernetes RBAC\)/,
      );
      expect(r.stderr).toMatch(/kubectl auth can-i create backups\.velero\.io -n velero/);
    } finally {
      env.cluster.kube.allowAll();
    }
    env.cluster.kube.deny('watch', 'backups');
    env.cluster.velero.script('backups', 'nowatch', 'hold'); // still running when the CLI reads it: it must watch
    try {
      const r = await env.oco(['backup', 'create', 'nowatch', '--wait', '--json']);
      expect(r.json().error).toMatchObject({
        code: 'OCO_K8S_FORBIDDEN',
        details: { verb: 'watch', resource: 'backups' },
      });
    } finally {
      env.cluster.kube.allowAll();
    }
  });

  it('records jobs and backup records in the store, without the kubeconfig token', async () => {
    const store = new SqliteStore({ file: join(env.home.path, 'data', 'oco.db') });
    try {
      const jobs = await store.all<{ name: string; phase: string; exit_code: number; cluster_context: string }>(
        `SELECT name, phase, exit_code, cluster_context FROM backup_jobs WHERE kind = 'backup' ORDER BY started_at`,
      );
      expect(jobs.find((j) => j.name === 'w-failed')).toMatchObject({
        phase: 'Failed',
        exit_code: 4,
        cluster_context: 'fake',
      });
      expect(jobs.find((j) => j.name === 'w-completed')).toMatchObject({ phase: 'Completed', exit_code: 0 });
      const rec = await store.get<{ phase: string; items_backed_up: number; total_items: number }>(
        `SELECT phase, items_backed_up, total_items FROM backup_records WHERE kind = 'backup' AND name = 'w-completed'`,
      );
      expect(rec).toMatchObject({ phase: 'Completed' });
      expect(Number(rec!.total_items)).toBe(2);
    } finally {
      await store.close();
    }
    for (const f of readdirSync(join(env.home.path, 'data'))) {
      expect(readFileSync(join(env.home.path, 'data', f)).includes(FAKE_TOKEN), f).toBe(false);
    }
  });
});
