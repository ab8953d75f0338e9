/**
 * A fake Velero server: it reacts to objects created on the FakeKube the way
 * Velero's controllers do. Backups and restores walk through scripted phases
 * (success by default, failures on request), schedules are validated and can be
 * fired, DeleteBackupRequests delete backups (refused while one runs) and
 * DownloadRequests get a pre-signed loopback URL that expires (logs and JSON files
 * gzipped, the backup tarball as the .tar.gz it is); like Velero, the controller
 * deletes a DownloadRequest once its expiration has passed.
 */
import { gzipSync } from 'node:zlib';
import { CronExpressionParser } from 'cron-parser';
import type { FakeKube, KObject, StoredEvent } from './server.js';
import { tarGz } from './tar.js';

export interface Step {
  phase: string;
  /** Delay before this step is applied (default 15 ms). */
  afterMs?: number;
  items?: number;
  total?: number;
  errors?: number;
  warnings?: number;
  failureReason?: string;
  validationErrors?: string[];
}

/** Steps to play, or 'hold' to leave the object where it is until the test moves it. */
export type Script = Step[] | 'hold';

/** Phases in which a backup's tarball is in object storage (a Failed backup's may be missing: here it is). */
const UPLOADED = new Set(['Completed', 'PartiallyFailed', 'WaitingForPluginOperations', 'Finalizing']);

const TERMINAL = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

const DEFAULT_BACKUP: Step[] = [
  { phase: 'InProgress', items: 0, total: 40 },
  { phase: 'InProgress', items: 20, total: 40, warnings: 1 },
  { phase: 'Completed', items: 40, total: 40, warnings: 1 },
];
const DEFAULT_RESTORE: Step[] = [
  { phase: 'InProgress', items: 0, total: 40 },
  { phase: 'Completed', items: 40, total: 40 },
];

export class FakeVelero {
  readonly namespace: string;
  private readonly kube: FakeKube;
  private readonly scripts = new Map<string, Script>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe?: () => void;
  /** Log lines served for BackupLog / RestoreLog downloads, by object name. */
  readonly logs = new Map<string, string[]>();
  /** Buckets the fake object storage does not have: a location pointing at one validates Unavailable. */
  readonly missingBuckets = new Set<string>();
  /** Resource lists served for BackupResourceList downloads, by backup name. */
  readonly resourceLists = new Map<string, Record<string, string[]>>();
  /** Backup tarballs (.tar.gz bytes) served for BackupContents, by backup name; otherwise one is built. */
  readonly contents = new Map<string, Buffer>();
  /** How long a signed URL (and the DownloadRequest's status.expiration) lasts: Velero's default is 10 minutes. */
  signedUrlTtlMs = 600_000;
  /**
   * Velero re-queues processed DownloadRequests periodically and deletes the expired ones; this is how
   * long after the expiration that happens here.
   */
  resyncMs = 2_000;

  constructor(kube: FakeKube, namespace = 'velero') {
    this.kube = kube;
    this.namespace = namespace;
  }

  start(): this {
    if (!this.kube.get('namespaces', undefined, this.namespace))
      this.kube.seed('namespaces', {
        metadata: { name: this.namespace },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    this.kube.seed('backupstoragelocations', {
      metadata: { name: 'default', namespace: this.namespace },
      spec: { provider: 'aws', default: true, objectStorage: { bucket: 'velero-backups' } },
      status: { phase: 'Available', lastValidationTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    this.unsubscribe = this.kube.onEvent((e) => this.react(e));
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** What the controller does with the backup or restore of this name (plural: backups | restores). */
  script(plural: 'backups' | 'restores', name: string, script: Script): void {
    this.scripts.set(`${plural}/${name}`, script);
  }

  /** Applies one step to an object now, as the controller would (used with 'hold' scripts and benchmarks). */
  apply(plural: 'backups' | 'restores', name: string, step: Step): KObject | undefined {
    const o = this.kube.update(plural, this.namespace, name, (x) => applyStep(plural, x, step));
    if (o && plural === 'restores' && (step.phase === 'Completed' || step.phase === 'PartiallyFailed')) {
      // Velero creates the (mapped) namespaces it restores into
      const mapping: Record<string, string> = o.spec?.namespaceMapping ?? {};
      for (const ns of (o.spec?.includedNamespaces as string[] | undefined) ?? Object.keys(mapping)) {
        const target = mapping[ns] ?? ns;
        if (target !== '*' && !this.kube.get('namespaces', undefined, target))
          this.kube.seed('namespaces', {
            metadata: { name: target, labels: { 'velero.io/restore-name': name } },
            spec: {},
            status: { phase: 'Active' },
          });
      }
    }
    return o;
  }

  /** Runs a schedule now: the Backup it creates is named and labelled like Velero's. */
  fireSchedule(name: string, at = new Date()): KObject {
    const schedule = this.kube.get('schedules', this.namespace, name);
    if (!schedule) throw new Error(`no schedule ${name}`);
    const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const backup = this.kube.seed('backups', {
      metadata: {
        name: `${name}-${stamp}`,
        namespace: this.namespace,
        labels: { ...(schedule.spec.template?.metadata?.labels ?? {}), 'velero.io/schedule-name': name },
        creationTimestamp: at.toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      spec: structuredClone(schedule.spec.template ?? {}),
    });
    this.kube.update('schedules', this.namespace, name, (o) => {
      o.status = { ...(o.status ?? {}), lastBackup: at.toISOString().replace(/\.\d+Z$/, 'Z') };
    });
    return backup;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private react(e: StoredEvent): void {
    if (e.object.metadata.namespace !== this.namespace) return;
    const name = e.object.metadata.name!;
    if (e.type === 'ADDED') {
      switch (e.plural) {
        case 'backups':
          if (!e.object.status?.phase) this.run('backups', name, this.backupScript(e.object));
          break;
        case 'restores':
          if (!e.object.status?.phase) this.run('restores', name, this.restoreScript(e.object));
          break;
        case 'schedules':
          this.later(5, () => this.validateSchedule(name));
          break;
        case 'deletebackuprequests':
          this.later(5, () => this.deleteBackup(name));
          break;
        case 'downloadrequests':
          this.later(5, () => this.download(name));
          break;
        case 'backupstoragelocations':
          if (!e.object.status?.phase) this.later(5, () => this.validateLocation(name));
          break;
      }
    } else if (e.type === 'MODIFIED' && e.plural === 'schedules') {
      const o = e.object;
      if (Number(o.metadata.generation ?? 1) !== Number(o.status?.observedGeneration ?? 0))
        this.later(5, () => this.validateSchedule(name));
    }
  }

  private backupScript(o: KObject): Script {
    const scripted = this.scripts.get(`backups/${o.metadata.name}`);
    if (scripted) return scripted;
    const bsl = o.spec?.storageLocation;
    if (bsl && !this.kube.get('backupstoragelocations', this.namespace, bsl)) {
      return [
        {
          phase: 'FailedValidation',
          validationErrors: [
            `an existing backup storage location wasn't specified at backup creation time and the default 'default' wasn't found. Please address this issue (see \`velero backup-location -h\` for options) and create a new backup. Error: backupstoragelocations.velero.io "${bsl}" not found`,
          ],
        },
      ];
    }
    return DEFAULT_BACKUP;
  }

  private restoreScript(o: KObject): Script {
    const scripted = this.scripts.get(`restores/${o.metadata.name}`);
    if (scripted) return scripted;
    let from = o.spec?.backupName as string | undefined;
    if (!from && o.spec?.scheduleName) {
      // like Velero: the newest Completed backup of the schedule, recorded in spec.backupName
      const newest = this.kube
        .list('backups', this.namespace)
        .filter(
          (b) =>
            b.metadata.labels?.['velero.io/schedule-name'] === o.spec.scheduleName && b.status?.phase === 'Completed',
        )
        .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0];
      from = newest?.metadata.name;
      if (from) this.kube.update('restores', this.namespace, o.metadata.name!, (r) => (r.spec.backupName = from));
    }
    const backup = from ? this.kube.get('backups', this.namespace, from) : undefined;
    if (!backup)
      return [
        {
          phase: 'FailedValidation',
          validationErrors: [`Error retrieving backup: backups.velero.io "${from}" not found`],
        },
      ];
    if (!['Completed', 'PartiallyFailed'].includes(backup.status?.phase)) {
      return [
        {
          phase: 'FailedValidation',
          validationErrors: [`backup "${from}" is not in a restorable phase (${backup.status?.phase ?? 'New'})`],
        },
      ];
    }
    return DEFAULT_RESTORE;
  }

  private run(plural: 'backups' | 'restores', name: string, script: Script): void {
    if (script === 'hold') return;
    const steps = script.slice(0, 100);
    const next = (i: number) => {
      const step = steps[i];
      if (!step) return;
      this.later(step.afterMs ?? 15, () => {
        this.apply(plural, name, step);
        next(i + 1);
      });
    };
    next(0);
  }

  /** Velero's BSL controller: checks the bucket, records phase, time and (when it failed) the reason. */
  private validateLocation(name: string): void {
    this.kube.update('backupstoragelocations', this.namespace, name, (o) => {
      const bucket = String(o.spec?.objectStorage?.bucket ?? '');
      const missing = this.missingBuckets.has(bucket);
      o.status = {
        ...(o.status ?? {}),
        phase: missing ? 'Unavailable' : 'Available',
        lastValidationTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        ...(missing
          ? {
              message:
                `BackupStorageLocation "${name}" is unavailable: rpc error: code = Unknown desc = NoSuchBucket: ` +
                'The specified bucket does not exist',
            }
          : {}),
      };
    });
  }

  private validateSchedule(name: string): void {
    const o = this.kube.get('schedules', this.namespace, name);
    if (!o) return;
    const expr = String(o.spec?.schedule ?? '');
    let error: string | undefined;
    try {
      if (!expr.startsWith('@') && expr.trim().split(/\s+/).length !== 5)
        throw new Error(`expected exactly 5 fields, found ${expr.trim().split(/\s+/).length}: ${expr}`);
      if (!expr.startsWith('@every')) CronExpressionParser.parse(expr);
    } catch (err) {
      error = `invalid schedule: ${(err as Error).message}`;
    }
    this.kube.update('schedules', this.namespace, name, (s) => {
      s.status = {
        ...(s.status ?? {}),
        phase: error ? 'FailedValidation' : 'Enabled',
        observedGeneration: s.metadata.generation,
        ...(error ? { validationErrors: [error] } : { validationErrors: undefined }),
      };
      if (!error) delete s.status.validationErrors;
    });
  }

  private deleteBackup(name: string): void {
    const req = this.kube.get('deletebackuprequests', this.namespace, name);
    if (!req) return;
    const backupName = req.spec?.backupName as string;
    const backup = this.kube.get('backups', this.namespace, backupName);
    const finish = (errors: string[]) =>
      this.kube.update('deletebackuprequests', this.namespace, name, (o) => {
        o.status = { phase: 'Processed', ...(errors.length ? { errors } : {}) };
      });
    if (!backup) return void finish([`backup ${backupName} not found`]);
    if (!TERMINAL.has(backup.status?.phase)) return void finish([`backup is still in progress`]);
    this.kube.update('deletebackuprequests', this.namespace, name, (o) => {
      o.status = { phase: 'InProgress' };
    });
    this.kube.update('backups', this.namespace, backupName, (o) => {
      o.status = { ...(o.status ?? {}), phase: 'Deleting' };
    });
    this.later(10, () => {
      this.kube.remove('backups', this.namespace, backupName);
      finish([]);
      // Velero removes the requests of a deleted backup once it is gone
      this.later(10, () => this.kube.remove('deletebackuprequests', this.namespace, name));
    });
  }

  private download(name: string): void {
    const req = this.kube.get('downloadrequests', this.namespace, name);
    if (!req) return;
    const { kind, name: target } = req.spec?.target ?? {};
    const isRestore = String(kind).startsWith('Restore');
    const owner = this.kube.get(isRestore ? 'restores' : 'backups', this.namespace, target);
    if (!owner) return; // Velero leaves the request unprocessed; the client times out
    // Velero signs a URL for the object key without checking that the key exists: a backup
    // that never uploaded its tarball gets a URL that answers 404 NoSuchKey
    const body =
      kind === 'BackupContents' ? this.tarball(owner) : gzipSync(Buffer.from(this.payload(String(kind), owner)));
    const ttl = this.signedUrlTtlMs;
    const url = this.kube.signedUrl(body, ttl);
    this.kube.update('downloadrequests', this.namespace, name, (o) => {
      o.status = {
        phase: 'Processed',
        downloadURL: url,
        expiration: new Date(Date.now() + ttl).toISOString().replace(/\.\d+Z$/, 'Z'),
      };
    });
    this.later(ttl + this.resyncMs, () => this.kube.remove('downloadrequests', this.namespace, name));
  }

  /** The backup tarball, laid out as Velero's: metadata/version, resources/<resource>/namespaces/<ns>/<name>.json. */
  private tarball(owner: KObject): Buffer | null {
    const name = owner.metadata.name!;
    const given = this.contents.get(name);
    if (given) return given;
    // items are uploaded once backed up; a backup that failed validation or never ran has no tarball
    if (!UPLOADED.has(owner.status?.phase)) return null;
    const included: string[] = owner.spec?.includedNamespaces ?? ['default'];
    const list = this.resourceLists.get(name) ?? {
      'v1/ConfigMap': included.map((n) => `${n}/app-config`),
      'v1/Pod': included.flatMap((n) => [`${n}/app-0`, `${n}/app-1`]),
      'apps/v1/Deployment': included.map((n) => `${n}/app`),
    };
    const files: Array<{ path: string; body: string }> = [{ path: 'metadata/version', body: '1.1.0' }];
    for (const [gvk, items] of Object.entries(list)) {
      const parts = gvk.split('/');
      const kind = parts.at(-1)!;
      const plural = `${kind.toLowerCase()}s${parts.length === 3 ? `.${parts[0]}` : ''}`;
      for (const item of items) {
        const [ns, objName] = item.split('/', 2) as [string, string];
        const body = JSON.stringify({
          apiVersion: parts.slice(0, -1).join('/'),
          kind,
          metadata: { name: objName, namespace: ns },
        });
        files.push({ path: `resources/${plural}/namespaces/${ns}/${objName}.json`, body });
      }
    }
    return tarGz(files, Date.parse(owner.metadata.creationTimestamp ?? '') || Date.now());
  }

  private payload(kind: string, owner: KObject): string {
    const name = owner.metadata.name!;
    const ns = this.namespace;
    switch (kind) {
      case 'BackupLog':
      case 'RestoreLog': {
        const lines = this.logs.get(name) ?? [
          `time="${owner.metadata.creationTimestamp}" level=info msg="Setting up ${kind === 'BackupLog' ? 'backup' : 'restore'} temp file" ${kind === 'BackupLog' ? 'backup' : 'restore'}=${ns}/${name}`,
          `time="${owner.metadata.creationTimestamp}" level=info msg="Processing item" ${kind === 'BackupLog' ? 'backup' : 'restore'}=${ns}/${name} name=app-0 namespace=app resource=pods`,
          `time="${owner.metadata.creationTimestamp}" level=warning msg="volume snapshot skipped" ${kind === 'BackupLog' ? 'backup' : 'restore'}=${ns}/${name}`,
          `time="${owner.metadata.creationTimestamp}" level=info msg="${kind === 'BackupLog' ? 'Backup' : 'Restore'} completed" ${kind === 'BackupLog' ? 'backup' : 'restore'}=${ns}/${name}`,
        ];
        return `${lines.join('\n')}\n`;
      }
      case 'BackupResourceList': {
        const included: string[] = owner.spec?.includedNamespaces ?? ['default'];
        return JSON.stringify(
          this.resourceLists.get(name) ?? {
            'v1/ConfigMap': included.map((n) => `${n}/app-config`),
            'v1/Pod': included.flatMap((n) => [`${n}/app-0`, `${n}/app-1`]),
            'apps/v1/Deployment': included.map((n) => `${n}/app`),
          },
        );
      }
      case 'BackupResults':
      case 'RestoreResults':
        return JSON.stringify({
          errors: {},
          warnings: owner.status?.warnings ? { namespaces: { app: ['volume snapshot skipped'] } } : {},
        });
      default:
        return '';
    }
  }
}

function applyStep(plural: string, o: KObject, step: Step): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = { ...(o.status ?? {}) };
  status.phase = step.phase;
  status.startTimestamp ??= now;
  if (step.total !== undefined || step.items !== undefined) {
    status.progress =
      plural === 'backups'
        ? { itemsBackedUp: step.items ?? 0, totalItems: step.total ?? 0 }
        : { itemsRestored: step.items ?? 0, totalItems: step.total ?? 0 };
  }
  if (step.errors !== undefined) status.errors = step.errors;
  if (step.warnings !== undefined) status.warnings = step.warnings;
  if (step.failureReason) status.failureReason = step.failureReason;
  if (step.validationErrors) status.validationErrors = step.validationErrors;
  if (TERMINAL.has(step.phase)) status.completionTimestamp = now;
  if (plural === 'backups') {
    status.version = 1;
    status.formatVersion = '1.1.0';
    if (!status.expiration) {
      const ttlHours = Number(/^(\d+)h/.exec(String(o.spec?.ttl ?? '720h0m0s'))?.[1] ?? 720);
      status.expiration = new Date(Date.parse(o.metadata.creationTimestamp ?? now) + ttlHours * 3_600_000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
    }
  }
  o.status = status;
}
