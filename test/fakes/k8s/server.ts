/**
 * A fake Kubernetes API server (node:http / node:https) serving velero.io/v1
 * custom resources the way kube-apiserver does on the wire: discovery, create
 * with uid/resourceVersion/generateName, get/list with label and field
 * selectors, JSON and merge patch, delete, watch streams, 422 validation against
 * the real CRD schemas, metav1 Status errors and RBAC 403s. Tests talk to it
 * through the real @kubernetes/client-node and kubectl.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VELERO_CRDS } from '../../helpers/reference.js';
import { validate, type Schema } from './schema.js';

export const CRD_DIR = VELERO_CRDS;
export const GROUP = 'velero.io';
export const VERSION = 'v1';

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: any;
  status?: any;
  [k: string]: unknown;
}

export interface ResourceDef {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  schema?: Schema;
  statusSubresource: boolean;
  printerColumns: Array<{ name: string; type: string; jsonPath: string; description?: string }>;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoredEvent {
  rv: number;
  type: EventType;
  plural: string;
  object: KObject;
}

interface Watcher {
  plural: string;
  namespace?: string;
  matches: (o: KObject) => boolean;
  res: ServerResponse;
}

export interface Deny {
  verb: string;
  resource: string;
}

export interface RequestLog {
  method: string;
  path: string;
  verb: string;
  resource: string;
  at: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeKubeOptions {
  /** Bearer token the server requires; omitted = no authentication. */
  token?: string;
  /** How many events the watch cache keeps; an older resourceVersion gets 410 Gone. */
  historyLimit?: number;
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Serve the signed download URLs over HTTPS with this key and certificate (object storage behind a private CA). */
  storageTls?: { key: string; cert: string };
  /** 'event' (kube-apiserver's watch cache: 200 then an ERROR event with 410) or 'http' (a plain 410 response). */
  goneMode?: 'event' | 'http';
  user?: string;
}

/** The CRDs of test/reference/velero-crds, parsed once per process. */
export function loadVeleroResources(dir = CRD_DIR): ResourceDef[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      const crd = parseYaml(readFileSync(join(dir, f), 'utf8'));
      const v = crd.spec.versions.find((x: any) => x.name === VERSION);
      return {
        group: crd.spec.group,
        version: VERSION,
        kind: crd.spec.names.kind,
        listKind: crd.spec.names.listKind,
        plural: crd.spec.names.plural,
        singular: crd.spec.names.singular,
        shortNames: crd.spec.names.shortNames ?? [],
        namespaced: crd.spec.scope === 'Namespaced',
        schema: v.schema.openAPIV3Schema,
        statusSubresource: Boolean(v.subresources?.status),
        printerColumns: v.additionalPrinterColumns ?? [],
      } satisfies ResourceDef;
    });
}

const NAMESPACES: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  statusSubresource: true,
  printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }],
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeKube {
  readonly resources: ResourceDef[];
  readonly requests: RequestLog[] = [];
  private readonly byPlural: Map<string, ResourceDef>;
  private readonly objects = new Map<string, KObject>();
  private history: StoredEvent[] = [];
  private rv = 100;
  private readonly watchers = new Set<Watcher>();
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  /** Objects behind signed URLs, by id; null: a key the bucket does not have (S3 answers 404 NoSuchKey). */
  private readonly downloads = new Map<string, Buffer | null>();
  /** The "bucket credentials" the signatures are made with: a URL changed by hand does not verify. */
  private readonly signingKey = randomBytes(32);
  /** Cut every signed download after this many bytes (headers announce the full length): a dropped connection. */
  cutDownloadsAfter: number | undefined;
  /** GETs of signed URLs served, with what was answered (tests check the client used the URL once, as given). */
  readonly storageRequests: Array<{ id: string; status: number }> = [];
  /** How many continued list pages were served (tests check that clients page). */
  listPages = 0;
  private denies: Deny[] = [];
  private server?: http.Server;
  /** Plain-http "object storage" (like an in-cluster MinIO) serving the signed download URLs. */
  private storage?: http.Server;
  private storageUrl = '';
  private opts: FakeKubeOptions;
  url = '';

  constructor(opts: FakeKubeOptions = {}) {
    this.opts = opts;
    this.resources = [...loadVeleroResources(), NAMESPACES];
    this.byPlural = new Map(this.resources.map((r) => [r.plural, r]));
  }

  async start(port = 0): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) this.status(res, 500, 'InternalError', String(err?.message ?? err));
        else res.end();
      });
    };
    this.server = this.opts.tls
      ? https.createServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler)
      : http.createServer(handler);
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    const addr = this.server.address() as AddressInfo;
    this.url = `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
    const serve = (req: IncomingMessage, res: ServerResponse) => this.serveDownload(req, res);
    this.storage = this.opts.storageTls
      ? https.createServer({ key: this.opts.storageTls.key, cert: this.opts.storageTls.cert }, serve)
      : http.createServer(serve);
    await new Promise<void>((r) => this.storage!.listen(0, '127.0.0.1', () => r()));
    this.storageUrl = `${this.opts.storageTls ? 'https' : 'http'}://127.0.0.1:${(this.storage.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    if (this.storage) {
      this.storage.closeAllConnections();
      await new Promise<void>((r) => this.storage!.close(() => r()));
      this.storage = undefined;
    }
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }

  // ---- test and controller API -------------------------------------------------

  deny(verb: string, resource: string): void {
    this.denies.push({ verb, resource });
  }

  allowAll(): void {
    this.denies = [];
  }

  /** Shrinks the watch cache so that older resourceVersions are "too old" (410). */
  compact(): void {
    this.history = this.history.slice(-1);
  }

  get currentResourceVersion(): number {
    return this.rv;
  }

  onEvent(fn: (e: StoredEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(plural: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.objects.get(key(plural, namespace, name));
    return o && structuredClone(o);
  }

  list(plural: string, namespace?: string): KObject[] {
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(`${plural}/`) && (namespace === undefined || o.metadata.namespace === namespace))
      .map(([, o]) => structuredClone(o));
  }

  /** Inserts an object as the server would on create (no validation: seeds and controller output). */
  seed(plural: string, obj: KObject): KObject {
    const def = this.def(plural);
    const o = structuredClone(obj);
    o.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    o.kind = def.kind;
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= nowIso();
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key(plural, o.metadata.namespace, o.metadata.name!), o);
    this.emit('ADDED', plural, o);
    return structuredClone(o);
  }

  /** Replaces an object's fields as a controller's update would (new resourceVersion, MODIFIED event). */
  update(
    plural: string,
    namespace: string | undefined,
    name: string,
    mutate: (o: KObject) => void,
  ): KObject | undefined {
    const k = key(plural, namespace, name);
    const o = this.objects.get(k);
    if (!o) return undefined;
    mutate(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit('MODIFIED', plural, o);
    return structuredClone(o);
  }

  remove(plural: string, namespace: string | undefined, name: string): boolean {
    const k = key(plural, namespace, name);
    const o = this.objects.get(k);
    if (!o) return false;
    this.objects.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', plural, o);
    return true;
  }

  /**
   * Registers an object at a pre-signed URL as S3 makes them (X-Amz-Date, X-Amz-Expires in seconds,
   * X-Amz-Signature over both): the storage server answers 403 SignatureDoesNotMatch to a URL whose
   * parameters were changed, 403 AccessDenied "Request has expired" once date + expires has passed, and
   * 404 NoSuchKey when body is null (an object the bucket does not hold). Bodies are served as stored.
   */
  signedUrl(body: Buffer | null, ttlMs = 600_000): string {
    const id = randomUUID();
    this.downloads.set(id, body);
    const date = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const expires = String(Math.floor(ttlMs / 1000));
    return `${this.storageUrl}/signed/${id}?X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=${this.sign(id, date, expires)}`;
  }

  private sign(id: string, date: string, expires: string): string {
    return createHmac('sha256', this.signingKey).update(`${id}\n${date}\n${expires}`).digest('hex');
  }

  // ---- HTTP ------------------------------------------------------------------------

  private emit(type: EventType, plural: string, object: KObject): void {
    const ev: StoredEvent = {
      rv: Number(object.metadata.resourceVersion),
      type,
      plural,
      object: structuredClone(object),
    };
    this.history.push(ev);
    const limit = this.opts.historyLimit ?? 1000;
    if (this.history.length > limit) this.history.splice(0, this.history.length - limit);
    for (const w of this.watchers) {
      if (
        w.plural === plural &&
        (w.namespace === undefined || w.namespace === object.metadata.namespace) &&
        w.matches(object)
      ) {
        w.res.write(`${JSON.stringify({ type, object: ev.object })}\n`);
      }
    }
    for (const l of this.listeners) l(ev);
  }

  private def(plural: string): ResourceDef {
    const d = this.byPlural.get(plural);
    if (!d) throw new Error(`unknown resource ${plural}`);
    return d;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    const discovery = this.discovery(path);
    if (discovery) return this.json(res, 200, discovery);

    const route = this.route(path);
    if (!route) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const { def, namespace, name, sub } = route;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = verbOf(req.method ?? 'GET', Boolean(name), watch);
    this.requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '',
      verb,
      resource: def.plural,
      at: Date.now(),
      headers: req.headers,
    });
    if (this.denies.some((d) => (d.verb === verb || d.verb === '*') && d.resource === def.plural)) {
      const who = this.opts.user ?? 'system:serviceaccount:ci:oco';
      const target = `${def.plural}${def.group ? `.${def.group}` : ''}${name ? ` "${name}"` : ''}`;
      return this.status(
        res,
        403,
        'Forbidden',
        `${target} is forbidden: User "${who}" cannot ${verb} resource "${def.plural}" in API group "${def.group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`,
        {
          name: name ?? '',
          group: def.group,
          kind: def.plural,
        },
      );
    }
    const body = ['POST', 'PUT', 'PATCH'].includes(req.method ?? '') ? await readBody(req) : '';
    switch (verb) {
      case 'get':
        return this.doGet(res, def, namespace, name!, req);
      case 'list':
        return this.doList(res, def, namespace, url, req);
      case 'watch':
        return this.doWatch(res, def, namespace, url);
      case 'create':
        return this.doCreate(res, def, namespace, body, url);
      case 'update':
        return this.doUpdate(res, def, namespace, name!, body, sub, url);
      case 'patch':
        return this.doPatch(res, def, namespace, name!, body, String(req.headers['content-type'] ?? ''), sub, url);
      case 'delete':
        return this.doDelete(res, def, namespace, name!);
      default:
        return this.status(res, 405, 'MethodNotAllowed', `${verb} is not supported on ${def.plural}`);
    }
  }

  private discovery(path: string): unknown {
    const veleroResources = this.resources.filter((r) => r.group === GROUP);
    const resourceList = (defs: ResourceDef[]) =>
      defs.flatMap((r) => [
        {
          name: r.plural,
          singularName: r.singular,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          storageVersionHash: r.plural.slice(0, 8),
        },
        ...(r.statusSubresource
          ? [
              {
                name: `${r.plural}/status`,
                singularName: '',
                namespaced: r.namespaced,
                kind: r.kind,
                verbs: ['get', 'patch', 'update'],
              },
            ]
          : []),
      ]);
    const groupVersion = { groupVersion: `${GROUP}/${VERSION}`, version: VERSION };
    const group = { name: GROUP, versions: [groupVersion], preferredVersion: groupVersion };
    switch (path) {
      case '/version':
        return {
          major: '1',
          minor: '31',
          gitVersion: 'v1.31.0-oco-fake',
          gitCommit: '0000000',
          gitTreeState: 'clean',
          buildDate: '2026-01-01T00:00:00Z',
          goVersion: 'go1.22',
          compiler: 'gc',
          platform: 'linux/amd64',
        };
      case '/api':
        return {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [
            { clientCIDR: '0.0.0.0/0', serverAddress: this.url.replace(/^https?:\/\//, '') },
          ],
        };
      case '/api/v1':
        return { kind: 'APIResourceList', groupVersion: 'v1', resources: resourceList([NAMESPACES]) };
      case '/apis':
        return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] };
      case `/apis/${GROUP}`:
        return { kind: 'APIGroup', apiVersion: 'v1', ...group };
      case `/apis/${GROUP}/${VERSION}`:
        return {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: `${GROUP}/${VERSION}`,
          resources: resourceList(veleroResources),
        };
      default:
        return undefined;
    }
  }

  private route(path: string): { def: ResourceDef; namespace?: string; name?: string; sub?: string } | undefined {
    const parts = path.split('/').filter(Boolean);
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
    else if (parts[0] === 'apis' && parts[1] === GROUP && parts[2] === VERSION) rest = parts.slice(3);
    else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const def = this.byPlural.get(rest[0] ?? '');
    if (!def || (parts[0] === 'api') !== (def.group === '')) return undefined;
    if (def.namespaced !== (namespace !== undefined) && rest.length > 1) return undefined;
    return { def, namespace: def.namespaced ? namespace : undefined, name: rest[1], sub: rest[2] };
  }

  private doGet(
    res: ServerResponse,
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    req: IncomingMessage,
  ): void {
    const o = this.objects.get(key(def.plural, ns, name));
    if (!o) return this.notFound(res, def, name);
    if (wantsTable(req)) return this.json(res, 200, this.table(def, [o]));
    this.json(res, 200, o);
  }

  private selectorsOf(url: URL, res: ServerResponse): ((o: KObject) => boolean) | undefined {
    try {
      const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
      const fields = parseFieldSelector(url.searchParams.get('fieldSelector') ?? '');
      return (o) => labels(o.metadata.labels ?? {}) && fields(o);
    } catch (err) {
      this.status(res, 400, 'BadRequest', (err as Error).message);
      return undefined;
    }
  }

  private doList(res: ServerResponse, def: ResourceDef, ns: string | undefined, url: URL, req: IncomingMessage): void {
    const matches = this.selectorsOf(url, res);
    if (!matches) return;
    const items = [...this.objects.entries()]
      .filter(
        ([k, o]) => k.startsWith(`${def.plural}/`) && (ns === undefined || o.metadata.namespace === ns) && matches(o),
      )
      .map(([, o]) => o)
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
      );
    if (wantsTable(req)) return this.json(res, 200, this.table(def, items));
    // limit/continue as the API server does them: an opaque token carrying the first page's
    // resourceVersion and the key to resume after; remainingItemCount when there is more.
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const cont = url.searchParams.get('continue');
    let start = 0;
    let rv = String(this.rv);
    if (cont) {
      let token: { rv: string; after: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch {
        return this.status(res, 400, 'BadRequest', 'continue key is not valid: illegal base64 data');
      }
      rv = token.rv;
      start = items.findIndex((o) => `${o.metadata.namespace}/${o.metadata.name}`.localeCompare(token.after) > 0);
      if (start === -1) start = items.length;
      this.listPages++;
    }
    const page = limit > 0 ? items.slice(start, start + limit) : items.slice(start);
    const more = limit > 0 && start + limit < items.length;
    const last = page.at(-1);
    this.json(res, 200, {
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      kind: def.listKind,
      metadata: {
        resourceVersion: rv,
        ...(more && last
          ? {
              continue: Buffer.from(
                JSON.stringify({ rv, after: `${last.metadata.namespace}/${last.metadata.name}` }),
              ).toString('base64url'),
              remainingItemCount: items.length - start - page.length,
            }
          : {}),
      },
      items: page,
    });
  }

  private doWatch(res: ServerResponse, def: ResourceDef, ns: string | undefined, url: URL): void {
    const matches = this.selectorsOf(url, res);
    if (!matches) return;
    const rvParam = url.searchParams.get('resourceVersion');
    const since = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    const oldest = this.history[0]?.rv ?? this.rv + 1;
    const tooOld = since !== undefined && since < oldest - 1 && since < this.rv;
    const gone = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${since} (${oldest - 1})`,
      reason: 'Expired',
      code: 410,
    };
    if (tooOld && this.opts.goneMode === 'http') return this.json(res, 410, gone);
    // Headers go out at once so that a client knows the watch is established before any event.
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    if (tooOld) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    const replay =
      since === undefined
        ? [...this.objects.entries()]
            .filter(([k, o]) => k.startsWith(`${def.plural}/`) && (ns === undefined || o.metadata.namespace === ns))
            .map(([, o]) => ({ type: 'ADDED', object: o }))
        : this.history
            .filter(
              (e) =>
                e.rv > since && e.plural === def.plural && (ns === undefined || e.object.metadata.namespace === ns),
            )
            .map((e) => ({ type: e.type, object: e.object }));
    for (const e of replay) if (matches(e.object as KObject)) res.write(`${JSON.stringify(e)}\n`);
    const w: Watcher = { plural: def.plural, namespace: ns, matches, res };
    this.watchers.add(w);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const bookmarks =
      url.searchParams.get('allowWatchBookmarks') === 'true'
        ? setInterval(
            () =>
              res.write(
                `${JSON.stringify({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: String(this.rv) } } })}\n`,
              ),
            1000,
          )
        : undefined;
    res.on('close', () => {
      this.watchers.delete(w);
      if (timer) clearTimeout(timer);
      if (bookmarks) clearInterval(bookmarks);
    });
  }

  private admit(res: ServerResponse, def: ResourceDef, obj: KObject, url: URL, nameForMessage: string): boolean {
    if (!def.schema) return true;
    const { causes, unknownFields } = validate(def.schema, obj);
    if (!DNS1123_SUBDOMAIN.test(obj.metadata?.name ?? '') || (obj.metadata.name ?? '').length > 253) {
      causes.unshift({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(obj.metadata?.name ?? '')}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      });
    }
    if (unknownFields.length > 0) {
      if (url.searchParams.get('fieldValidation') === 'Strict') {
        this.status(
          res,
          400,
          'BadRequest',
          `strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`,
        );
        return false;
      }
      res.setHeader('Warning', unknownFields.map((f) => `299 - "unknown field \\"${f}\\""`).join(', '));
    }
    if (causes.length === 0) return true;
    const qualified = `${def.kind}.${def.group}`;
    this.status(
      res,
      422,
      'Invalid',
      `${qualified} "${nameForMessage}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      {
        name: nameForMessage,
        group: def.group,
        kind: def.kind,
        causes,
      },
    );
    return false;
  }

  private doCreate(res: ServerResponse, def: ResourceDef, ns: string | undefined, body: string, url: URL): void {
    let obj: KObject;
    try {
      obj = JSON.parse(body);
    } catch (err) {
      return this.status(res, 400, 'BadRequest', `error decoding request body: ${(err as Error).message}`);
    }
    const wantVersion = def.group ? `${def.group}/${def.version}` : def.version;
    if (obj.apiVersion !== wantVersion || obj.kind !== def.kind) {
      return this.status(
        res,
        400,
        'BadRequest',
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${wantVersion}) or kind (${obj.kind} != ${def.kind})`,
      );
    }
    obj.metadata ??= {};
    if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
      return this.status(
        res,
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (!obj.metadata.name) {
      return this.status(
        res,
        422,
        'Invalid',
        `${def.kind}.${def.group} "" is invalid: metadata.name: Required value: name or generateName is required`,
        {
          group: def.group,
          kind: def.kind,
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: name or generateName is required',
              field: 'metadata.name',
            },
          ],
        },
      );
    }
    if (def.statusSubresource) delete obj.status; // status is only written through /status
    if (!this.admit(res, def, obj, url, obj.metadata.name)) return;
    if (this.objects.has(key(def.plural, ns, obj.metadata.name))) {
      return this.status(
        res,
        409,
        'AlreadyExists',
        `${def.plural}${def.group ? `.${def.group}` : ''} "${obj.metadata.name}" already exists`,
        {
          name: obj.metadata.name,
          group: def.group,
          kind: def.plural,
        },
      );
    }
    if (url.searchParams.get('dryRun') === 'All') return this.json(res, 201, obj);
    if (ns) obj.metadata.namespace = ns;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowIso();
    obj.metadata.resourceVersion = String(++this.rv);
    obj.metadata.generation = 1;
    this.objects.set(key(def.plural, ns, obj.metadata.name), obj);
    this.json(res, 201, obj);
    this.emit('ADDED', def.plural, obj);
  }

  private commit(
    res: ServerResponse,
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    current: KObject,
    next: KObject,
    sub: string | undefined,
    url: URL,
  ): void {
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata = {
      ...next.metadata,
      name,
      namespace: current.metadata.namespace,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
    };
    if (def.statusSubresource) {
      // the main resource ignores status changes, /status ignores everything else
      if (sub === 'status') next = { ...current, status: next.status };
      else next.status = current.status;
    }
    if (!this.admit(res, def, next, url, name)) return;
    if (JSON.stringify(next.spec) !== JSON.stringify(current.spec))
      next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key(def.plural, ns, name), next);
    this.json(res, 200, next);
    this.emit('MODIFIED', def.plural, next);
  }

  private doUpdate(
    res: ServerResponse,
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: string,
    sub: string | undefined,
    url: URL,
  ): void {
    const current = this.objects.get(key(def.plural, ns, name));
    if (!current) return this.notFound(res, def, name);
    let next: KObject;
    try {
      next = JSON.parse(body);
    } catch (err) {
      return this.status(res, 400, 'BadRequest', `error decoding request body: ${(err as Error).message}`);
    }
    if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
      return this.status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${def.plural}.${def.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: def.group, kind: def.plural },
      );
    }
    this.commit(res, def, ns, name, current, next, sub, url);
  }

  private doPatch(
    res: ServerResponse,
    def: ResourceDef,
    ns: string | undefined,
    name: string,
    body: string,
    contentType: string,
    sub: string | undefined,
    url: URL,
  ): void {
    const current = this.objects.get(key(def.plural, ns, name));
    if (!current) return this.notFound(res, def, name);
    let patch: any;
    try {
      patch = JSON.parse(body);
    } catch (err) {
      return this.status(res, 400, 'BadRequest', `error decoding patch: ${(err as Error).message}`);
    }
    const type = contentType.split(';')[0]!.trim();
    let next: KObject;
    if (type === 'application/merge-patch+json') next = mergePatch(structuredClone(current), patch);
    else if (type === 'application/json-patch+json') {
      try {
        next = jsonPatch(structuredClone(current), patch);
      } catch (err) {
        return this.status(res, 422, 'Invalid', (err as Error).message);
      }
    } else if (type === 'application/strategic-merge-patch+json') {
      return this.status(
        res,
        415,
        'UnsupportedMediaType',
        'strategic merge patch is not supported for custom resources; use a JSON merge patch',
      );
    } else
      return this.status(
        res,
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    this.commit(res, def, ns, name, current, next, sub, url);
  }

  private doDelete(res: ServerResponse, def: ResourceDef, ns: string | undefined, name: string): void {
    const k = key(def.plural, ns, name);
    const o = this.objects.get(k);
    if (!o) return this.notFound(res, def, name);
    this.objects.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.json(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: def.group, kind: def.plural, uid: o.metadata.uid },
    });
    this.emit('DELETED', def.plural, o);
  }

  private serveDownload(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.pathname.replace(/^\/signed\//, '');
    const q = (k: string) => url.searchParams.get(k) ?? '';
    const s3Error = (status: number, code: string, message: string) => {
      this.storageRequests.push({ id, status });
      res.writeHead(status, { 'Content-Type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      );
    };
    if (req.method !== 'GET') return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed');
    if (!this.downloads.has(id) || q('X-Amz-Signature') !== this.sign(id, q('X-Amz-Date'), q('X-Amz-Expires')))
      return s3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(q('X-Amz-Date'))!;
    const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (Date.now() >= signedAt + Number(q('X-Amz-Expires')) * 1000)
      return s3Error(403, 'AccessDenied', 'Request has expired');
    const body = this.downloads.get(id);
    if (!body) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    this.storageRequests.push({ id, status: 200 });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    const cut = this.cutDownloadsAfter;
    if (cut !== undefined && cut < body.length) {
      // the announced length never arrives: the connection drops mid-body
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  }

  private table(def: ResourceDef, items: KObject[]): unknown {
    // without additionalPrinterColumns the API server prints Name and Age
    const printed = def.printerColumns.length
      ? def.printerColumns
      : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
    const columns = [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      ...printed.map((c) => ({
        name: c.name,
        type: c.type === 'date' ? 'string' : c.type,
        format: '',
        description: (c as { description?: string }).description ?? '',
        priority: 0,
      })),
    ];
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: String(this.rv) },
      columnDefinitions: columns,
      rows: items.map((o) => ({
        cells: [o.metadata.name, ...printed.map((c) => printCell(jsonPathGet(o, c.jsonPath), c.type))],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
      })),
    };
  }

  private notFound(res: ServerResponse, def: ResourceDef, name: string): void {
    this.status(res, 404, 'NotFound', `${def.plural}${def.group ? `.${def.group}` : ''} "${name}" not found`, {
      name,
      group: def.group,
      kind: def.plural,
    });
  }

  private status(
    res: ServerResponse,
    code: number,
    reason: string,
    message: string,
    details?: Record<string, unknown>,
  ): void {
    this.json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    });
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function key(plural: string, namespace: string | undefined, name: string): string {
  return `${plural}/${namespace ?? ''}/${name}`;
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'); // metav1.Time has second precision
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += CHARS[Math.floor(Math.random() * CHARS.length)];
  return s;
}

function verbOf(method: string, item: boolean, watch: boolean): string {
  if (watch) return 'watch';
  const table: Record<string, [string, string]> = {
    GET: ['get', 'list'],
    POST: ['create', 'create'],
    PUT: ['update', 'update'],
    PATCH: ['patch', 'patch'],
    DELETE: ['delete', 'deletecollection'],
  };
  const row = table[method];
  return row ? (item ? row[0] : row[1]) : method.toLowerCase();
}

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(String(req.headers.accept ?? ''));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function jsonPathGet(o: unknown, path: string): unknown {
  return path
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[k] : undefined), o);
}

function printCell(v: unknown, type: string): unknown {
  if (v === undefined || v === null) return type === 'boolean' ? false : '<none>';
  if (type === 'date' && typeof v === 'string') {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(v)) / 1000));
    return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
  }
  return v;
}

/** RFC 7386. */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** JSON with sorted keys: "test" compares values, not key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** RFC 6902 (add, remove, replace, test, move, copy). */
export function jsonPatch(doc: any, ops: any[]): any {
  if (!Array.isArray(ops)) throw new Error('json patch must be an array of operations');
  const parse = (p: string) =>
    p
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const parent = (p: string[]) => {
    let cur = doc;
    for (const seg of p.slice(0, -1)) {
      if (cur === undefined || cur === null) throw new Error(`jsonpatch: path /${p.join('/')} does not exist`);
      cur = cur[seg];
    }
    if (cur === undefined || cur === null) throw new Error(`jsonpatch: path /${p.join('/')} does not exist`);
    return cur;
  };
  for (const op of ops) {
    const path = parse(String(op.path ?? ''));
    const last = path.at(-1)!;
    switch (op.op) {
      case 'add': {
        const p = parent(path);
        if (Array.isArray(p)) p.splice(last === '-' ? p.length : Number(last), 0, op.value);
        else p[last] = op.value;
        break;
      }
      case 'replace': {
        const p = parent(path);
        if (!(last in p))
          throw new Error(`jsonpatch replace operation does not apply: doc is missing key: /${path.join('/')}`);
        p[last] = op.value;
        break;
      }
      case 'remove': {
        const p = parent(path);
        if (!(last in p))
          throw new Error(`jsonpatch remove operation does not apply: doc is missing path: /${path.join('/')}`);
        if (Array.isArray(p)) p.splice(Number(last), 1);
        else delete p[last];
        break;
      }
      case 'test': {
        const p = parent(path);
        if (canonical(p[last]) !== canonical(op.value)) throw new Error(`testing value /${path.join('/')} failed`);
        break;
      }
      case 'copy':
      case 'move': {
        const from = parse(String(op.from ?? ''));
        const fp = parent(from);
        const value = structuredClone(fp[from.at(-1)!]);
        if (op.op === 'move') delete fp[from.at(-1)!];
        parent(path)[last] = value;
        break;
      }
      default:
        throw new Error(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** Label selectors as kube-apiserver parses them: =, ==, !=, in, notin, exists, !exists. */
export function parseLabelSelector(s: string): (labels: Record<string, string>) => boolean {
  const reqs: Array<(l: Record<string, string>) => boolean> = [];
  // split on commas that are not inside parentheses
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpMatchArray | null;
    if ((m = raw.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, k, op, list] = m;
      const values = list!.split(',').map((v) => v.trim());
      reqs.push(op === 'in' ? (l) => values.includes(l[k!] as string) : (l) => !values.includes(l[k!] as string));
    } else if ((m = raw.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/))) {
      const [, k, op, v] = m;
      reqs.push(op === '!=' ? (l) => l[k!] !== v : (l) => l[k!] === v);
    } else if ((m = raw.match(/^!([\w./-]+)$/))) {
      const k = m[1]!;
      reqs.push((l) => !(k in l));
    } else if ((m = raw.match(/^([\w./-]+)$/))) {
      const k = m[1]!;
      reqs.push((l) => k in l);
    } else throw new Error(`unable to parse requirement: ${JSON.stringify(raw)}`);
  }
  return (l) => reqs.every((r) => r(l));
}

/** Custom resources support metadata.name and metadata.namespace field selectors only. */
export function parseFieldSelector(s: string): (o: KObject) => boolean {
  const reqs: Array<(o: KObject) => boolean> = [];
  for (const raw of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = raw.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new Error(`invalid selector: '${raw}'; can't understand '${raw}'`);
    const [, field, op, value] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace')
      throw new Error(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    const get = (o: KObject) => (field === 'metadata.name' ? o.metadata.name : o.metadata.namespace);
    reqs.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => reqs.every((r) => r(o));
}
