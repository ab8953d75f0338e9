/**
 * The real kubectl against the fake API server: proof that the fake speaks the
 * Kubernetes wire protocol (discovery, Table output, JSON lists, selectors) and
 * that what oco creates is what kubectl sees. Runs whenever kubectl is on PATH
 * (Debian's kubernetes-client, or any other build).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(!kubectlPath)(`kubectl (${kubectlPath || 'not installed'}) against the fake API server`, () => {
  let env: K8sEnv;
  // async: the fake server runs in this process, a synchronous exec would block it
  const kubectl = async (...args: string[]) => {
    const r = await run(kubectlPath, ['--kubeconfig', env.cluster.kubeconfig, '-n', 'velero', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, HOME: env.cluster.dir },
    });
    return r.stdout;
  };

  beforeAll(async () => {
    env = await k8sEnv();
  });
  afterAll(async () => env?.stop());

  it('lists and gets the Backup oco created, and the schedule with its printer columns', async () => {
    env.cluster.velero.script('backups', 'via-oco', [{ phase: 'Completed', items: 2, total: 2, afterMs: 1 }]);
    const created = await env.oco(['backup', 'create', 'via-oco', '--include-namespaces', 'app', '--wait', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((await env.oco(['schedule', 'create', 'nightly', '--schedule', '0 3 * * *', '--json'])).code).toBe(0);

    const table = await kubectl('get', 'backups');
    expect(table).toMatch(/^NAME\s+AGE\n/);
    expect(table).toMatch(/^via-oco\s+\d+s$/m);
    const json = JSON.parse(await kubectl('get', 'backups.velero.io', 'via-oco', '-o', 'json'));
    expect(json).toMatchObject({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'via-oco', namespace: 'velero', uid: created.json().uid },
      spec: { includedNamespaces: ['app'] },
      status: { phase: 'Completed' },
    });
    expect(
      await kubectl(
        'get',
        'backup',
        'via-oco',
        '-o',
        'jsonpath={.status.progress.itemsBackedUp}/{.status.progress.totalItems}',
      ),
    ).toBe('2/2');
    const schedules = await kubectl('get', 'schedules');
    expect(schedules).toMatch(/^NAME\s+STATUS\s+SCHEDULE\s+LASTBACKUP\s+AGE\s+PAUSED/);
    expect(schedules).toMatch(/^nightly\s+Enabled\s+0 3 \* \* \*/m);
    const names = await kubectl('get', 'backups', '-l', 'app.kubernetes.io/managed-by=oco', '-o', 'name');
    expect(names.trim()).toBe('backup.velero.io/via-oco');
    expect(await kubectl('get', 'bsl', 'default', '-o', 'jsonpath={.status.phase}')).toBe('Available');
  });

  it('gets what kubectl reports for a missing object: NotFound from the server', async () => {
    await expect(kubectl('get', 'backup', 'missing')).rejects.toMatchObject({
      stderr: expect.stringContaining('backups.velero.io "missing" not found'),
    });
  });
});
