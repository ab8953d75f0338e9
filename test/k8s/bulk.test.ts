/**
 * Bulk forms of the Velero commands (velero's NAME… | -l SELECTOR | --all): delete of
 * backups (through DeleteBackupRequests), restores and schedules, pause/unpause and
 * describe of several objects. Destructive forms list what they would touch and refuse
 * without --confirm when not on a terminal, touching nothing.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BIN, isolatedEnv } from '../helpers/cli.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim() !== '';

let env: K8sEnv;

const WRITES = new Set(['create', 'delete', 'patch', 'update', 'deletecollection']);
/** Every write the CLI sent since `from` (index into the request log). */
const writesSince = (from: number) =>
  env.cluster.kube.requests
    .slice(from)
    .filter((r) => WRITES.has(r.verb))
    .map((r) => `${r.verb} ${r.resource}`);

beforeAll(async () => {
  env = await k8sEnv();
  const { kube } = env.cluster;
  const backup = (name: string, phase: string, labels: Record<string, string> = {}) =>
    kube.seed('backups', {
      metadata: { name, namespace: 'velero', labels },
      spec: { includedNamespaces: ['app'] },
      status: { phase },
    });
  backup('a1', 'Completed', { team: 'a' });
  backup('a2', 'PartiallyFailed', { team: 'a' });
  backup('a-running', 'InProgress', { team: 'a' });
  backup('b1', 'Completed', { team: 'b' });
  backup('b2', 'Completed', { team: 'b' });
  backup('c1', 'Completed', { team: 'c' });
  const restore = (name: string, phase: string, labels: Record<string, string> = {}) =>
    kube.seed('restores', {
      metadata: { name, namespace: 'velero', labels },
      spec: { backupName: 'a1' },
      status: { phase },
    });
  restore('r1', 'Completed', { plan: 'x' });
  restore('r2', 'Failed', { plan: 'x' });
  restore('r-running', 'InProgress', { plan: 'x' });
  for (const [name, team] of [
    ['s1', 'a'],
    ['s2', 'a'],
    ['s3', 'b'],
  ] as const)
    kube.seed('schedules', {
      metadata: { name, namespace: 'velero', labels: { team } },
      spec: { schedule: '0 2 * * *', template: { includedNamespaces: ['app'] } },
      status: { phase: 'Enabled' },
    });
});
afterAll(async () => env?.stop());

describe('bulk input is checked before anything is touched', () => {
  it('no target, two forms at once, a bad selector: usage errors (exit 2)', async () => {
    const from = env.cluster.kube.requests.length;
    const none = await env.oco(['backup', 'delete', '--confirm', '--json']);
    expect(none.code).toBe(2);
    expect(none.json().error).toMatchObject({ code: 'OCO_USAGE', exitCode: 2 });
    expect(none.json().error.message).toMatch(/give names, -l\/--selector or --all/);
    const both = await env.oco(['restore', 'delete', 'r1', '--all', '--confirm', '--json']);
    expect(both.code).toBe(2);
    expect(both.json().error.message).toMatch(/not several of them/);
    const badSelector = await env.oco(['schedule', 'pause', '-l', 'team in (a', '--json']);
    expect(badSelector.code).toBe(2);
    expect(badSelector.json().error.code).toBe('OCO_BAD_SELECTOR');
    const badName = await env.oco(['backup', 'delete', 'Not_A_Name', '--confirm', '--json']);
    expect(badName.code).toBe(2);
    expect(badName.json().error.code).toBe('OCO_BAD_NAME');
    // none of them reached the API server
    expect(env.cluster.kube.requests.length).toBe(from);
  });

  it('names that do not exist are all reported, and nothing is deleted (exit 1)', async () => {
    const from = env.cluster.kube.requests.length;
    const r = await env.oco(['backup', 'delete', 'b1', 'ghost-1', 'ghost-2', '--confirm', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error.code).toBe('OCO_K8S_NOT_FOUND');
    expect(r.json().error.message).toMatch(/these backups do not exist: ghost-1, ghost-2 .*nothing was changed/);
    expect(writesSince(from)).toEqual([]);
    expect(env.cluster.kube.get('backups', 'velero', 'b1')).toBeDefined();
  });

  it('without a terminal and without --confirm: refused, the refusal lists the targets, nothing touched', async () => {
    const from = env.cluster.kube.requests.length;
    const backups = await env.oco(['backup', 'delete', '-l', 'team=b']);
    expect(backups.code).toBe(2);
    expect(backups.stderr).toContain('Error: Delete 2 backups (b1, b2) and their data in object storage: refusing');
    expect(backups.stderr).toMatch(/Hint: Add --confirm/);
    const restores = await env.oco(['restore', 'delete', '--all', '--json']);
    expect(restores.code).toBe(2);
    expect(restores.json().error).toMatchObject({ code: 'OCO_CONFIRM_REQUIRED', exitCode: 2 });
    // the running restore is not among what would be deleted
    expect(restores.json().error.message).toMatch(/^Delete 2 restores \(r1, r2\): refusing without --confirm/);
    const schedules = await env.oco(['schedule', 'delete', 's1', 's3', '--confirm=false']);
    expect(schedules.code).toBe(2);
    expect(schedules.stderr).toMatch(/Delete 2 schedules \(s1, s3\): refusing without --confirm/);
    expect(writesSince(from)).toEqual([]);
    expect(env.cluster.kube.list('deletebackuprequests', 'velero')).toEqual([]);
    expect(env.cluster.kube.list('restores', 'velero')).toHaveLength(3);
    expect(env.cluster.kube.list('schedules', 'velero')).toHaveLength(3);
  });

  it('a running backup named among others stops the whole delete (exit 2), nothing requested', async () => {
    const from = env.cluster.kube.requests.length;
    const r = await env.oco(['backup', 'delete', 'c1', 'a-running', '--confirm', '--json']);
    expect(r.code).toBe(2);
    expect(r.json().error.code).toBe('OCO_BACKUP_RUNNING');
    expect(r.json().error.message).toMatch(/"a-running" \(InProgress\) is still running.*nothing was deleted/);
    expect(writesSince(from)).toEqual([]);
    const restore = await env.oco(['restore', 'delete', 'r-running', '--confirm', '--json']);
    expect(restore.code).toBe(2);
    expect(restore.json().error.code).toBe('OCO_RESTORE_RUNNING');
    expect(writesSince(from)).toEqual([]);
  });
});

describe('describe several', () => {
  it('one name: one document; several names or a selector: an array by name; none: all', async () => {
    const one = await env.oco(['backup', 'describe', 'b1', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.json()).toMatchObject({ name: 'b1', phase: 'Completed' });
    const two = await env.oco(['backup', 'describe', 'c1', 'b1', '--json']);
    expect(two.json().map((d: { name: string }) => d.name)).toEqual(['b1', 'c1']);
    const bySelector = await env.oco(['restore', 'describe', '-l', 'plan=x', '--json']);
    expect(bySelector.json().map((d: { name: string; phase: string }) => [d.name, d.phase])).toEqual([
      ['r-running', 'InProgress'],
      ['r1', 'Completed'],
      ['r2', 'Failed'],
    ]);
    const all = await env.oco(['schedule', 'describe', '--json']);
    expect(all.json().map((d: { name: string }) => d.name)).toEqual(['s1', 's2', 's3']);
    const human = await env.oco(['schedule', 'describe', 's1', 's3']);
    expect(human.stdout.match(/^Schedule:/gm)).toHaveLength(2);
    const missing = await env.oco(['restore', 'describe', 'r1', 'nope', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_K8S_NOT_FOUND');
  });

  it('-o yaml is the --json document as YAML (one or an array), -o json the --json document', async () => {
    // a schedule's next runs are computed from the clock at each run: compared without them
    const steady = (doc: unknown): unknown =>
      Array.isArray(doc) ? doc.map(steady) : { ...(doc as Record<string, unknown>), nextRuns: undefined };
    for (const args of [
      ['backup', 'describe', 'b1'],
      ['backup', 'describe', '-l', 'team=a'],
      ['restore', 'describe', 'r1', 'r2'],
      ['schedule', 'describe', 's3'],
      ['schedule', 'describe'],
    ]) {
      const json = await env.oco([...args, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const yaml = await env.oco([...args, '-o', 'yaml']);
      expect(yaml.code, yaml.stderr).toBe(0);
      // a document, not the human description
      expect(yaml.stdout).not.toMatch(/^(Backup|Restore|Schedule):/m);
      expect(steady(parseYaml(yaml.stdout)), args.join(' ')).toEqual(steady(json.json()));
      const asJson = await env.oco([...args, '-o', 'json']);
      expect(asJson.code, asJson.stderr).toBe(0);
      expect(steady(JSON.parse(asJson.stdout)), args.join(' ')).toEqual(steady(json.json()));
    }
    const one = parseYaml((await env.oco(['restore', 'describe', 'r2', '-o', 'yaml'])).stdout);
    expect(one).toMatchObject({ name: 'r2', phase: 'Failed' });
    const many = parseYaml((await env.oco(['backup', 'describe', '-l', 'team=b', '-o', 'yaml'])).stdout);
    expect(many.map((d: { name: string }) => d.name)).toEqual(['b1', 'b2']);
  });

  it('-o other than json|yaml, or -o yaml with --json: exit 2 before the cluster is read', async () => {
    const from = env.cluster.kube.requests.length;
    for (const kind of ['backup', 'restore', 'schedule']) {
      const bad = await env.oco([kind, 'describe', '-o', 'table']);
      expect(bad.code, bad.stdout + bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(/Expected --output=table to be one of: json, yaml/);
      const both = await env.oco([kind, 'describe', '-o', 'yaml', '--json']);
      expect(both.code).toBe(2);
      expect(both.json().error).toMatchObject({ code: 'OCO_USAGE', exitCode: 2 });
      expect(both.json().error.message).toMatch(/--json and -o yaml ask for two formats/);
    }
    expect(env.cluster.kube.requests.length).toBe(from);
  });
});

describe('bulk actions', () => {
  it('backup delete -l: one DeleteBackupRequest per finished backup, the running one skipped', async () => {
    const seen: Array<{ spec: unknown; labels: Record<string, string> }> = [];
    const off = env.cluster.kube.onEvent((e) => {
      if (e.plural === 'deletebackuprequests' && e.type === 'ADDED')
        seen.push({ spec: e.object.spec, labels: e.object.metadata.labels ?? {} });
    });
    const r = await env.oco(['backup', 'delete', '-l', 'team=a', '--confirm', '--wait', '--json']);
    off();
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.backups.map((b: { name: string; deleted: boolean }) => [b.name, b.deleted])).toEqual([
      ['a1', true],
      ['a2', true],
    ]);
    expect(doc.skipped).toEqual([{ name: 'a-running', phase: 'InProgress', reason: 'still running' }]);
    expect(seen.map((s) => s.spec).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { backupName: 'a1' },
      { backupName: 'a2' },
    ]);
    expect(seen.every((s) => s.labels['velero.io/backup-name'] === (s.spec as { backupName: string }).backupName)).toBe(
      true,
    );
    expect(env.cluster.kube.get('backups', 'velero', 'a1')).toBeUndefined();
    expect(env.cluster.kube.get('backups', 'velero', 'a2')).toBeUndefined();
    expect(env.cluster.kube.get('backups', 'velero', 'a-running')).toBeDefined();
  });

  it('backup delete NAME…: requests without --wait, and the human output names each request', async () => {
    const from = env.cluster.kube.requests.length;
    const r = await env.oco(['backup', 'delete', 'b2', 'b1', 'b1', '--confirm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Deletion of backup "b1" requested \(DeleteBackupRequest b1-[a-z0-9]{5}\)\.$/m);
    expect(r.stdout).toMatch(/^Deletion of backup "b2" requested/m);
    // a name given twice is one request
    expect(writesSince(from)).toEqual(['create deletebackuprequests', 'create deletebackuprequests']);
    await vi.waitFor(() => expect(env.cluster.kube.get('backups', 'velero', 'b1')).toBeUndefined(), {
      timeout: 10_000,
    });
  });

  it('restore delete --all deletes the finished restores directly and skips the running one', async () => {
    const from = env.cluster.kube.requests.length;
    const r = await env.oco(['restore', 'delete', '--all', '--confirm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      restores: [{ name: 'r1' }, { name: 'r2' }],
      skipped: [{ name: 'r-running', phase: 'InProgress', reason: 'still running' }],
    });
    expect(writesSince(from)).toEqual(['delete restores', 'delete restores']);
    expect(env.cluster.kube.list('restores', 'velero').map((o) => o.metadata.name)).toEqual(['r-running']);
  });

  it('schedule pause --all, pause again (skipped), unpause -l: merge patches of spec.paused', async () => {
    const all = await env.oco(['schedule', 'pause', '--all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json().schedules.map((s: { name: string; paused: boolean }) => [s.name, s.paused])).toEqual([
      ['s1', true],
      ['s2', true],
      ['s3', true],
    ]);
    const again = await env.oco(['schedule', 'pause', 's1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('Schedule "s1" skipped: already paused.\n');
    const from = env.cluster.kube.requests.length;
    const un = await env.oco(['schedule', 'unpause', '-l', 'team=a', '--json']);
    expect(un.json().schedules.map((s: { name: string }) => s.name)).toEqual(['s1', 's2']);
    expect(un.json().skipped).toEqual([]);
    expect(writesSince(from)).toEqual(['patch schedules', 'patch schedules']);
    const paused = (n: string) => env.cluster.kube.get('schedules', 'velero', n)!.spec.paused;
    expect([paused('s1'), paused('s2'), paused('s3')]).toEqual([false, false, true]);
  });

  it.skipIf(!kubectlPath)('kubectl reads back what the bulk commands left', async () => {
    // async: the fake server runs in this process, a synchronous exec would block it
    const { stdout } = await promisify(execFile)(
      kubectlPath,
      [
        '--kubeconfig',
        env.cluster.kubeconfig,
        '-n',
        'velero',
        'get',
        'schedules',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.spec.paused}{"\\n"}{end}',
      ],
      { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: env.cluster.dir } },
    );
    expect(stdout.trim().split('\n').sort()).toEqual(['s1=false', 's2=false', 's3=true']);
  });

  it('schedule delete -l deletes only what the selector picks', async () => {
    const r = await env.oco(['schedule', 'delete', '-l', 'team=b', '--confirm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ schedules: [{ name: 's3' }] });
    expect(
      env.cluster.kube
        .list('schedules', 'velero')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['s1', 's2']);
    const nothing = await env.oco(['schedule', 'delete', '-l', 'team=zzz', '--json']);
    expect(nothing.code).toBe(0);
    expect(nothing.json()).toEqual({ schedules: [] });
  });

  it.skipIf(!hasScript)('on a terminal: lists the targets, then asks; "n" touches nothing', async () => {
    const from = env.cluster.kube.requests.length;
    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} schedule delete --all`, '/dev/null'], {
      env: isolatedEnv({ OCO_HOME: env.home.path, KUBECONFIG: env.cluster.kubeconfig, TERM: 'xterm' }),
    });
    let out = '';
    let answered = false;
    child.stdin.on('error', () => {}); // the pty may be gone by the time a late write lands
    child.stdout.on('data', (d) => {
      out += d;
      if (!answered && out.includes('[y/N]')) {
        answered = true;
        child.stdin.write('n\r');
      }
    });
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(out).toMatch(/Delete 2 schedules:\r?\n {2}s1\r?\n {2}s2\r?\n/);
    expect(out).toContain('Delete 2 schedules (s1, s2)? [y/N]');
    expect(code).toBe(2);
    expect(writesSince(from)).toEqual([]);
  });
});
