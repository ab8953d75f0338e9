/**
 * oco backup-location / snapshot-location against the fake API server (CRD validation from
 * test/reference/velero-crds, the fake Velero controller validating new locations), with the real kubectl
 * reading back what oco created when it is on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildBackupLocation, backupLocationPatch } from '../../src/core/resilience/velero/backup-locations.js';
import { buildSnapshotLocation } from '../../src/core/resilience/velero/snapshot-locations.js';
import { loadVeleroResources } from '../fakes/k8s/server.js';
import { validate } from '../fakes/k8s/schema.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('location builders validate against the real Velero CRDs', () => {
  const schemas = Object.fromEntries(loadVeleroResources().map((r) => [r.kind, r.schema!]));
  const check = (o: any) => {
    const r = validate(schemas[o.kind]!, structuredClone(o));
    expect(r.causes, JSON.stringify(r.causes)).toEqual([]);
    expect(r.unknownFields).toEqual([]);
  };

  it('every field set, nothing pruned', () => {
    const bsl = buildBackupLocation('eu', 'velero', {
      provider: 'aws',
      bucket: 'backups-eu',
      prefix: 'prod',
      config: 'region=eu-west-1,s3ForcePathStyle=true',
      credential: 'cloud-credentials=cloud',
      default: true,
      accessMode: 'ReadOnly',
      backupSyncPeriod: '2m',
      validationFrequency: '90s',
      caCert: PEM,
    });
    check(bsl);
    expect(bsl.spec).toEqual({
      provider: 'aws',
      objectStorage: { bucket: 'backups-eu', prefix: 'prod', caCert: Buffer.from(PEM).toString('base64') },
      config: { region: 'eu-west-1', s3ForcePathStyle: 'true' },
      credential: { name: 'cloud-credentials', key: 'cloud' },
      default: true,
      accessMode: 'ReadOnly',
      backupSyncPeriod: '2m0s',
      validationFrequency: '1m30s',
    });
    check(buildSnapshotLocation('eu', 'velero', { provider: 'aws', config: 'region=eu-west-1', credential: 's=k' }));
  });

  it('bad values name their flag', () => {
    const base = { provider: 'aws', bucket: 'b' };
    expect(() => buildBackupLocation('EU', 'velero', base)).toThrow('backup location name: "EU" is not a valid name');
    expect(() => buildBackupLocation('eu', 'velero', { ...base, config: 'region' })).toThrow(
      '--config: "region" is not key=value',
    );
    expect(() => buildBackupLocation('eu', 'velero', { ...base, credential: 'a=b,c=d' })).toThrow(
      '--credential: "a=b,c=d" is not secret-name=key',
    );
    expect(() => buildBackupLocation('eu', 'velero', { ...base, validationFrequency: 'daily' })).toThrow(
      '--validation-frequency: "daily" is not a duration',
    );
    expect(() => backupLocationPatch({})).toThrow('nothing to change');
    expect(backupLocationPatch({ default: false })).toEqual({ spec: { default: false } });
  });
});

describe('oco backup-location / snapshot-location', () => {
  let env: K8sEnv;
  const kubectl = async (...args: string[]) =>
    (
      await run(kubectlPath, ['--kubeconfig', env.cluster.kubeconfig, '-n', 'velero', ...args], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH, HOME: env.cluster.dir },
      })
    ).stdout;

  beforeAll(async () => {
    env = await k8sEnv();
    env.cluster.velero.missingBuckets.add('gone-bucket');
    env.cluster.kube.seed('backups', {
      metadata: {
        name: 'on-old',
        namespace: 'velero',
        labels: { 'velero.io/storage-location': 'old' },
      },
      spec: { storageLocation: 'old' },
      status: { phase: 'Completed' },
    });
  });
  afterAll(async () => env?.stop());

  /** The controller validates a new location a few milliseconds after it is created. */
  const validated = async (name: string) => {
    for (let i = 0; i < 400; i++) {
      const o = env.cluster.kube.get('backupstoragelocations', 'velero', name);
      if (o?.status?.phase) return o;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`location ${name} was never validated`);
  };

  it('create sends exactly the CRD fields; list shows phase, last validation, default, bucket/prefix', async () => {
    const ca = join(env.home.path, 'ca.pem');
    writeFileSync(ca, PEM);
    const r = await env.oco([
      'backup-location',
      'create',
      'secondary',
      '--provider',
      'aws',
      '--bucket',
      'backups-eu',
      '--prefix',
      'prod',
      '--config',
      'region=eu-west-1',
      '--credential',
      'cloud-credentials=cloud',
      '--cacert',
      ca,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ name: 'secondary', provider: 'aws', bucket: 'backups-eu', default: false });
    const o = await validated('secondary');
    expect(o.spec).toEqual({
      provider: 'aws',
      objectStorage: { bucket: 'backups-eu', prefix: 'prod', caCert: Buffer.from(PEM).toString('base64') },
      config: { region: 'eu-west-1' },
      credential: { name: 'cloud-credentials', key: 'cloud' },
    });
    expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'oco' });

    const broken = await env.oco(['backup-location', 'create', 'old', '--provider', 'aws', '--bucket', 'gone-bucket']);
    expect(broken.code, broken.stderr).toBe(0);
    await validated('old');

    const list = await env.oco(['backup-location', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.json();
    expect(rows.map((x: any) => [x.name, x.phase, x.default, x.prefix])).toEqual([
      ['default', 'Available', true, null],
      ['old', 'Unavailable', false, null],
      ['secondary', 'Available', false, 'prod'],
    ]);
    expect(rows[1].message).toMatch(/NoSuchBucket/);
    expect(Date.parse(rows[2].lastValidationTime)).toBeGreaterThan(Date.now() - 600_000);

    const human = await env.oco(['backup-location', 'list']);
    expect(human.stdout).toMatch(/^NAME\s+PROVIDER\s+BUCKET\/PREFIX\s+PHASE\s+LAST VALIDATED\s+ACCESS MODE\s+DEFAULT/);
    expect(human.stdout).toMatch(/^default\s+aws\s+velero-backups\s+Available\s+\S+ ago\s+ReadWrite\s+yes$/m);
    expect(human.stdout).toMatch(/^old\s+aws\s+gone-bucket\s+Unavailable/m);
    expect(human.stdout).toMatch(/^secondary\s+aws\s+backups-eu\/prod\s+Available/m);

    const get = await env.oco(['backup-location', 'get', 'old']);
    expect(get.stdout).toMatch(/phase: Unavailable/);
    expect(get.stdout).toMatch(/NoSuchBucket/);
  });

  it('create --default is refused while another location is the default; bad input never reaches the server', async () => {
    const before = env.cluster.kube.requests.length;
    const r = await env.oco(['backup-location', 'create', 'third', '--provider', 'aws', '--bucket', 'b', '--default']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--default: "default" is the default backup location already/);
    expect(env.cluster.kube.get('backupstoragelocations', 'velero', 'third')).toBeUndefined();

    const bad = await env.oco([
      'backup-location',
      'create',
      'third',
      '--provider',
      'aws',
      '--bucket',
      'b',
      '--config',
      'region',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--config: "region" is not key=value/);
    const mode = await env.oco([
      'backup-location',
      'create',
      'third',
      '--provider',
      'aws',
      '--bucket',
      'b',
      '--access-mode',
      'rw',
    ]);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--access-mode/);
    const noBucket = await env.oco(['backup-location', 'create', 'third', '--provider', 'aws']);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toMatch(/bucket/);
    const creates = env.cluster.kube.requests.slice(before).filter((q) => q.verb === 'create');
    expect(creates).toEqual([]);
  });

  it('set --default moves the default flag; set patches credential and access mode', async () => {
    const r = await env.oco([
      'backup-location',
      'set',
      'secondary',
      '--default',
      '--access-mode',
      'ReadOnly',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      location: { name: 'secondary', default: true, accessMode: 'ReadOnly' },
      previousDefaults: ['default'],
    });
    expect(env.cluster.kube.get('backupstoragelocations', 'velero', 'default')!.spec.default).toBe(false);
    // the status Velero wrote is untouched by the patch
    expect(env.cluster.kube.get('backupstoragelocations', 'velero', 'secondary')!.status.phase).toBe('Available');

    const cred = await env.oco(['backup-location', 'set', 'secondary', '--credential', 'v2=cloud', '--json']);
    expect(cred.code, cred.stderr).toBe(0);
    expect(env.cluster.kube.get('backupstoragelocations', 'velero', 'secondary')!.spec).toMatchObject({
      credential: { name: 'v2', key: 'cloud' },
      default: true,
      accessMode: 'ReadOnly',
    });
    const nothing = await env.oco(['backup-location', 'set', 'secondary']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
    const missing = await env.oco(['backup-location', 'set', 'nowhere', '--default']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere/);
  });

  it('delete asks (or --confirm), names the backups stored there, leaves the rest', async () => {
    const refused = await env.oco(['backup-location', 'delete', 'old']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Delete backup storage location "old" \(1 backup\(s\) stored in it\)/);
    const r = await env.oco(['backup-location', 'delete', 'old', '--confirm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ name: 'old', deleted: true, backups: ['on-old'] });
    expect(env.cluster.kube.get('backupstoragelocations', 'velero', 'old')).toBeUndefined();
    expect(env.cluster.kube.get('backups', 'velero', 'on-old')).toBeDefined();
  });

  it('snapshot-location create / list / get / set', async () => {
    const r = await env.oco([
      'snapshot-location',
      'create',
      'aws-eu',
      '--provider',
      'aws',
      '--config',
      'region=eu-west-1',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(env.cluster.kube.get('volumesnapshotlocations', 'velero', 'aws-eu')!.spec).toEqual({
      provider: 'aws',
      config: { region: 'eu-west-1' },
    });
    const set = await env.oco(['snapshot-location', 'set', 'aws-eu', '--credential', 'snap=cloud', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ name: 'aws-eu', credential: { name: 'snap', key: 'cloud' } });
    const list = await env.oco(['snapshot-location', 'list', '--json']);
    expect(list.json()).toEqual([
      {
        name: 'aws-eu',
        provider: 'aws',
        phase: null,
        credential: { name: 'snap', key: 'cloud' },
        config: { region: 'eu-west-1' },
        createdAt: expect.any(String),
      },
    ]);
    const human = await env.oco(['snapshot-location', 'list']);
    expect(human.stdout).toMatch(/^aws-eu\s+aws\s+unknown\s+region=eu-west-1$/m);
    const get = await env.oco(['snapshot-location', 'get', 'aws-eu', '--json']);
    expect(get.json()).toMatchObject({ name: 'aws-eu', spec: { provider: 'aws' } });
    const empty = await env.oco(['snapshot-location', 'set', 'aws-eu']);
    expect(empty.code).toBe(2);
    const noProvider = await env.oco(['snapshot-location', 'create', 'x']);
    expect(noProvider.code).toBe(2);
  });

  it.skipIf(!kubectlPath)('kubectl reads back what oco created, with the CRD printer columns', async () => {
    const table = await kubectl('get', 'backupstoragelocations');
    expect(table).toMatch(/^NAME\s+PHASE\s+LAST VALIDATED\s+AGE\s+DEFAULT/);
    expect(table).toMatch(/^secondary\s+Available\s+\S+\s+\S+\s+true$/m);
    const bsl = JSON.parse(await kubectl('get', 'bsl', 'secondary', '-o', 'json'));
    expect(bsl).toMatchObject({
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      spec: {
        provider: 'aws',
        objectStorage: { bucket: 'backups-eu', prefix: 'prod' },
        credential: { name: 'v2', key: 'cloud' },
        default: true,
        accessMode: 'ReadOnly',
      },
    });
    expect(await kubectl('get', 'volumesnapshotlocations', 'aws-eu', '-o', 'jsonpath={.spec.credential.name}')).toBe(
      'snap',
    );
  });
});
