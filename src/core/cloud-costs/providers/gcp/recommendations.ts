import type { RecommenderClient } from '@google-cloud/recommender';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, UnreachableError } from '../../../base/errors.js';
import { lazyRequire } from '../../../base/lazy.js';
import { Money } from '../../../base/money.js';
import type { Action, Candidate, Effort } from '../../../base/recommend/model.js';
import type { ConfiguredStatus, FetchProgress, ProviderOptions, RecommendationSourceRun } from '../types.js';
import { createGcpAuth, createGcpClient, gcpCredentialsVia, gcpTable, mapGcpError, restEndpoint } from './client.js';
import { moneyToDecimal } from './prices.js';

/**
 * GCP Recommender's cost recommendations for Compute Engine, through @google-cloud/recommender (REST transport),
 * normalised to the one recommendation model.
 *
 * Recommender answers one parent a call, projects/{project}/locations/{location}/recommenders/{id}, and has no
 * location wildcard for projects, so every (project, recommender, location) the recommender serves is one pager:
 * zonal recommenders (machine type, idle VM, idle disk) are asked per zone, regional ones per region (idle
 * regional disks and addresses, commitments), global ones at `global` (idle images, global addresses). The
 * zones come from costs.gcpRecommenderLocations; their regions and `global` follow.
 */

/** Loaded on the first import only: cost ingest, which loads this module with the GCP provider, never needs it. */
const recommender = lazyRequire<typeof import('@google-cloud/recommender')>('@google-cloud/recommender');

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const SERVICE = 'google.cloud.recommender.v1.Recommender';
/** Recommender's own page cap is not documented; 1000 asks for few pages, and the server may answer fewer. */
const PAGE_SIZE = 1000;
/** A bound on pages per pager: 100 pages of 1000 is far beyond one location's recommendations. */
const MAX_PAGES = 100;
/** The filter as the API spells it (AIP-160): only what the user can still act on. */
const ACTIVE = 'stateInfo.state = ACTIVE';
const SECONDS_PER_MONTH = 30 * 24 * 3600;

type Scope = 'zone' | 'region' | 'global';

interface RecommenderDef {
  id: string;
  action: Action;
  /** What kind of resource the recommendation is about (Candidate.resourceType). */
  resourceType: string;
  /** The kinds of location the recommender is served at (public Recommender docs, per recommender). */
  scopes: readonly Scope[];
  effort: Effort;
  restartNeeded: boolean;
  rollbackPossible: boolean;
}

/** The recommenders imported, as data: which action each means and where it is asked. */
export const RECOMMENDERS: readonly RecommenderDef[] = [
  {
    id: 'google.compute.instance.MachineTypeRecommender',
    action: 'rightsize',
    resourceType: 'compute.googleapis.com/Instance',
    scopes: ['zone'],
    effort: 'low',
    restartNeeded: true,
    rollbackPossible: true,
  },
  {
    id: 'google.compute.instance.IdleResourceRecommender',
    action: 'stop',
    resourceType: 'compute.googleapis.com/Instance',
    scopes: ['zone'],
    effort: 'very-low',
    restartNeeded: false,
    rollbackPossible: true,
  },
  {
    id: 'google.compute.disk.IdleResourceRecommender',
    action: 'delete',
    resourceType: 'compute.googleapis.com/Disk',
    scopes: ['zone', 'region'],
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    id: 'google.compute.address.IdleResourceRecommender',
    action: 'delete',
    resourceType: 'compute.googleapis.com/Address',
    scopes: ['region', 'global'],
    effort: 'very-low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    id: 'google.compute.image.IdleResourceRecommender',
    action: 'delete',
    resourceType: 'compute.googleapis.com/Image',
    scopes: ['global'],
    effort: 'very-low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    id: 'google.compute.commitment.UsageCommitmentRecommender',
    action: 'purchase-commitment',
    resourceType: 'compute.googleapis.com/Commitment',
    scopes: ['region'],
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
  },
];

/** Recommender's priority (P1 highest) as oco's confidence that the saving is real. */
const CONFIDENCE: Record<string, number> = { P1: 0.9, P2: 0.8, P3: 0.6, P4: 0.4 };
const DEFAULT_CONFIDENCE = 0.5;

/**
 * Throttling (429 RESOURCE_EXHAUSTED: Recommender's per-minute quota) is retried with the client's own backoff
 * besides the transient codes it retries anyway; a call gives up after the total timeout.
 */
const CLIENT_CONFIG = {
  interfaces: {
    [SERVICE]: {
      retry_codes: { throttled: ['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED'] },
      retry_params: {
        throttled: {
          initial_retry_delay_millis: 500,
          retry_delay_multiplier: 2,
          max_retry_delay_millis: 32_000,
          initial_rpc_timeout_millis: 60_000,
          rpc_timeout_multiplier: 1,
          max_rpc_timeout_millis: 60_000,
          total_timeout_millis: 180_000,
        },
      },
      methods: { ListRecommendations: { retry_codes_name: 'throttled', retry_params_name: 'throttled' } },
    },
  },
};

const ZONE = /^[a-z]+-[a-z]+\d+-[a-z]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Locations per scope from the configured zones and regions: a zone's region and `global` are implied. */
export function recommenderLocations(value: string | undefined): Record<Scope, string[]> {
  const zones = new Set<string>();
  const regions = new Set<string>();
  for (const l of list(value)) {
    if (l === 'global') continue;
    if (ZONE.test(l)) {
      zones.add(l);
      regions.add(l.replace(/-[a-z]$/, ''));
    } else if (REGION.test(l)) regions.add(l);
    else
      throw new ConfigError(`costs.gcpRecommenderLocations: "${l}" is not a GCP zone or region`, {
        code: 'OCO_CONFIG_INVALID',
        hint: 'List zones (us-central1-a) or regions (us-central1), comma-separated.',
      });
  }
  return { zone: [...zones].sort(), region: [...regions].sort(), global: ['global'] };
}

export function gcpRecommendationsConfigured(config: OcoConfig): ConfiguredStatus {
  const credentials = gcpCredentialsVia(config);
  if (!credentials)
    return {
      configured: false,
      via: '',
      missing: 'GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or GCP_CREDENTIALS_JSON',
    };
  if (!list(config.string('costs.gcpRecommenderLocations')).length)
    return {
      configured: false,
      via: '',
      missing: 'OCO_GCP_RECOMMENDER_LOCATIONS (the zones to ask Recommender about, e.g. us-central1-a)',
    };
  const projects = list(config.string('costs.gcpProjects'));
  const from = projects.length
    ? `projects ${projects.join(', ')}`
    : gcpTable(config)
      ? "the billing export's projects"
      : "the key's project";
  return { configured: true, via: `${credentials}, ${from}` };
}

/** The JSON fields oco reads (the REST client hands back int64 as strings or Longs, Duration as seconds + nanos). */
interface RecMoney {
  currencyCode?: string | null;
  units?: string | number | { toString(): string } | null;
  nanos?: number | null;
}
interface Recommendation {
  name?: string | null;
  description?: string | null;
  recommenderSubtype?: string | null;
  priority?: string | number | null;
  primaryImpact?: {
    category?: string | number | null;
    costProjection?: {
      cost?: RecMoney | null;
      costInLocalCurrency?: RecMoney | null;
      duration?: { seconds?: string | number | { toString(): string } | null; nanos?: number | null } | null;
    } | null;
  } | null;
  content?: {
    operationGroups?: Array<{
      operations?: Array<{
        action?: string | null;
        resourceType?: string | null;
        resource?: string | null;
        path?: string | null;
        value?: unknown;
      }> | null;
    }> | null;
  } | null;
  stateInfo?: { state?: string | number | null } | null;
}

interface Failure {
  code: number | string;
  status: string;
  reason: string;
  message: string;
}

/** gRPC codes the REST transport maps HTTP statuses to (google-gax). */
const GRPC_STATUS: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
/** Failures that concern one parent only (this project, recommender or location), not the whole import. */
const PER_PARENT = new Set(['PERMISSION_DENIED', 'INVALID_ARGUMENT', 'NOT_FOUND']);

/** Status, reason and Google's message of an SDK error, never the request (its headers carry the token). */
function failure(err: unknown): Failure {
  const e = err as { code?: number | string; reason?: string; message?: unknown };
  const status = typeof e.code === 'number' ? (GRPC_STATUS[e.code] ?? `code ${e.code}`) : String(e.code ?? 'error');
  // google-gax writes "7 PERMISSION_DENIED: <Google's message>": the code is said apart.
  const text = typeof e.message === 'string' ? e.message : String(err);
  const message = text.split('\n')[0]!.replace(/^\d+ [A-Z_]+: /, '');
  return { code: e.code ?? 'error', status, reason: e.reason ?? '', message: message.slice(0, 300) };
}

const HINT_DENIED =
  'Enable the Recommender API (recommender.googleapis.com) on each project and grant the service account the ' +
  'recommender.*.list permissions of these recommenders: Compute Recommender Viewer ' +
  '(roles/recommender.computeViewer), plus a committed use discount recommender viewer role for commitments.';

/** The run: one pager per (project, recommender, location), warnings for parents refused, counted requests. */
class GcpRecommendations implements RecommendationSourceRun {
  readonly provider = 'gcp' as const;
  readonly source = 'gcp-recommender';
  private readonly client: RecommenderClient;
  private readonly tokens: () => number;
  private readonly out: string[] = [];
  private http = 0;
  private billingRequests = 0;
  private readonly keyProject: string | undefined;
  private readonly locations: Record<Scope, string[]>;

  constructor(private readonly config: OcoConfig) {
    this.locations = recommenderLocations(config.string('costs.gcpRecommenderLocations'));
    if (!this.locations.zone.length && !this.locations.region.length)
      throw new ConfigError('no GCP Recommender locations', {
        code: 'OCO_GCP_NOT_CONFIGURED',
        hint: 'Set OCO_GCP_RECOMMENDER_LOCATIONS to the zones your resources run in, e.g. us-central1-a,us-east1-b.',
      });
    const { auth, keyProject, tokenRequests } = createGcpAuth(config, SCOPE);
    this.keyProject = keyProject;
    this.tokens = tokenRequests;
    // Every HTTP request of the REST transport goes through the auth client's fetch: counted there, retries too.
    // google-gax expects fetch's contract (an error status is a response, which it decodes into the gRPC code and
    // ErrorInfo its retry settings and oco read); the auth client's gaxios would throw on it with the bare HTTP
    // status instead, so 429 would never be retried. Hence every status is handed back as a response.
    const fetch = auth.fetch.bind(auth) as (input: unknown, init?: object) => ReturnType<typeof auth.fetch>;
    auth.fetch = ((input: unknown, init?: object) => {
      this.http++;
      return fetch(input, { ...init, validateStatus: () => true });
    }) as typeof auth.fetch;
    this.client = new (recommender().RecommenderClient)({
      fallback: true,
      authClient: auth as never,
      clientConfig: CLIENT_CONFIG,
      ...restEndpoint(config.string('costs.gcpRecommenderEndpoint')),
    } as ConstructorParameters<typeof RecommenderClient>[0]);
  }

  get requests(): number {
    return this.http + this.tokens() + this.billingRequests;
  }
  get warnings(): readonly string[] {
    return this.out;
  }

  async fetch(progress: FetchProgress): Promise<Candidate[]> {
    const projects = await this.projects();
    const found: Candidate[] = [];
    let asked = 0;
    let refusals = 0;
    let refused: Failure | undefined;
    let pages = 0;
    for (const project of projects) {
      let disabled = false;
      for (const def of RECOMMENDERS) {
        for (const location of def.scopes.flatMap((s) => this.locations[s])) {
          if (disabled) break;
          asked++;
          const parent = `projects/${project}/locations/${location}/recommenders/${def.id}`;
          let items: Recommendation[];
          try {
            items = await this.list(parent, () => {
              pages++;
              progress.onPage?.({ pages, requests: this.requests, rows: found.length });
            });
          } catch (err) {
            if (err instanceof OcoError) throw err;
            const f = failure(err);
            if (!PER_PARENT.has(f.status)) throw this.fatal(f);
            refused = f;
            refusals++;
            // The API switched off for the project refuses every recommender there the same way: say it once.
            if (f.reason === 'SERVICE_DISABLED') {
              disabled = true;
              this.warn(progress, `project ${project}: Recommender API ${f.status}: ${f.message}`);
            } else this.warn(progress, `${def.id} in ${project}/${location}: ${f.status}: ${f.message}`);
            continue;
          }
          for (const r of items) {
            const c = normaliseRecommendation(r, def, project, location);
            if (c) found.push(c);
          }
        }
      }
    }
    // Refused everywhere: nothing was imported, and that is a failure to act on rather than a warning.
    if (refused && refusals === asked) throw this.fatal(refused, true);
    return found;
  }

  close(): void {
    void this.client.close().catch(() => undefined);
  }

  /** One parent's ACTIVE recommendations, page by page (pageToken → nextPageToken). */
  private async list(parent: string, onPage: () => void): Promise<Recommendation[]> {
    const out: Recommendation[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const [items, next] = (await this.client.listRecommendations(
        { parent, filter: ACTIVE, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
        { autoPaginate: false },
      )) as unknown as [Recommendation[], { pageToken?: string | null } | null];
      out.push(...(items ?? []));
      onPage();
      pageToken = next?.pageToken ?? undefined;
      if (!pageToken) return out;
    }
    this.out.push(`${parent}: cut at ${MAX_PAGES} pages`);
    return out;
  }

  /** costs.gcpProjects, else the billing export's billing account's projects, else the key's project. */
  private async projects(): Promise<string[]> {
    const configured = list(this.config.string('costs.gcpProjects'));
    if (configured.length) return configured;
    if (gcpTable(this.config)) {
      const billing = createGcpClient(this.config);
      try {
        const tableProject = billing.table.split('.')[0]!;
        this.billingRequests++;
        const [info] = await billing.billing.getProjectBillingInfo({ name: `projects/${tableProject}` });
        if (info.billingAccountName) {
          this.billingRequests++;
          const [rows] = await billing.billing.listProjectBillingInfo(
            { name: info.billingAccountName },
            { autoPaginate: true },
          );
          const ids = rows.map((r) => r.projectId).filter((p): p is string => !!p);
          if (ids.length) return [...new Set(ids)].sort();
        }
        return [tableProject];
      } catch (err) {
        throw mapGcpError(err);
      } finally {
        this.billingRequests += billing.tokenRequests();
        void billing.billing.close().catch(() => undefined);
        void billing.catalog.close().catch(() => undefined);
      }
    }
    if (this.keyProject) return [this.keyProject];
    throw new ConfigError('no GCP project to ask Recommender about', {
      code: 'OCO_GCP_NOT_CONFIGURED',
      hint: 'Set OCO_GCP_PROJECTS to the project ids, comma-separated.',
    });
  }

  private warn(progress: FetchProgress, text: string): void {
    this.out.push(text);
    progress.logger?.warn(text);
  }

  private fatal(f: Failure, everywhere = false): OcoError {
    const details = { provider: 'gcp', api: 'recommender', code: f.reason || f.status, status: f.code };
    if (f.status === 'UNAUTHENTICATED')
      return new OperationError('OCO_GCP_AUTH_FAILED', `GCP Recommender: ${f.status}: ${f.message}`, {
        hint: 'The key may be disabled or deleted: create a new key for the service account.',
        details,
      });
    if (typeof f.code === 'string' && /^E[A-Z]+/.test(f.code))
      return new UnreachableError('OCO_GCP_UNREACHABLE', `cannot reach GCP Recommender: ${f.code}`, {
        hint: 'Check the network, and OCO_GCP_RECOMMENDER_ENDPOINT if set.',
      });
    if (['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'].includes(f.status))
      return new UnreachableError(
        'OCO_GCP_API_UNAVAILABLE',
        `GCP Recommender: ${f.status} after retries: ${f.message}`,
        {
          hint: 'Recommender throttled or failed until the retries ran out: run the import again later.',
          details,
        },
      );
    return new OperationError(
      'OCO_GCP_API_ERROR',
      `GCP Recommender: ${f.status}${everywhere ? ' for every project, recommender and location' : ''}: ${f.message}`,
      {
        hint: f.status === 'PERMISSION_DENIED' ? HINT_DENIED : 'See the Recommender API error for this status.',
        details,
      },
    );
  }
}

/** A google.type.Money as exact decimal text (units + nanos / 10^9, one sign). */
const decimal = (m: RecMoney) => moneyToDecimal({ ...m, units: m.units === undefined ? null : m.units });

/** Enum fields come back as names (REST JSON); numbers only if a client ever asked for numeric enums. */
const PRIORITY = ['PRIORITY_UNSPECIFIED', 'P4', 'P3', 'P2', 'P1'];
const enumName = (v: string | number | null | undefined, names: readonly string[]) =>
  typeof v === 'number' ? (names[v] ?? String(v)) : (v ?? '');

/**
 * One Recommender recommendation as a Candidate, or null when it is not a cost saving (a machine type
 * recommendation that grows an overloaded VM costs more: its projection is positive).
 *
 * Savings: costProjection.cost is negative for a saving, over `duration` (30 days for Compute Engine's
 * recommenders); the monthly figure is −cost × 30 days / duration, exact to the nano. The billing account's
 * own currency (costInLocalCurrency) is preferred when the API gives it, as the cost rows are in it.
 */
export function normaliseRecommendation(
  r: Recommendation,
  def: RecommenderDef,
  project: string,
  location: string,
): Candidate | null {
  const projection = r.primaryImpact?.costProjection;
  const money = projection?.costInLocalCurrency ?? projection?.cost ?? null;
  let monthly: Money | null = null;
  let cost: string | null = null;
  let seconds: string | null = null;
  if (money && (money.units !== undefined || money.nanos !== undefined)) {
    cost = decimal(money);
    if (new Money(cost).isPositive() && !new Money(cost).isZero()) return null;
    const d = projection?.duration;
    seconds = new Money(String(d?.seconds ?? 0)).plus(new Money(d?.nanos ?? 0).dividedBy(1e9)).toFixed();
    if (new Money(seconds).isPositive() && !new Money(seconds).isZero())
      monthly = new Money(cost).negated().times(SECONDS_PER_MONTH).dividedBy(seconds).toDecimalPlaces(9);
  }
  const currency = money?.currencyCode || 'USD';
  const ops = (r.content?.operationGroups ?? []).flatMap((g) => g.operations ?? []);
  const target = ops.find((o) => o.resourceType === def.resourceType && o.resource) ?? ops.find((o) => o.resource);
  const zone = ZONE.test(location) ? location : null;
  const region = zone ? zone.replace(/-[a-z]$/, '') : location === 'global' ? null : location;
  const priority = enumName(r.priority, PRIORITY);
  const description = (r.description ?? '').trim() || `${def.id} recommendation`;
  const recommendationId = r.name?.split('/').at(-1) ?? null;
  let resourceId = target?.resource ?? null;
  // A commitment to buy has no resource yet: the plan and type name it, so two proposals in a region stay apart.
  if (def.action === 'purchase-commitment') resourceId = commitmentId(project, region, ops);
  const savings = monthly ? `${monthly.toFixed()} ${currency} a month` : 'an unknown amount';
  const window =
    seconds && cost
      ? ` (Recommender projects ${new Money(cost).negated().toFixed()} ${currency} over ${seconds} s)`
      : '';
  return {
    provider: 'gcp',
    account: project,
    resourceId,
    resourceType: def.resourceType,
    region,
    action: def.action,
    title: description.length > 200 ? `${description.slice(0, 197)}...` : description,
    rationale:
      `GCP Recommender ${def.id}${r.recommenderSubtype ? ` (${r.recommenderSubtype})` : ''}, priority ` +
      `${priority || 'unspecified'}: ${description} Saves ${savings}${window}.`,
    currency,
    monthlySavings: monthly,
    keyFigure: monthly ?? new Money(0),
    confidence: CONFIDENCE[priority] ?? DEFAULT_CONFIDENCE,
    effort: def.effort,
    restartNeeded: def.restartNeeded,
    // A disk snapshotted before deletion can be restored from the snapshot.
    rollbackPossible: def.rollbackPossible || (r.recommenderSubtype ?? '').startsWith('SNAPSHOT_AND_DELETE'),
    evidence: {
      recommender: def.id,
      recommendation: recommendationId,
      subtype: r.recommenderSubtype ?? null,
      priority: priority || null,
      location,
      zone,
      projectedCost: cost,
      projectionSeconds: seconds,
    },
  };
}

/**
 * A google.protobuf.Value as plain JSON: the REST client decodes the JSON into the message form
 * ({ structValue: { fields } }, { stringValue }, …); plain JSON passes through.
 */
export function plainValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const m = v as Record<string, unknown>;
  if ('structValue' in m && m.structValue) {
    const fields = ((m.structValue as { fields?: Record<string, unknown> }).fields ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(fields).map(([k, x]) => [k, plainValue(x)]));
  }
  if ('listValue' in m && m.listValue) return ((m.listValue as { values?: unknown[] }).values ?? []).map(plainValue);
  // Decoded messages carry every oneof member (unset ones as null on the prototype): the set one is not null.
  for (const k of ['stringValue', 'numberValue', 'boolValue'] as const)
    if (m[k] !== undefined && m[k] !== null) return m[k];
  if ('kind' in m || 'nullValue' in m) return null;
  return v;
}

/** The commitment proposal's own name: region, commitment type and plan (e.g. GENERAL_PURPOSE_E2, TWELVE_MONTH). */
function commitmentId(
  project: string,
  region: string | null,
  ops: Array<{ resource?: string | null; value?: unknown }>,
): string {
  const value = (plainValue(ops.find((o) => o.value && typeof o.value === 'object')?.value) ?? {}) as Record<
    string,
    unknown
  >;
  const type = typeof value.type === 'string' ? value.type : 'commitment';
  const plan = typeof value.plan === 'string' ? value.plan : 'plan';
  return `//compute.googleapis.com/projects/${project}/regions/${region ?? 'global'}/commitments/new-${type}-${plan}`
    .toLowerCase()
    .replace(/_/g, '-');
}

export function createGcpRecommendations(options: ProviderOptions): RecommendationSourceRun {
  return new GcpRecommendations(options.config);
}
