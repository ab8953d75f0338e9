/**
 * Velero 1.18 parity of the create and list commands (issue #18): cluster-scoped and scoped resource filters,
 * --or-selector, --ordered-resources, the restore options, volume and data-mover options, --labels/--annotations,
 * -o json|yaml (velero's dry run on create; the --json document on list) and --show-labels. Each object is created
 * through the built CLI, validated by the fake API server against the real CRDs (fieldValidation=Strict: an unknown
 * field is refused) and read back, with the real kubectl when it is on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { k8sEnv, type K8sEnv } from './helpers.js';
import { loadVeleroResources } from '../fakes/k8s/server.js';
import { validate } from '../fakes/k8s/schema.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

const run = promisify(execFile);
const kubectlPath = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

let env: K8sEnv;
const schemas = Object.fromEntries(loadVeleroResources().map((r) => [r.kind, r.schema!]));

beforeAll(async () => {
  env = await k8sEnv();
  const backup = (name: string, schedule: string, phase: string, started: string) =>
    env.cluster.kube.seed('backups', {
      metadata: { name, namespace: 'velero', labels: { 'velero.io/schedule-name': schedule } },
      spec: { includedNamespaces: ['app'] },
      status: { phase, startTimestamp: started },
    });
  backup('daily-1', 'daily', 'Completed', '2026-01-01T02:00:00Z');
  backup('daily-2', 'daily', 'PartiallyFailed', '2026-01-02T02:00:00Z');
  backup('daily-3', 'daily', 'Failed', '2026-01-03T02:00:00Z');
  backup('other-1', 'other', 'Completed', '2026-01-04T02:00:00Z');
  backup('broken-1', 'broken', 'Failed', '2026-01-04T02:00:00Z');
});
afterAll(async () => env?.stop());

/** What the fake API server stored. */
const stored = (plural: string, name: string) => env.cluster.kube.get(plural, 'velero', name);
const creates = () => env.cluster.kube.requests.filter((r) => r.verb === 'create').length;

/** The object as the real kubectl reads it back (when kubectl is installed), else as the fake stored it. */
async function readBack(resource: string, plural: string, name: string): Promise<any> {
  if (!kubectlPath) return stored(plural, name);
  const r = await run(
    kubectlPath,
    ['--kubeconfig', env.cluster.kubeconfig, '-n', 'velero', 'get', resource, name, '-o', 'json'],
    // async: the fake server runs in this process, a synchronous exec would block it
    { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: env.cluster.dir } },
  );
  return JSON.parse(r.stdout);
}

/** A printed object is what the API server would accept: schema-valid, no field it would prune. */
function expectCrdValid(o: any) {
  const r = validate(schemas[o.kind]!, structuredClone(o));
  expect(r.causes, JSON.stringify(r.causes)).toEqual([]);
  expect(r.unknownFields).toEqual([]);
}

describe('backup and schedule create: filters, volumes, metadata', () => {
  it('a full-cluster DR backup with every new flag lands in the exact CRD fields', async () => {
    const r = await env.oco([
      'backup',
      'create',
      'full-dr',
      '--include-cluster-scoped-resources',
      'customresourcedefinitions.apiextensions.k8s.io,persistentvolumes',
      '--exclude-cluster-scoped-resources',
      'storageclasses.storage.k8s.io',
      '--include-namespace-scoped-resources',
      '*',
      '--exclude-namespace-scoped-resources',
      'events',
      '--exclude-namespace-scoped-resources',
      'events.events.k8s.io',
      '--or-selector',
      'app=web or tier in (db,cache)',
      '--ordered-resources',
      'pods=app/web-0,app/web-1; persistentvolumes=pv-a',
      '--snapshot-move-data=true',
      '--data-mover',
      'velero',
      '--volume-snapshot-locations',
      'aws-eu,gcp-eu',
      '--csi-snapshot-timeout',
      '20m',
      '--item-operation-timeout',
      '1h30m',
      '--resource-policies-configmap',
      'skip-tmp',
      '--parallel-files-upload',
      '8',
      '--labels',
      'team=payments,example.com/tier=gold',
      '--annotations',
      'ticket=OPS-42',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = await readBack('backups.velero.io', 'backups', 'full-dr');
    expect(o.spec).toEqual({
      includedClusterScopedResources: ['customresourcedefinitions.apiextensions.k8s.io', 'persistentvolumes'],
      excludedClusterScopedResources: ['storageclasses.storage.k8s.io'],
      includedNamespaceScopedResources: ['*'],
      excludedNamespaceScopedResources: ['events', 'events.events.k8s.io'],
      orLabelSelectors: [
        { matchLabels: { app: 'web' } },
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] },
      ],
      orderedResources: { pods: 'app/web-0,app/web-1', persistentvolumes: 'pv-a' },
      snapshotMoveData: true,
      datamover: 'velero',
      volumeSnapshotLocations: ['aws-eu', 'gcp-eu'],
      csiSnapshotTimeout: '20m0s',
      itemOperationTimeout: '1h30m0s',
      resourcePolicy: { kind: 'configmap', name: 'skip-tmp' },
      uploaderConfig: { parallelFilesUpload: 8 },
    });
    expect(o.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'oco',
      team: 'payments',
      'example.com/tier': 'gold',
    });
    expect(o.metadata.annotations).toEqual({ ticket: 'OPS-42' });
  });

  it('the older model: --include-cluster-resources[=false], velero booleans, --no- forms', async () => {
    const on = await env.oco([
      'backup',
      'create',
      'with-cluster',
      '--include-namespaces',
      'app',
      '--include-cluster-resources',
      '--snapshot-move-data=false',
      '--json',
    ]);
    expect(on.code, on.stderr).toBe(0);
    expect(stored('backups', 'with-cluster')?.spec).toEqual({
      includedNamespaces: ['app'],
      includeClusterResources: true,
      snapshotMoveData: false,
    });
    const off = await env.oco(['backup', 'create', 'no-cluster', '--include-cluster-resources=false', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(stored('backups', 'no-cluster')?.spec).toEqual({ includeClusterResources: false });
    const no = await env.oco(['backup', 'create', 'no-cluster-2', '--no-include-cluster-resources', '--json']);
    expect(no.code, no.stderr).toBe(0);
    expect(stored('backups', 'no-cluster-2')?.spec).toEqual({ includeClusterResources: false });
  });

  it('a schedule carries the same template fields; --labels/--annotations label the Schedule itself', async () => {
    const r = await env.oco([
      'schedule',
      'create',
      'cluster-dr',
      '--schedule',
      '0 3 * * *',
      '--include-cluster-scoped-resources',
      '*',
      '--include-namespace-scoped-resources',
      '*',
      '--snapshot-move-data',
      '--csi-snapshot-timeout',
      '15m',
      '--or-selector',
      'a=b or c=d',
      '--ordered-resources',
      'persistentvolumeclaims=db/data-0',
      '--resource-policies-configmap',
      'policies',
      '--parallel-files-upload',
      '2',
      '--labels',
      'team=data',
      '--annotations',
      'owner=dba@example.com',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = await readBack('schedules.velero.io', 'schedules', 'cluster-dr');
    expect(o.spec.template).toEqual({
      includedClusterScopedResources: ['*'],
      includedNamespaceScopedResources: ['*'],
      snapshotMoveData: true,
      csiSnapshotTimeout: '15m0s',
      orLabelSelectors: [{ matchLabels: { a: 'b' } }, { matchLabels: { c: 'd' } }],
      orderedResources: { persistentvolumeclaims: 'db/data-0' },
      resourcePolicy: { kind: 'configmap', name: 'policies' },
      uploaderConfig: { parallelFilesUpload: 2 },
    });
    expect(o.metadata.labels).toMatchObject({ team: 'data' });
    expect(o.metadata.annotations).toEqual({ owner: 'dba@example.com' });
  });
});

describe('restore create: restore options', () => {
  it('every restore option lands in the exact CRD fields', async () => {
    const r = await env.oco([
      'restore',
      'create',
      'dr-restore',
      '--from-backup',
      'daily-1',
      '--include-cluster-resources=true',
      '--or-selector',
      'app=web or app=api',
      '--preserve-nodeports',
      '--status-include-resources',
      'workflows.argoproj.io',
      '--status-exclude-resources',
      'pods',
      '--resource-modifier-configmap',
      'rename-sc',
      '--item-operation-timeout',
      '2h',
      '--write-sparse-files=true',
      '--parallel-files-download',
      '6',
      '--labels',
      'reason=drill',
      '--annotations',
      'ticket=OPS-7',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const o = await readBack('restores.velero.io', 'restores', 'dr-restore');
    expect(o.spec).toMatchObject({
      backupName: 'daily-1',
      includeClusterResources: true,
      orLabelSelectors: [{ matchLabels: { app: 'web' } }, { matchLabels: { app: 'api' } }],
      preserveNodePorts: true,
      restoreStatus: { includedResources: ['workflows.argoproj.io'], excludedResources: ['pods'] },
      resourceModifier: { kind: 'configmap', name: 'rename-sc' },
      itemOperationTimeout: '2h0m0s',
      uploaderConfig: { writeSparseFiles: true, parallelFilesDownload: 6 },
    });
    expect(o.metadata.labels).toMatchObject({ reason: 'drill' });
    expect(o.metadata.annotations).toEqual({ ticket: 'OPS-7' });
  });

  it('--from-schedule --allow-partially-failed restores the newest Completed or PartiallyFailed backup by name', async () => {
    const picked = await env.oco(['restore', 'create', 'pick', '--from-schedule', 'daily', '--allow-partially-failed']);
    expect(picked.code, picked.stderr).toBe(0);
    // daily-3 is newer but Failed; other-1 is newer but another schedule's
    expect(stored('restores', 'pick')?.spec).toMatchObject({ backupName: 'daily-2' });
    expect(stored('restores', 'pick')?.spec.scheduleName).toBeUndefined();

    const plain = await env.oco(['restore', 'create', 'plain', '--from-schedule', 'daily']);
    expect(plain.code, plain.stderr).toBe(0);
    // oco sent the schedule; the (fake) Velero controller filled in its newest Completed backup, as Velero does
    expect(stored('restores', 'plain')?.spec).toMatchObject({ scheduleName: 'daily', backupName: 'daily-1' });

    // velero's =false is the flag not given; nothing usable: the schedule is left to Velero
    const off = await env.oco([
      'restore',
      'create',
      'off',
      '--from-schedule',
      'daily',
      '--allow-partially-failed=false',
    ]);
    expect(off.code, off.stderr).toBe(0);
    expect(stored('restores', 'off')?.spec).toMatchObject({ scheduleName: 'daily' });
    const none = await env.oco(['restore', 'create', 'none', '--from-schedule', 'broken', '--allow-partially-failed']);
    expect(none.code, none.stderr).toBe(0);
    expect(stored('restores', 'none')?.spec).toMatchObject({ scheduleName: 'broken' });
  });
});

describe('-o json|yaml on create: the object printed, nothing sent', () => {
  it('backup, schedule and restore print a CRD-valid object and create nothing, without even a kubeconfig', async () => {
    const before = creates();
    const cases: Array<[string[], string, string]> = [
      [
        ['backup', 'create', 'dry-b', '--include-cluster-scoped-resources', 'persistentvolumes', '--labels', 'a=b'],
        'Backup',
        'backups',
      ],
      [['schedule', 'create', 'dry-s', '--schedule', '@daily', '--snapshot-move-data'], 'Schedule', 'schedules'],
      [['restore', 'create', 'dry-r', '--from-backup', 'daily-1', '--preserve-nodeports'], 'Restore', 'restores'],
    ];
    for (const [args, kind, plural] of cases) {
      for (const format of ['yaml', 'json']) {
        const r = await env.oco([...args, '-o', format], { kubeconfig: '/nonexistent/kubeconfig' });
        expect(r.code, r.stderr).toBe(0);
        const o = format === 'yaml' ? parseYaml(r.stdout) : JSON.parse(r.stdout);
        expect(o).toMatchObject({ apiVersion: 'velero.io/v1', kind, metadata: { namespace: 'velero' } });
        expectCrdValid(o);
        expect(stored(plural, args[2]!)).toBeUndefined();
      }
    }
    expect(creates()).toBe(before);
  });

  it('the dry run holds exactly what the created object holds (same flags, --json)', async () => {
    const args = ['backup', 'create', 'twin', '--include-namespaces', 'app', '--ttl', '72h', '--labels', 'x=y'];
    const dry = parseYaml((await env.oco([...args, '-o', 'yaml'])).stdout);
    expect(stored('backups', 'twin')).toBeUndefined();
    const made = await env.oco([...args, '--json']);
    expect(made.code, made.stderr).toBe(0);
    const o = stored('backups', 'twin')!;
    expect(o.spec).toEqual(dry.spec);
    expect(o.metadata.labels).toEqual(dry.metadata.labels);
  });

  it('--from-schedule --allow-partially-failed -o yaml reads the cluster to pick the backup, creates nothing', async () => {
    const before = creates();
    const r = await env.oco([
      'restore',
      'create',
      'dry-pick',
      '--from-schedule',
      'daily',
      '--allow-partially-failed',
      '-o',
      'yaml',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseYaml(r.stdout).spec).toEqual({ backupName: 'daily-2' });
    expect(stored('restores', 'dry-pick')).toBeUndefined();
    expect(creates()).toBe(before);
  });
});

describe('bad values: exit 2 naming the flag, nothing created', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'a duration',
      ['backup', 'create', 'bad', '--csi-snapshot-timeout', '10 minutes'],
      /--csi-snapshot-timeout: "10 minutes" is not a duration/,
    ],
    [
      'a restore duration',
      ['restore', 'create', 'bad', '--from-backup', 'daily-1', '--item-operation-timeout', '4hours'],
      /--item-operation-timeout: "4hours" is not a duration/,
    ],
    [
      'ordered resources without =',
      ['backup', 'create', 'bad', '--ordered-resources', 'pods'],
      /--ordered-resources: "pods" is not resource=names/,
    ],
    [
      'an ordered name that is no name',
      ['schedule', 'create', 'bad', '--schedule', '@daily', '--ordered-resources', 'pods=a/b/c'],
      /--ordered-resources: "pods=a\/b\/c" has "a\/b\/c"/,
    ],
    [
      'an or-selector that is no selector',
      ['backup', 'create', 'bad', '--or-selector', 'app=web or ==x'],
      /--or-selector: cannot parse "==x"/,
    ],
    [
      'an empty alternative',
      ['restore', 'create', 'bad', '--from-backup', 'daily-1', '--or-selector', 'a=b or '],
      /--or-selector: "a=b or " has an empty selector/,
    ],
    [
      '--selector with --or-selector',
      ['backup', 'create', 'bad', '-l', 'a=b', '--or-selector', 'c=d'],
      /either --selector or --or-selector/,
    ],
    [
      'old and scoped filters together',
      ['backup', 'create', 'bad', '--include-cluster-resources', '--include-namespace-scoped-resources', 'pods'],
      /cannot be used with the scoped filters/,
    ],
    ['a label key', ['backup', 'create', 'bad', '--labels', 'Bad Key=1'], /--labels: "Bad Key=1" is not a valid label/],
    [
      'a label value',
      ['restore', 'create', 'bad', '--from-backup', 'daily-1', '--labels', 'a=b c'],
      /--labels: "a=b c" is not a valid label/,
    ],
    [
      'an annotation without =',
      ['schedule', 'create', 'bad', '--schedule', '@daily', '--annotations', 'note'],
      /--annotations: "note" is not key=value/,
    ],
    [
      'a negative parallelism',
      ['backup', 'create', 'bad', '--parallel-files-upload', '-1'],
      /--parallel-files-upload: Expected an integer greater than or equal to 0/,
    ],
    [
      'a configmap name',
      ['backup', 'create', 'bad', '--resource-policies-configmap', 'My_Policies'],
      /--resource-policies-configmap: "My_Policies" is not a valid name/,
    ],
    [
      'a boolean',
      ['restore', 'create', 'bad', '--from-backup', 'daily-1', '--preserve-nodeports=yes'],
      /--preserve-nodeports: "yes" is not a boolean/,
    ],
    [
      'an output format',
      ['backup', 'create', 'bad', '-o', 'table'],
      /Expected --output=table to be one of: json, yaml/,
    ],
    [
      '-o yaml with --json',
      ['backup', 'create', 'bad', '-o', 'yaml', '--json'],
      /--json and -o yaml ask for two formats/,
    ],
  ];
  it.each(cases)('%s', async (_what, args, message) => {
    const before = creates();
    const r = await env.oco(args);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr + r.stdout).toMatch(message);
    for (const plural of ['backups', 'schedules', 'restores']) expect(stored(plural, 'bad')).toBeUndefined();
    expect(creates()).toBe(before);
  });
});

describe('list: -o json|yaml and --show-labels', () => {
  it('-o yaml is the --json document as YAML, -o json the --json document', async () => {
    for (const kind of ['backup', 'restore', 'schedule']) {
      const json = await env.oco([kind, 'list', '--json']);
      expect(json.code, json.stderr).toBe(0);
      const yaml = await env.oco([kind, 'list', '-o', 'yaml']);
      expect(yaml.code, yaml.stderr).toBe(0);
      // the rows carry relative next-run times only for schedules, computed per run: compare names and phases
      const pick = (rows: Array<{ name: string; phase: string }>) => rows.map((r) => `${r.name}:${r.phase}`);
      expect(pick(parseYaml(yaml.stdout))).toEqual(pick(json.json()));
      if (kind === 'backup')
        expect(pick(JSON.parse((await env.oco([kind, 'list', '-o', 'json'])).stdout))).toEqual(pick(json.json()));
    }
  });

  it('--show-labels adds a LABELS column, and labels to each json/yaml row', async () => {
    const table = await env.oco(['backup', 'list', '--show-labels', '--sort-by', 'name']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/\bLABELS$/);
    expect(table.stdout).toMatch(
      /^full-dr\s.*app\.kubernetes\.io\/managed-by=oco,example\.com\/tier=gold,team=payments$/m,
    );
    expect(table.stdout).toMatch(/^daily-1\s.*velero\.io\/schedule-name=daily$/m);
    const plain = await env.oco(['backup', 'list']);
    expect(plain.stdout.split('\n')[0]).not.toMatch(/LABELS/);

    const rows = parseYaml((await env.oco(['schedule', 'list', '--show-labels', '-o', 'yaml'])).stdout);
    expect(rows.find((r: { name: string }) => r.name === 'cluster-dr').labels).toMatchObject({ team: 'data' });
    const restores = (await env.oco(['restore', 'list', '--show-labels', '--json'])).json();
    expect(restores.find((r: { name: string }) => r.name === 'dr-restore').labels).toMatchObject({ reason: 'drill' });
    const noLabels = (await env.oco(['restore', 'list', '--json'])).json();
    expect(noLabels[0]).not.toHaveProperty('labels');
  });
});
