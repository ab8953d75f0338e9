import { OperationError } from '../../base/errors.js';
import type { Kube } from '../k8s/client.js';
import { mapKubeError, type KubeOp } from '../k8s/errors.js';

export const VELERO_GROUP = 'velero.io';
export const VELERO_VERSION = 'v1';
export const API_VERSION = `${VELERO_GROUP}/${VELERO_VERSION}`;

/** The velero.io/v1 kinds oco reads and writes, by short name. */
export const KINDS = {
  backup: { kind: 'Backup', plural: 'backups' },
  restore: { kind: 'Restore', plural: 'restores' },
  schedule: { kind: 'Schedule', plural: 'schedules' },
  bsl: { kind: 'BackupStorageLocation', plural: 'backupstoragelocations' },
  vsl: { kind: 'VolumeSnapshotLocation', plural: 'volumesnapshotlocations' },
  deleteRequest: { kind: 'DeleteBackupRequest', plural: 'deletebackuprequests' },
  downloadRequest: { kind: 'DownloadRequest', plural: 'downloadrequests' },
  repository: { kind: 'BackupRepository', plural: 'backuprepositories' },
} as const;
export type KindName = keyof typeof KINDS;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

// An object as the cluster returns it, of whichever Velero version is installed: generic callers (list,
// describe, phases) read the fields they know and treat a missing one as unknown.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface VeleroObject<Spec = any, Status = any> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  /** The object for ADDED/MODIFIED/DELETED, a bare object with metadata for BOOKMARK, a metav1.Status for ERROR. */
  object: unknown;
}

export interface WatchHandle {
  abort(): void;
}

/** Typed access to Velero's custom resources in one namespace; every failure becomes a typed oco error. */
/** The velero and kubectl CLIs page at 500 as well. */
const LIST_PAGE_SIZE = 500;
/** Bounds the paging loop: 1,000 pages of 500 is far beyond any real namespace. */
const MAX_LIST_PAGES = 1000;

export class VeleroClient {
  readonly kube: Kube;
  readonly namespace: string;

  constructor(kube: Kube, namespace: string) {
    this.kube = kube;
    this.namespace = namespace;
  }

  private op(kind: KindName, verb: KubeOp['verb'], name?: string): KubeOp {
    return {
      verb,
      resource: KINDS[kind].plural,
      group: VELERO_GROUP,
      namespace: this.namespace,
      name,
      server: this.kube.server,
    };
  }

  private base(kind: KindName) {
    return { group: VELERO_GROUP, version: VELERO_VERSION, namespace: this.namespace, plural: KINDS[kind].plural };
  }

  private async call<T>(op: KubeOp, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapKubeError(err, op);
    }
  }

  create<T extends VeleroObject>(kind: KindName, body: T): Promise<T> {
    return this.call(
      this.op(kind, 'create', body.metadata.name || undefined),
      () =>
        this.kube.custom.createNamespacedCustomObject({
          ...this.base(kind),
          body,
          fieldValidation: 'Strict',
        }) as Promise<T>,
    );
  }

  get<T extends VeleroObject = VeleroObject>(kind: KindName, name: string): Promise<T> {
    return this.call(
      this.op(kind, 'get', name),
      () => this.kube.custom.getNamespacedCustomObject({ ...this.base(kind), name }) as Promise<T>,
    );
  }

  /** The object, or undefined when it does not exist (other errors still throw). */
  async find<T extends VeleroObject = VeleroObject>(kind: KindName, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(kind, name);
    } catch (err) {
      if ((err as { code?: string }).code === 'OCO_K8S_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * Lists in pages of `pageSize` (the API server's limit/continue), so a namespace
   * with thousands of backups never comes back as one response. The resourceVersion
   * is the first page's: the pages form one consistent snapshot, and a watch starts from it.
   */
  async list<T extends VeleroObject = VeleroObject>(
    kind: KindName,
    options: { labelSelector?: string; fieldSelector?: string; pageSize?: number } = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const { pageSize = LIST_PAGE_SIZE, ...selectors } = options;
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = (await this.call(this.op(kind, 'list'), () =>
        this.kube.custom.listNamespacedCustomObject({
          ...this.base(kind),
          ...selectors,
          limit: pageSize,
          _continue: token,
        }),
      )) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      items.push(...(res.items ?? []));
      if (page === 0) resourceVersion = res.metadata?.resourceVersion ?? '';
      token = res.metadata?.continue || undefined;
      if (!token) return { items, resourceVersion };
    }
    throw new OperationError(
      'OCO_K8S_LIST_TOO_LONG',
      `listing ${kind}s did not end after ${MAX_LIST_PAGES} pages of ${pageSize}`,
      {
        hint: 'Narrow the list with a label selector (-l).',
      },
    );
  }

  /** JSON merge patch (RFC 7386): custom resources do not support strategic merge. */
  mergePatch<T extends VeleroObject = VeleroObject>(
    kind: KindName,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    const { setHeaderOptions, PatchStrategy } = this.kube.lib;
    return this.call(
      this.op(kind, 'patch', name),
      () =>
        this.kube.custom.patchNamespacedCustomObject(
          { ...this.base(kind), name, body: patch },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ) as Promise<T>,
    );
  }

  /** JSON patch (RFC 6902), for guarded changes ("test" the resourceVersion first). */
  jsonPatch<T extends VeleroObject = VeleroObject>(
    kind: KindName,
    name: string,
    ops: Array<Record<string, unknown>>,
  ): Promise<T> {
    const { setHeaderOptions, PatchStrategy } = this.kube.lib;
    return this.call(
      this.op(kind, 'patch', name),
      () =>
        this.kube.custom.patchNamespacedCustomObject(
          { ...this.base(kind), name, body: ops },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        ) as Promise<T>,
    );
  }

  async delete(kind: KindName, name: string): Promise<void> {
    await this.call(this.op(kind, 'delete', name), () =>
      this.kube.custom.deleteNamespacedCustomObject({ ...this.base(kind), name }),
    );
  }

  /**
   * Opens a watch stream (?watch=true) on one kind, optionally one object, from a
   * resourceVersion. onDone gets the typed error, or undefined when the server closed the stream.
   */
  async watch(
    kind: KindName,
    options: { name?: string; resourceVersion?: string; labelSelector?: string; inactivityMs?: number },
    onEvent: (e: WatchEvent) => void,
    onDone: (err?: unknown) => void,
  ): Promise<WatchHandle> {
    const w = new this.kube.lib.Watch(this.kube.kc);
    // The library aborts a stream silent for this long; bookmarks keep a healthy one busy.
    // (declared private in the typings, but it is the library's only knob for it)
    (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = options.inactivityMs ?? 60_000;
    const namespace = encodeURIComponent(this.namespace);
    const path = `/apis/${VELERO_GROUP}/${VELERO_VERSION}/namespaces/${namespace}/${KINDS[kind].plural}`;
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (options.name) query.fieldSelector = `metadata.name=${options.name}`;
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.resourceVersion) query.resourceVersion = options.resourceVersion;
    const op = this.op(kind, 'watch', options.name);
    let finished = false;
    let established = false;
    const controller = await w.watch(
      path,
      query,
      (type, object) => onEvent({ type: type as WatchEvent['type'], object }),
      (err) => {
        if (finished) return;
        finished = true;
        // A stream that was open and went quiet for inactivityMs is closed by the library with a
        // TimeoutError: that is a normal end (re-open it), not an unreachable cluster.
        if (err && established && (err as Error).name === 'TimeoutError') return onDone(undefined);
        onDone(err ? (isGone(err) ? err : mapKubeError(err, op)) : undefined);
      },
    );
    established = !finished;
    return {
      abort() {
        finished = true;
        controller.abort();
      },
    };
  }
}

/** A 410 Gone from a watch: the resourceVersion is older than the server's watch cache. */
export function isGone(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: number };
  return e?.statusCode === 410 || e?.code === 410;
}
