/**
 * The core pieces through the real @kubernetes/client-node against the fake
 * API server: the waiter (watch resumption, 410 Gone both ways), CRD validation
 * (422), patches, selectors, and that builders' objects validate against the CRDs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { connectKube } from '../../src/core/resilience/k8s/client.js';
import {
  buildBackup,
  buildDeleteBackupRequest,
  buildDownloadRequest,
  buildRestore,
  buildSchedule,
  backupSpec,
  restoreSpec,
} from '../../src/core/resilience/velero/builders.js';
import { BACKUP_PHASES, RESTORE_PHASES } from '../../src/core/resilience/velero/phases.js';
import { VeleroClient } from '../../src/core/resilience/velero/resources.js';
import { waitFor } from '../../src/core/resilience/velero/wait.js';
import { isolatedEnv, tempHome } from '../helpers/cli.js';
import { startFakeCluster, type FakeCluster } from '../fakes/k8s/index.js';
import { loadVeleroResources } from '../fakes/k8s/server.js';
import { validate } from '../fakes/k8s/schema.js';

let cluster: FakeCluster;
let client: VeleroClient;
const home = tempHome();

async function clientFor(kubeconfig: string, namespace = 'velero'): Promise<VeleroClient> {
  const config = OcoConfig.load({ env: isolatedEnv({ OCO_HOME: home.path, KUBECONFIG: kubeconfig }) });
  return new VeleroClient(await connectKube(config), namespace);
}

beforeAll(async () => {
  cluster = await startFakeCluster({ historyLimit: 50 });
  client = await clientFor(cluster.kubeconfig);
});
afterAll(async () => {
  await cluster?.stop();
  home.cleanup();
});

describe('builders validate against the real Velero CRDs', () => {
  const schemas = Object.fromEntries(loadVeleroResources().map((r) => [r.kind, r.schema!]));
  const check = (o: any) => {
    const copy = structuredClone(o);
    const r = validate(schemas[o.kind]!, copy);
    expect(r.causes, JSON.stringify(r.causes)).toEqual([]);
    expect(r.unknownFields).toEqual([]);
  };
  it('every builder output is schema-valid with no pruned field', () => {
    const spec = backupSpec({
      includeNamespaces: ['a', 'b'],
      excludeResources: ['secrets'],
      selector: 'app=x,tier notin (t),!legacy,has',
      ttl: '1h30m',
      storageLocation: 'aws',
      snapshotVolumes: false,
      defaultVolumesToFsBackup: true,
    });
    check(buildBackup('b1', 'velero', spec));
    check(buildSchedule('s1', 'velero', '0 2 * * *', { ...spec, metadata: { labels: { a: 'b' } } }, { paused: true }));
    check(
      buildRestore(
        'r1',
        'velero',
        restoreSpec({
          fromBackup: 'b1',
          includeNamespaces: ['a'],
          namespaceMappings: 'a:b',
          existingResourcePolicy: 'update',
          restorePVs: true,
          selector: 'x=y',
        }),
      ),
    );
    check(buildDeleteBackupRequest(buildBackup('b1', 'velero', {}), 'velero'));
    check(buildDownloadRequest('BackupLog', 'b1', 'velero'));
  });

  it('the phase tables cover exactly the phases the CRDs allow', () => {
    const enumOf = (kind: string) => schemas[kind]!.properties!.status!.properties!.phase!.enum;
    expect(Object.keys(BACKUP_PHASES).sort()).toEqual([...enumOf('Backup')!].sort());
    expect(Object.keys(RESTORE_PHASES).sort()).toEqual([...enumOf('Restore')!].sort());
  });
});

describe('the fake API server, through client-node', () => {
  it('rejects an object the CRD schema forbids with 422 Invalid naming the field', async () => {
    const bad = {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'bad' },
      spec: { ttl: 5, includedNamespaces: 'app' },
    };
    await expect(client.create('backup', bad as any)).rejects.toMatchObject({ code: 'OCO_K8S_INVALID', exitCode: 2 });
    try {
      await client.create('backup', bad as any);
    } catch (err) {
      expect((err as Error).message).toContain(
        'spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"',
      );
      expect((err as Error).message).toContain('spec.includedNamespaces');
    }
    await expect(
      client.create('downloadRequest', {
        apiVersion: 'velero.io/v1',
        kind: 'DownloadRequest',
        metadata: { name: 'd' },
        spec: { target: { kind: 'Nope', name: 'x' } },
      }),
    ).rejects.toThrow(/Unsupported value: "Nope"/);
  });

  it('Strict field validation rejects unknown fields (client sends fieldValidation=Strict)', async () => {
    await expect(
      client.create('backup', {
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: 'typo' },
        spec: { includeNamespaces: ['x'] },
      } as any),
    ).rejects.toThrow(/unknown field "spec.includeNamespaces"/);
  });

  it('generateName, uid, increasing resourceVersion, label and field selectors, merge and JSON patch, delete', async () => {
    // held: a controller update between the two patches would (rightly) fail the resourceVersion test
    cluster.velero.script('backups', 'sel-a', 'hold');
    cluster.velero.script('backups', 'sel-b', 'hold');
    const a = await client.create('downloadRequest', buildDownloadRequest('BackupLog', 'zzz', 'velero'));
    const b = await client.create('backup', buildBackup('sel-a', 'velero', {}, { tier: 'gold' }));
    const c = await client.create('backup', buildBackup('sel-b', 'velero', {}, { tier: 'silver' }));
    expect(a.metadata.name).toMatch(/^zzz-oco-[a-z0-9]{5}$/);
    expect(Number(c.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion));
    expect(b.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      (await client.list('backup', { labelSelector: 'tier in (gold)' })).items.map((x) => x.metadata.name),
    ).toEqual(['sel-a']);
    expect(
      (await client.list('backup', { labelSelector: 'tier,tier!=gold' })).items.map((x) => x.metadata.name),
    ).toEqual(['sel-b']);
    expect((await client.list('backup', { fieldSelector: 'metadata.name=sel-b' })).items).toHaveLength(1);
    const merged = await client.mergePatch('backup', 'sel-a', {
      metadata: { labels: { tier: null, extra: 'x' } },
      spec: { ttl: '1h0m0s' },
    });
    expect(merged.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'oco', extra: 'x' });
    const patched = await client.jsonPatch('backup', 'sel-a', [
      { op: 'test', path: '/metadata/resourceVersion', value: merged.metadata.resourceVersion },
      { op: 'add', path: '/spec/includedNamespaces', value: ['q'] },
    ]);
    expect(patched.spec).toEqual({ ttl: '1h0m0s', includedNamespaces: ['q'] });
    await expect(
      client.jsonPatch('backup', 'sel-a', [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }]),
    ).rejects.toMatchObject({ code: 'OCO_K8S_INVALID' });
    await client.delete('backup', 'sel-b');
    await expect(client.get('backup', 'sel-b')).rejects.toMatchObject({ code: 'OCO_K8S_NOT_FOUND' });
  });
});

describe('the watch-based waiter', () => {
  it('resumes from the last resourceVersion when the server closes the stream', async () => {
    cluster.velero.script('backups', 'resume', 'hold');
    await client.create('backup', buildBackup('resume', 'velero', {}));
    const phases: string[] = [];
    const waiting = waitFor(client, 'backup', 'resume', {
      timeoutMs: 10_000,
      done: (o) => o.status?.phase === 'Completed',
      onChange: (o) => phases.push(o.status?.phase ?? 'New'),
    });
    await until(() => cluster.kube.requests.some((r) => r.verb === 'watch' && r.path.includes('resume')));
    cluster.velero.apply('backups', 'resume', { phase: 'InProgress' });
    await until(() => phases.includes('InProgress'));
    const watches = cluster.kube.requests.filter((r) => r.verb === 'watch' && r.path.includes('resume')).length;
    await cluster.kube.stop().then(() => cluster.kube.start(Number(new URL(cluster.url).port))); // server restart: the stream ends
    cluster.velero.apply('backups', 'resume', { phase: 'Completed' }); // happens while no stream is open
    const done = await waiting;
    expect(done!.status.phase).toBe('Completed');
    expect(phases).toEqual(['New', 'InProgress', 'Completed']);
    expect(cluster.kube.requests.filter((r) => r.verb === 'watch' && r.path.includes('resume')).length).toBeGreaterThan(
      watches,
    );
  });

  it.each(['event', 'http'] as const)(
    're-gets the object after a 410 Gone (%s) and still sees the end',
    async (mode) => {
      const local = await startFakeCluster({ historyLimit: 2, goneMode: mode });
      try {
        const c = await clientFor(local.kubeconfig);
        local.velero.script('backups', 'gone', 'hold');
        await c.create('backup', buildBackup('gone', 'velero', {}));
        // the waiter gets the object; many writes happen before its watch opens, so its version is too old
        const origWatch = c.watch.bind(c);
        let first = true;
        c.watch = async (...args: Parameters<VeleroClient['watch']>) => {
          if (first) {
            first = false;
            for (let i = 0; i < 5; i++)
              local.kube.seed('backups', {
                metadata: { name: `noise-${i}`, namespace: 'velero' },
                spec: {},
                status: { phase: 'Completed' },
              });
            local.velero.apply('backups', 'gone', { phase: 'Completed' });
          }
          return origWatch(...args);
        };
        const done = await waitFor(c, 'backup', 'gone', {
          timeoutMs: 5000,
          done: (o) => o.status?.phase === 'Completed',
        });
        expect(done!.status.phase).toBe('Completed');
        expect(local.kube.requests.filter((r) => r.verb === 'get' && r.resource === 'backups').length).toBe(2); // initial get + the one after 410
      } finally {
        await local.stop();
      }
    },
  );

  it('an https cluster whose CA is not the kubeconfig one is unreachable (exit 3), not a crash', async (ctx) => {
    if (!cluster.url.startsWith('https:')) ctx.skip(); // no openssl here: the fake serves plain http
    const { writeKubeconfig } = await import('../fakes/k8s/index.js');
    const wrong = writeKubeconfig(`${cluster.dir}/no-ca`, cluster.url, {});
    const c = await clientFor(wrong);
    await expect(c.list('backup')).rejects.toMatchObject({ code: 'OCO_K8S_UNREACHABLE', exitCode: 3 });
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('kubeconfig handling', () => {
  const secretToken = 'sekrit-token-that-must-never-print-0000';
  const load = (env: Record<string, string>) =>
    connectKube(OcoConfig.load({ env: isolatedEnv({ OCO_HOME: home.path, ...env }) }));

  it('a malformed kubeconfig names the file and line, never its content', async () => {
    const file = `${cluster.dir}/broken`;
    (await import('node:fs')).writeFileSync(
      file,
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${secretToken}\n   bad: [indent\n`,
    );
    const err = await load({ KUBECONFIG: file }).catch((e) => e);
    expect(err).toMatchObject({ code: 'OCO_K8S_BAD_KUBECONFIG', exitCode: 2 });
    expect(err.message).toMatch(new RegExp(`^kubeconfig ${file}:\\d+ cannot be read`));
    expect(JSON.stringify({ m: err.message, h: err.hint })).not.toContain(secretToken);
  });

  it('a missing kubeconfig, an unknown context and a plain-http server are clear errors', async () => {
    await expect(load({ KUBECONFIG: `${cluster.dir}/nope` })).rejects.toMatchObject({ code: 'OCO_K8S_NO_KUBECONFIG' });
    await expect(load({ KUBECONFIG: cluster.kubeconfig, OCO_KUBE_CONTEXT: 'prod' })).rejects.toMatchObject({
      code: 'OCO_K8S_NO_CONTEXT',
      exitCode: 2,
      hint: 'Use --context with one of: fake',
    });
    await expect(load({ HOME: cluster.dir })).rejects.toMatchObject({ code: 'OCO_K8S_NO_KUBECONFIG', exitCode: 3 });
    const { writeKubeconfig } = await import('../fakes/k8s/index.js');
    const plain = new VeleroClient(
      await load({ KUBECONFIG: writeKubeconfig(`${cluster.dir}/plain`, 'http://127.0.0.1:9') }),
      'velero',
    );
    await expect(plain.list('backup')).rejects.toMatchObject({ code: 'OCO_K8S_BAD_KUBECONFIG' });
  });

  it('serves plain http with insecure-skip-tls-verify, like a kind/dev cluster', async () => {
    const local = await startFakeCluster({ plain: true });
    try {
      const c = await clientFor(local.kubeconfig);
      expect(local.url).toMatch(/^http:\/\//);
      expect((await c.list('bsl')).items.map((i) => i.metadata.name)).toEqual(['default']);
    } finally {
      await local.stop();
    }
  });

  it('sends the bearer token to the server and never puts it in an error', async () => {
    cluster.kube.deny('list', 'schedules');
    try {
      const err = await client.list('schedule').catch((e) => e);
      expect(err).toMatchObject({
        code: 'OCO_K8S_FORBIDDEN',
        details: { verb: 'list', resource: 'schedules', group: 'velero.io', namespace: 'velero' },
      });
      expect(JSON.stringify(err.toJSON())).not.toContain('fake-token');
    } finally {
      cluster.kube.allowAll();
    }
    expect(cluster.kube.requests.at(-1)!.headers.authorization).toMatch(/^Bearer fake-token-/);
  });
});

describe('long quiet waits', () => {
  it('a watch that goes quiet is re-opened, not taken for an unreachable cluster', async () => {
    cluster.velero.script('backups', 'quiet', 'hold');
    await client.create('backup', buildBackup('quiet', 'velero', {}));
    const count = () => cluster.kube.requests.filter((r) => r.verb === 'watch' && r.path.includes('quiet')).length;
    // the fake sends bookmarks every second; with 150 ms of allowed silence every stream is cut several times
    const waiting = waitFor(client, 'backup', 'quiet', {
      timeoutMs: 10_000,
      inactivityMs: 150,
      done: (o) => o.status?.phase === 'Completed',
    });
    await until(() => count() >= 7, 8000);
    cluster.velero.apply('backups', 'quiet', { phase: 'Completed' });
    expect((await waiting)!.status.phase).toBe('Completed');
  });
});

describe('policy reconciliation under concurrent change', () => {
  it('a spec changed between read and patch is reported as a concurrent change; a status change is not', async () => {
    const { parsePolicies } = await import('../../src/core/resilience/dr/policy.js');
    const { applyPolicies } = await import('../../src/core/resilience/dr/reconcile.js');
    const { SqliteStore } = await import('../../src/core/base/store/sqlite.js');
    const { migrate } = await import('../../src/core/base/store/migrate.js');
    const store = new SqliteStore({ file: `${home.path}/race.db` });
    await migrate(store);
    try {
      const policies = parsePolicies(
        'policies:\n  - name: race\n    namespaces: [app]\n    schedule: "@daily"\n    rpo: 24h\n',
      );
      await applyPolicies(client, store, policies);
      const drift = () => cluster.kube.update('schedules', 'velero', 'oco-race', (o) => (o.spec.paused = true));
      // wrap the client so that something happens between oco's read and its patch
      const racing = Object.create(client) as VeleroClient;
      let between: () => void = () => {};
      racing.find = (async (kind: any, name: string) => {
        const o = await client.find(kind, name);
        between();
        return o;
      }) as VeleroClient['find'];

      drift();
      between = () =>
        cluster.kube.update(
          'schedules',
          'velero',
          'oco-race',
          (o) => (o.status = { ...o.status, lastBackup: '2026-01-01T00:00:00Z' }),
        );
      expect((await applyPolicies(racing, store, policies))[0]!.action).toBe('updated');

      drift();
      between = () => cluster.kube.update('schedules', 'velero', 'oco-race', (o) => (o.spec.schedule = '@hourly'));
      await expect(applyPolicies(racing, store, policies)).rejects.toMatchObject({ code: 'OCO_DR_CONCURRENT_CHANGE' });
    } finally {
      await store.close();
    }
  });
});

describe('the fake API server on the wire', () => {
  /** A raw request with the cluster's CA and token; resolves at the response head, before the body. */
  async function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const { request } = await import(cluster.url.startsWith('https:') ? 'node:https' : 'node:http');
    const { testPki } = await import('../fakes/k8s/tls.js');
    const { FAKE_TOKEN } = await import('../fakes/k8s/index.js');
    return new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(
        `${cluster.url}${path}`,
        {
          method,
          ca: cluster.url.startsWith('https:') ? testPki().ca : undefined,
          headers: { authorization: `Bearer ${FAKE_TOKEN}`, 'content-type': 'application/json', ...headers },
        },
        resolve,
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
  const text = (res: import('node:http').IncomingMessage) =>
    new Promise<string>((r) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => r(s));
    });

  it('flushes watch headers at once and streams one JSON event per line', async () => {
    cluster.velero.script('backups', 'wire', 'hold');
    const rv = cluster.kube.currentResourceVersion;
    const res = await raw(
      'GET',
      `/apis/velero.io/v1/namespaces/velero/backups?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dwire`,
    );
    expect(res.statusCode).toBe(200); // no event yet, and the head is already here
    const lines: string[] = [];
    res.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)));
    await client.create('backup', buildBackup('wire', 'velero', {}));
    cluster.velero.apply('backups', 'wire', { phase: 'InProgress' });
    await until(() => lines.length >= 2);
    res.destroy();
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['ADDED', 'MODIFIED']);
    expect(JSON.parse(lines[1]!).object.status.phase).toBe('InProgress');
  });

  it('answers errors with metav1 Status bodies: 409 AlreadyExists, 422 Invalid, 403 Forbidden, 401', async () => {
    const dup = await raw('POST', '/apis/velero.io/v1/namespaces/velero/backups', buildBackup('wire', 'velero', {}));
    expect(dup.statusCode).toBe(409);
    expect(JSON.parse(await text(dup))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'backups.velero.io "wire" already exists',
      reason: 'AlreadyExists',
      details: { name: 'wire', group: 'velero.io', kind: 'backups' },
      code: 409,
    });
    const bad = await raw('POST', '/apis/velero.io/v1/namespaces/velero/schedules', {
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: 's' },
      spec: {},
    });
    expect(bad.statusCode).toBe(422);
    const status = JSON.parse(await text(bad));
    expect(status).toMatchObject({
      reason: 'Invalid',
      code: 422,
      details: {
        kind: 'Schedule',
        causes: [
          { reason: 'FieldValueRequired', field: 'spec.schedule' },
          { reason: 'FieldValueRequired', field: 'spec.template' },
        ],
      },
    });
    cluster.kube.deny('delete', 'backups');
    try {
      const forbidden = await raw('DELETE', '/apis/velero.io/v1/namespaces/velero/backups/wire');
      expect(forbidden.statusCode).toBe(403);
      expect(JSON.parse(await text(forbidden)).message).toBe(
        'backups.velero.io "wire" is forbidden: User "system:serviceaccount:ci:oco" cannot delete resource "backups" in API group "velero.io" in the namespace "velero"',
      );
    } finally {
      cluster.kube.allowAll();
    }
    const anon = await raw('GET', '/apis/velero.io/v1/namespaces/velero/backups', undefined, {
      authorization: 'Bearer wrong',
    });
    expect(anon.statusCode).toBe(401);
    await text(anon);
  });
});
