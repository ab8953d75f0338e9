/**
 * Azure Advisor's cost recommendations (Recommendations - List, filtered to Category eq 'Cost') through
 * the official SDK (@azure/arm-advisor), normalised to oco's recommendation model. The SDK pages with
 * nextLink and its pipeline retries 429s after Retry-After (and 5xx, network errors) by itself; this
 * module counts every HTTP request the pipeline sends, maps each recommendation by a table of
 * recommendation kinds, and turns refusals into the same typed errors the cost ingest raises.
 */
import type { AdvisorManagementClient, ResourceRecommendationBase } from '@azure/arm-advisor';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { lazyRequire } from '../../../base/lazy.js';
import { ConfigError, OcoError, OperationError, UnreachableError } from '../../../base/errors.js';
import { Money } from '../../../base/money.js';
import type { Action, Candidate, Effort } from '../../../base/recommend/model.js';
import { decimalText } from '../../values.js';
import type { ConfiguredStatus, FetchProgress, ProviderOptions, RecommendationSourceRun } from '../types.js';
import { armToken, azureConfigured, azureScope, createAzureClient, mapAzureIdentityError } from './client.js';
import type { AzureClient } from './client.js';

export const ADVISOR_SOURCE = 'azure-advisor';
/** Pages one import follows at most (Advisor pages are large; this only bounds a service that loops). */
const MAX_PAGES = 500;
/** Loaded on first use: only an import needs it, and every command pays for what its imports reach. */
const advisorSdk = lazyRequire<typeof import('@azure/arm-advisor')>('@azure/arm-advisor');
/** The pipeline's retries after the first attempt: 429s wait Retry-After, other failures back off exponentially. */
const MAX_RETRIES = 4;

/** The subscription Advisor is asked about, and the resource group it is narrowed to, from the cost scope. */
export function advisorScope(
  config: OcoConfig,
  flags: Record<string, unknown> = {},
): { subscription: string; resourceGroup?: string } | undefined {
  const scope = azureScope(config, flags['azure-scope'] as string | undefined);
  const m = scope ? /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?$/i.exec(scope) : null;
  if (m) return { subscription: m[1]!, ...(m[2] ? { resourceGroup: m[2] } : {}) };
  // A billing scope: Advisor still answers for the subscription named beside it.
  const sub = config.env.AZURE_SUBSCRIPTION_ID;
  return sub ? { subscription: sub } : undefined;
}

/** Advisor uses the cost ingest's credentials; its scope must be a subscription (or one of its resource groups). */
export function advisorConfigured(config: OcoConfig, flags: Record<string, unknown> = {}): ConfiguredStatus {
  const costs = azureConfigured(config, flags);
  if (!costs.configured) return costs;
  const scope = advisorScope(config, flags);
  if (!scope)
    return {
      configured: false,
      via: '',
      missing:
        'AZURE_SUBSCRIPTION_ID (Advisor lists recommendations per subscription; the Azure scope is a billing scope)',
    };
  return { configured: true, via: costs.via };
}

/** The Advisor $filter (its grammar: properties Category, ResourceGroup, …; operators eq, and, or). */
export function advisorFilter(scope: { resourceGroup?: string }): string {
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return `Category eq 'Cost'${scope.resourceGroup ? ` and ResourceGroup eq ${quote(scope.resourceGroup)}` : ''}`;
}

/** Advisor's documented recommendation type ids (the Cost recommendations reference). */
const TYPE = {
  vmLowUsage: 'e10b1381-5f0a-47ff-8c7b-37bd13d7c974',
  unattachedDisk: '48eda464-1485-4dcf-a674-d0905df5054a',
  snapshotStandardStorage: '702b474d-698f-4029-9f9d-4782c626923e',
  vmReservedInstance: '84b1a508-fc21-49da-979e-96894f1665df',
  reservationRenewal: 'abb1f687-2d58-4197-8f5b-8882f05c04b8',
  emptyAppServicePlan: '39a8510f-5bbf-4304-9bcd-4106c996473b',
  rightsizeAppServicePlan: 'cc9d34f5-f9b8-4d4f-9de7-98b45c698a49',
} as const;

interface AdvisorView {
  typeId: string;
  text: string;
  ext: Record<string, string>;
}

interface AdvisorKind {
  kind: string;
  matches(r: AdvisorView): boolean;
  action: Action;
  effort: Effort;
  restartNeeded: boolean;
  rollbackPossible: boolean;
  /**
   * How the finding is keyed when it is not about one resource: a savings plan covers the account's
   * compute (keyed like oco's own commitment-coverage finding: no resource), a reserved instance a SKU
   * in a region (one key per SKU, region and term, so two of them stay two recommendations).
   */
  keyedBy?: 'account' | 'reservation';
  resourceType?: string;
}

const has = (r: AdvisorView, key: string) => Boolean(r.ext[key]);

/**
 * Advisor recommendation → oco action, first match wins: the documented type ids first, then what the
 * extended properties and the description say, for types added after this table.
 */
export const ADVISOR_KINDS: readonly AdvisorKind[] = [
  {
    kind: 'shutdown-underutilized-vm',
    matches: (r) => r.typeId === TYPE.vmLowUsage && /^shutdown$/i.test(r.ext.recommendationType ?? ''),
    action: 'stop',
    effort: 'low',
    restartNeeded: true,
    rollbackPossible: true,
  },
  {
    kind: 'rightsize-underutilized-vm',
    matches: (r) => r.typeId === TYPE.vmLowUsage,
    action: 'rightsize',
    effort: 'medium',
    restartNeeded: true,
    rollbackPossible: true,
  },
  {
    kind: 'reserved-instance',
    matches: (r) =>
      r.typeId === TYPE.vmReservedInstance || has(r, 'reservedResourceType') || /\breserved instances?\b/i.test(r.text),
    action: 'purchase-commitment',
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
    keyedBy: 'reservation',
    resourceType: 'reservation',
  },
  {
    kind: 'savings-plan',
    matches: (r) => /\bsavings plans?\b/i.test(r.text) || has(r, 'commitmentAmount'),
    action: 'purchase-commitment',
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
    keyedBy: 'account',
    resourceType: 'compute-commitment',
  },
  {
    kind: 'renew-reservation',
    matches: (r) => r.typeId === TYPE.reservationRenewal || /\b(renew|renewal)\b/i.test(r.text),
    action: 'purchase-commitment',
    effort: 'very-low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    kind: 'unattached-disk',
    matches: (r) => r.typeId === TYPE.unattachedDisk || /\b(not attached|unattached)\b/i.test(r.text),
    action: 'delete',
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    kind: 'snapshot-to-standard-storage',
    matches: (r) => r.typeId === TYPE.snapshotStandardStorage,
    action: 'rightsize',
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: true,
  },
  {
    kind: 'delete-idle-resource',
    matches: (r) =>
      r.typeId === TYPE.emptyAppServicePlan ||
      /\b(idle|unused|empty|orphaned|not associated|no apps running)\b/i.test(r.text),
    action: 'delete',
    effort: 'low',
    restartNeeded: false,
    rollbackPossible: false,
  },
  {
    kind: 'rightsize',
    matches: (r) =>
      r.typeId === TYPE.rightsizeAppServicePlan ||
      has(r, 'targetSku') ||
      /\b(right-?size|underutili[sz]ed|resize|downgrade)\b/i.test(r.text),
    action: 'rightsize',
    effort: 'medium',
    restartNeeded: true,
    rollbackPossible: true,
  },
];

/**
 * A recommendation no row knows: most of Advisor's other cost advice is a configuration or SKU change,
 * so rightsize, judged at its costliest (medium effort, a restart) until a row says otherwise.
 */
export const UNKNOWN_KIND: AdvisorKind = {
  kind: 'unrecognised',
  matches: () => true,
  action: 'rightsize',
  effort: 'medium',
  restartNeeded: true,
  rollbackPossible: true,
};

/** Advisor's impact, as oco's confidence that the saving is real. */
const CONFIDENCE: Record<string, number> = { high: 0.8, medium: 0.6, low: 0.4 };
const UNKNOWN_IMPACT_CONFIDENCE = 0.5;

/** Extended properties kept as evidence: Advisor's numbers and the SKUs and terms they are about. */
const EVIDENCE_KEYS = [
  'savingsAmount',
  'annualSavingsAmount',
  'savingsCurrency',
  'recommendationType',
  'currentSku',
  'targetSku',
  'MaxCpuP95',
  'MaxMemoryP95',
  'MaxTotalNetworkP95',
  'term',
  'lookbackPeriod',
  'displaySKU',
  'displayQty',
  'reservedResourceType',
  'commitmentAmount',
  'scope',
] as const;

const ADVISOR_SUFFIX = /\/providers\/Microsoft\.Advisor\/recommendations\/[^/]+$/i;

/** A decimal from an extended property, or undefined when absent or not a number (then also noted). */
function decimalOf(raw: string | undefined): Money | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const d = decimalText(raw.trim());
  return d === undefined ? undefined : new Money(d);
}

/** Monthly savings: savingsAmount is monthly; annualSavingsAmount / 12 otherwise (Decimal's division, 6 places). */
export function advisorMonthlySavings(ext: Record<string, string>): Money | null {
  const monthly = decimalOf(ext.savingsAmount);
  if (monthly) return monthly;
  const annual = decimalOf(ext.annualSavingsAmount);
  return annual ? annual.dividedBy(12).toDecimalPlaces(6) : null;
}

/**
 * The resource as oco's Azure cost rows spell it: Cost Management's ResourceId values are full ARM ids
 * in lower case (ARM ids are case-insensitive; Advisor keeps the resource's own casing).
 */
function resourceOf(rec: ResourceRecommendationBase, kind: AdvisorKind, ext: Record<string, string>): string | null {
  if (kind.keyedBy === 'account') return null;
  if (kind.keyedBy === 'reservation') {
    const parts = [
      ext.reservedResourceType ?? 'virtualmachines',
      ext.displaySKU ?? ext.vmSize ?? ext.sku,
      ext.region ?? ext.location ?? ext.regionId,
      ext.term,
    ];
    return `reservations/${parts.map((p) => p ?? 'any').join('/')}`.toLowerCase();
  }
  const id = rec.resourceMetadata?.resourceId ?? rec.id?.replace(ADVISOR_SUFFIX, '');
  if (!id || /^\/subscriptions\/[^/]+\/?$/i.test(id)) return null;
  return id.toLowerCase();
}

function plain(m: Money): string {
  return m.toFixed();
}

function metricsSentence(ext: Record<string, string>): string {
  const parts = [
    ext.MaxCpuP95 !== undefined ? `CPU ${ext.MaxCpuP95} %` : '',
    ext.MaxMemoryP95 !== undefined ? `memory ${ext.MaxMemoryP95} %` : '',
    ext.MaxTotalNetworkP95 !== undefined ? `network ${ext.MaxTotalNetworkP95} MB` : '',
  ].filter(Boolean);
  return parts.length ? ` 95th-percentile use: ${parts.join(', ')}.` : '';
}

/** One Advisor recommendation as a Candidate; a type no row knows gets UNKNOWN_KIND and says so in its evidence. */
export function advisorCandidate(rec: ResourceRecommendationBase, subscription: string): Candidate {
  const ext = rec.extendedProperties ?? {};
  const problem = rec.shortDescription?.problem?.trim() ?? '';
  const solution = rec.shortDescription?.solution?.trim() ?? '';
  const view: AdvisorView = {
    typeId: (rec.recommendationTypeId ?? '').toLowerCase(),
    text: [problem, solution, rec.label ?? ''].join(' '),
    ext,
  };
  const known = ADVISOR_KINDS.find((k) => k.matches(view));
  const kind = known ?? UNKNOWN_KIND;
  const currency = ext.savingsCurrency?.trim() || undefined;
  const amount = advisorMonthlySavings(ext);
  // An amount without its currency is not a saving oco can state.
  const monthlySavings = amount && currency ? amount : null;
  const annual = decimalOf(ext.annualSavingsAmount);
  const impact = rec.impact ?? null;
  const what = rec.impactedValue ?? rec.resourceMetadata?.singular ?? 'the subscription';
  const skus = ext.currentSku && ext.targetSku ? ` (${ext.currentSku} → ${ext.targetSku})` : '';
  const reservation =
    kind.keyedBy === 'reservation'
      ? ` ${ext.displayQty ?? ext.qty ?? ''} × ${ext.displaySKU ?? ext.vmSize ?? ext.reservedResourceType ?? ''}` +
        `${ext.region || ext.location ? ` in ${ext.region ?? ext.location}` : ''}${ext.term ? `, ${ext.term}` : ''}`
      : '';
  const head = solution || problem || kind.kind;
  const title = `${head}: ${kind.keyedBy ? `subscription ${subscription}` : what}${skus}${reservation}`
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  const savingsText = monthlySavings
    ? `Advisor estimates ${plain(monthlySavings)} ${currency} a month` +
      (annual ? ` (${plain(annual)} ${currency} a year)` : '') +
      (ext.savingsAmount === undefined && annual ? ', its annual figure / 12' : '') +
      '.'
    : amount
      ? `Advisor gives ${plain(amount)} a month without a currency, so the saving is unknown.`
      : 'Advisor gives no savings estimate.';
  const rationale =
    `Azure Advisor (${impact ?? 'unknown'} impact): ${problem || head}${/[.!?]$/.test(problem) ? '' : '.'} ` +
    `${savingsText}${metricsSentence(ext)}${ext.lookbackPeriod ? ` Look-back: ${ext.lookbackPeriod} days.` : ''}`;
  const evidence: Record<string, string | number | null> = {
    advisorRecommendation: rec.name ?? null,
    recommendationTypeId: rec.recommendationTypeId ?? null,
    impact,
    impactedField: rec.impactedField ?? null,
    impactedValue: rec.impactedValue ?? null,
    lastUpdated: rec.lastUpdated instanceof Date ? rec.lastUpdated.toISOString() : null,
    mapping: known
      ? kind.kind
      : `unrecognised Advisor recommendation type ${rec.recommendationTypeId ?? '(none)'}: ` +
        `${UNKNOWN_KIND.action} by default`,
  };
  for (const key of EVIDENCE_KEYS) if (ext[key] !== undefined) evidence[key] = ext[key].slice(0, 200);
  return {
    provider: 'azure',
    account: subscription,
    resourceId: resourceOf(rec, kind, ext),
    resourceType: kind.resourceType ?? (rec.impactedField ?? 'resource').toLowerCase(),
    region: ext.regionId ?? ext.region ?? ext.location ?? null,
    action: kind.action,
    title,
    rationale,
    currency: currency ?? 'USD',
    monthlySavings,
    keyFigure: monthlySavings ?? new Money(0),
    confidence: CONFIDENCE[(impact ?? '').toLowerCase()] ?? UNKNOWN_IMPACT_CONFIDENCE,
    effort: kind.effort,
    restartNeeded: kind.restartNeeded,
    rollbackPossible: kind.rollbackPossible,
    evidence,
  };
}

/**
 * One finding per provider, account, resource and action (the store's identity): two Advisor
 * recommendations that land on the same key keep the larger known saving, and say how many were folded.
 */
function distinct(candidates: Candidate[]): Candidate[] {
  const byKey = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = JSON.stringify([c.account, c.resourceId, c.action]);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, c);
      continue;
    }
    const better = c.monthlySavings && (!seen.monthlySavings || c.monthlySavings.gt(seen.monthlySavings)) ? c : seen;
    better.evidence.folded = Number(seen.evidence.folded ?? 0) + Number(c.evidence.folded ?? 0) + 1;
    byKey.set(key, better);
  }
  return [...byKey.values()];
}

const ADVISOR_HINTS: Record<number, (subscription: string) => string> = {
  401: () => 'The token was refused: check AZURE_TENANT_ID and that the app registration exists in that tenant.',
  403: (s) =>
    `The identity needs the Reader role (or Advisor Reader) on subscription ${s}: ` +
    `az role assignment create --assignee <client id> --role Reader --scope /subscriptions/${s}`,
  404: () => 'The subscription does not exist or is not visible: check AZURE_SUBSCRIPTION_ID / OCO_AZURE_SCOPE.',
  429: () => 'Advisor throttled the requests after retries: run the import again later.',
};

/** An SDK or pipeline failure as the typed errors the cost ingest raises for the same causes. */
export function advisorError(err: unknown, subscription: string): OcoError {
  if (err instanceof OcoError) return err;
  const e = err as { name?: string; statusCode?: number; code?: string; message?: string };
  if (e.name !== 'RestError') return mapAzureIdentityError(err);
  const message = (e.message ?? '').split('\n')[0]!.slice(0, 300);
  if (e.statusCode === undefined) {
    return new UnreachableError('OCO_AZURE_UNREACHABLE', `cannot reach Azure Advisor: ${e.code ?? message}`, {
      hint: 'Check the network, and OCO_AZURE_ARM_ENDPOINT if set.',
    });
  }
  const status = e.statusCode;
  const code = e.code ?? `HTTP${status}`;
  const hint =
    ADVISOR_HINTS[status]?.(subscription) ?? 'See the Azure Advisor REST API documentation for this error code.';
  const details = { provider: 'azure', service: 'advisor', code, status };
  const text = `Azure Advisor: ${code}: ${message} (HTTP ${status})`;
  if (status === 429 || status >= 500)
    return new UnreachableError('OCO_AZURE_API_UNAVAILABLE', text, { hint, details });
  return new OperationError('OCO_AZURE_API_ERROR', text, { hint, details });
}

class AzureAdvisorRun implements RecommendationSourceRun {
  readonly provider = 'azure' as const;
  readonly source = ADVISOR_SOURCE;
  requests = 0;
  private readonly notes: string[] = [];
  private readonly client: AzureClient;
  private readonly scope: { subscription: string; resourceGroup?: string };

  constructor(config: OcoConfig, flags: Record<string, unknown>) {
    this.client = createAzureClient(config, flags['azure-scope'] as string | undefined);
    const scope = advisorScope(config, flags);
    if (!scope) throw advisorNotConfigured();
    this.scope = scope;
  }

  get warnings(): readonly string[] {
    return this.notes;
  }

  private sdk(): AdvisorManagementClient {
    const { AdvisorManagementClient } = advisorSdk();
    const arm = this.client.armEndpoint;
    return new AdvisorManagementClient(this.client.credential, this.scope.subscription, {
      $host: arm,
      endpoint: arm,
      credentialScopes: [`${arm}/.default`],
      retryOptions: { maxRetries: MAX_RETRIES },
      additionalPolicies: [
        {
          // Per retry: every HTTP request the pipeline sends is counted, retries included.
          position: 'perRetry',
          policy: {
            name: 'ocoRequestCount',
            sendRequest: (request, next) => {
              this.requests++;
              return next(request);
            },
          },
        },
      ],
    });
  }

  async fetch(progress: FetchProgress): Promise<Candidate[]> {
    // The token first: a credential problem is reported as one, before any Advisor request.
    await armToken(this.client);
    const sdk = this.sdk();
    const found: Candidate[] = [];
    const unrecognised = new Set<string>();
    let pages = 0;
    try {
      const paged = sdk.recommendations.list({ filter: advisorFilter(this.scope) }).byPage();
      for await (const page of paged) {
        pages++;
        for (const rec of page) {
          const c = advisorCandidate(rec, this.scope.subscription);
          if (String(c.evidence.mapping).startsWith('unrecognised'))
            unrecognised.add(rec.recommendationTypeId ?? rec.shortDescription?.problem ?? '(none)');
          found.push(c);
        }
        progress.onPage?.({ pages, requests: this.requests, rows: found.length });
        if (pages >= MAX_PAGES) {
          this.notes.push(`Azure Advisor: stopped after ${MAX_PAGES} pages; later recommendations were not read`);
          break;
        }
      }
    } catch (err) {
      throw advisorError(err, this.scope.subscription);
    }
    for (const t of unrecognised)
      this.notes.push(`Azure Advisor recommendation type ${t} is not in oco's table: imported as rightsize`);
    return distinct(found);
  }

  close(): void {}
}

function advisorNotConfigured(): OcoError {
  return new ConfigError('Azure Advisor needs a subscription', {
    code: 'OCO_AZURE_NOT_CONFIGURED',
    hint: 'Set AZURE_SUBSCRIPTION_ID, or OCO_AZURE_SCOPE / --azure-scope to /subscriptions/ID.',
  });
}

export function createAzureRecommendations(options: ProviderOptions): RecommendationSourceRun {
  return new AzureAdvisorRun(options.config, options.flags ?? {});
}
