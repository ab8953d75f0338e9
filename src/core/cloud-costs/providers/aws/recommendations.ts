/**
 * AWS Cost Optimization Hub ListRecommendations through @aws-sdk/client-cost-optimization-hub: every
 * recommendation the account (or organization, from its management account) holds, as the one
 * recommendation model. The hub lives in us-east-1 whatever the default region; the SDK reads
 * AWS_ENDPOINT_URL_COST_OPTIMIZATION_HUB / AWS_ENDPOINT_URL itself, and credentials come from the
 * standard chain, as for Cost Explorer (client.ts).
 *
 * Savings arrive as JSON doubles. They are taken exactly as the wire wrote them: the raw body of each
 * page is kept (a middleware inside the SDK's deserializer) and its numbers read as their source text
 * (JSON.parse's source access), so 12.34 is 12.34, never 12.339999…; only if that text is missing is the
 * SDK's number used, through String(number) (its shortest round-trip decimal).
 */
import {
  CostOptimizationHubClient,
  ListRecommendationsCommand,
  type Recommendation as HubRecommendation,
} from '@aws-sdk/client-cost-optimization-hub';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { OperationError } from '../../../base/errors.js';
import { money, type Money } from '../../../base/money.js';
import type { Action, Candidate, Effort } from '../../../base/recommend/model.js';
import type { FetchProgress, RecommendationSourceRun } from '../types.js';
import { countAttempts, mapAwsError, type AwsApi } from './client.js';

export const COH_SOURCE = 'aws-cost-optimization-hub';
/** ListRecommendationsRequest.maxResults: the model's maximum (ListRecommendationsRequestMaxResultsInteger). */
export const COH_PAGE_SIZE = 1000;
/** A bound on pages: 500,000 recommendations, far above any organization, low enough that a looping token stops. */
const MAX_PAGES = 500;

export const COH_API: AwsApi = {
  name: 'AWS Cost Optimization Hub',
  endpointVariable: 'AWS_ENDPOINT_URL_COST_OPTIMIZATION_HUB',
  hints: {
    AccessDeniedException:
      'Cost Optimization Hub answers only for enrolled accounts: enable it in the AWS console (Billing and Cost ' +
      'Management → Cost Optimization Hub → Enable; from the management account to include member accounts) or ' +
      'run "aws cost-optimization-hub update-enrollment-status --status Active --include-member-accounts", then ' +
      'allow up to 24 hours for recommendations. The credentials also need cost-optimization-hub:ListRecommendations.',
    ThrottlingException: 'Cost Optimization Hub throttled the requests after retries: run the import again later.',
    ValidationException: 'Cost Optimization Hub rejected the request: report it, with oco --version.',
  },
  defaultHint: 'See the AWS Cost Optimization Hub documentation for this error code.',
};

/** The hub's action types as oco's actions. */
const ACTIONS: Record<string, Action> = {
  Rightsize: 'rightsize',
  Stop: 'stop',
  Upgrade: 'upgrade-generation',
  // A Graviton family is a newer, cheaper instance generation for the same workload.
  MigrateToGraviton: 'upgrade-generation',
  PurchaseSavingsPlans: 'purchase-commitment',
  PurchaseReservedInstances: 'purchase-commitment',
  Delete: 'delete',
  // Fewer units of the same resource: the size of the fleet is what changes.
  ScaleIn: 'rightsize',
};

const EFFORTS: Record<string, Effort> = {
  VeryLow: 'very-low',
  Low: 'low',
  Medium: 'medium',
  High: 'high',
  VeryHigh: 'high',
};

/**
 * How oco's own AWS cost rows name each resource type, so a hub recommendation and oco's finding for the
 * same resource share a fingerprint. Cost Explorer's RESOURCE_ID (what ingest stores in resource_id) is
 * the bare id for EC2 instances (i-…), EBS volumes (vol-…) and WorkSpaces (ws-…), and the ARN for the
 * rest; commitments have no resource: a Compute Savings Plan is account-wide, like oco's
 * commitment-coverage finding (null), other commitment kinds are one per kind and account.
 */
const RESOURCE_SPELLING: Record<string, 'id' | 'arn' | 'account' | 'kind'> = {
  Ec2Instance: 'id',
  EbsVolume: 'id',
  WorkSpaces: 'id',
  Ec2AutoScalingGroup: 'arn',
  LambdaFunction: 'arn',
  EcsService: 'arn',
  RdsDbInstance: 'arn',
  RdsDbInstanceStorage: 'arn',
  AuroraDbClusterStorage: 'arn',
  NatGateway: 'arn',
  DynamoDBTable: 'arn',
  ElastiCacheCluster: 'arn',
  MemoryDBCluster: 'arn',
  DocumentDBCluster: 'arn',
  SageMakerEndpoint: 'arn',
  ComputeSavingsPlans: 'account',
  Ec2InstanceSavingsPlans: 'kind',
  SageMakerSavingsPlans: 'kind',
  Ec2ReservedInstances: 'kind',
  RdsReservedInstances: 'kind',
  OpenSearchReservedInstances: 'kind',
  RedshiftReservedInstances: 'kind',
  ElastiCacheReservedInstances: 'kind',
  DynamoDbReservedCapacity: 'kind',
  MemoryDbReservedInstances: 'kind',
};

/** The last segment of an ARN's resource part: arn:aws:ec2:r:a:volume/vol-1 → vol-1. */
function idFromArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1) || resource;
}

/** The resource id as oco's cost rows spell it (see RESOURCE_SPELLING); unknown types keep the hub's id. */
export function resourceIdOf(r: Pick<HubRecommendation, 'currentResourceType' | 'resourceId' | 'resourceArn'>) {
  const spelling = RESOURCE_SPELLING[r.currentResourceType ?? ''];
  switch (spelling) {
    case 'account':
      return null;
    case 'kind':
      return r.currentResourceType!;
    case 'arn':
      return r.resourceArn || r.resourceId || null;
    case 'id':
      return r.resourceId || (r.resourceArn ? idFromArn(r.resourceArn) : null);
    default:
      return r.resourceId || r.resourceArn || null;
  }
}

/** The numbers of a page's items as the wire wrote them, by item index. */
type RawFigures = Array<{ id?: string; savings?: string; cost?: string; percent?: string }>;

const FIGURES: Record<string, 'savings' | 'cost' | 'percent'> = {
  estimatedMonthlySavings: 'savings',
  estimatedMonthlyCost: 'cost',
  estimatedSavingsPercentage: 'percent',
};

export function rawFigures(text: string): RawFigures {
  const parsed = JSON.parse(text, (key, value, context?: { source?: string }) =>
    FIGURES[key] && typeof value === 'number' && context?.source ? context.source : value,
  ) as { items?: Array<Record<string, unknown>> };
  return (parsed.items ?? []).map((i) => ({
    id: typeof i.recommendationId === 'string' ? i.recommendationId : undefined,
    savings: typeof i.estimatedMonthlySavings === 'string' ? i.estimatedMonthlySavings : undefined,
    cost: typeof i.estimatedMonthlyCost === 'string' ? i.estimatedMonthlyCost : undefined,
    percent: typeof i.estimatedSavingsPercentage === 'string' ? i.estimatedSavingsPercentage : undefined,
  }));
}

function exact(raw: string | undefined, n: number | undefined): Money | null {
  if (raw !== undefined) return money(raw);
  return n === undefined || n === null || !Number.isFinite(n) ? null : money(String(n));
}

const fixed2 = (m: Money) => m.toDecimalPlaces(2).toFixed(2);

/** One hub recommendation as a candidate; null (with the reason) when its action is not one oco knows. */
export function hubCandidate(r: HubRecommendation, raw: RawFigures[number] = {}): Candidate | string {
  const action = ACTIONS[r.actionType ?? ''];
  if (!action) return `recommendation ${r.recommendationId}: action type "${r.actionType}" is not one oco maps`;
  const currency = r.currencyCode || 'USD';
  const savings = exact(raw.savings, r.estimatedMonthlySavings);
  const cost = exact(raw.cost, r.estimatedMonthlyCost);
  const percent =
    raw.percent ?? (r.estimatedSavingsPercentage === undefined ? null : String(r.estimatedSavingsPercentage));
  const resourceId = resourceIdOf(r);
  const type = r.currentResourceType ?? 'resource';
  const what = resourceId && resourceId !== type ? `${type} ${resourceId}` : type;
  const target = r.recommendedResourceSummary ? ` (${r.recommendedResourceSummary})` : '';
  const lookback = r.recommendationLookbackPeriodInDays;
  return {
    provider: 'aws',
    account: r.accountId ?? null,
    resourceId,
    resourceType: type,
    region: r.region || null,
    action,
    title: `${r.actionType} ${what}${target}`,
    rationale:
      `AWS Cost Optimization Hub (${r.source ?? 'unknown source'}` +
      (lookback ? `, ${lookback} days of usage` : '') +
      `): ${r.currentResourceSummary ? `now ${r.currentResourceSummary}` : 'current resource'}` +
      (cost ? ` at ${fixed2(cost)} ${currency} a month` : '') +
      (savings
        ? `; ${r.actionType} saves about ${fixed2(savings)} ${currency} a month` + (percent ? ` (${percent} %)` : '')
        : '; the saving is unknown') +
      ', after the account’s discounts.',
    currency,
    monthlySavings: savings,
    keyFigure: savings ?? cost ?? money(0),
    // The hub judged measured utilisation over its look-back period, with the account's own prices.
    confidence: 0.8,
    effort: EFFORTS[r.implementationEffort ?? ''] ?? 'medium',
    restartNeeded: r.restartNeeded ?? false,
    rollbackPossible: r.rollbackPossible ?? false,
    source: COH_SOURCE,
    evidence: {
      recommendationId: r.recommendationId ?? null,
      actionType: r.actionType ?? null,
      hubSource: r.source ?? null,
      resourceArn: r.resourceArn ?? null,
      estimatedMonthlyCost: cost?.toFixed() ?? null,
      estimatedSavingsPercentage: percent,
      currentResourceSummary: r.currentResourceSummary ?? null,
      recommendedResourceType: r.recommendedResourceType ?? null,
      recommendedResourceSummary: r.recommendedResourceSummary ?? null,
      lookbackDays: lookback ?? null,
      lastRefresh: r.lastRefreshTimestamp ? r.lastRefreshTimestamp.toISOString() : null,
    },
  };
}

class CostOptimizationHubRun implements RecommendationSourceRun {
  readonly provider = 'aws' as const;
  readonly source = COH_SOURCE;
  readonly warnings: string[] = [];
  private readonly client: CostOptimizationHubClient;
  private readonly counter: { attempts: number };
  /** The raw body of the last answer the SDK deserialised. */
  private lastBody: string | undefined;

  constructor(config: OcoConfig) {
    this.client = new CostOptimizationHubClient({
      region: config.env.AWS_COH_REGION || 'us-east-1',
      maxAttempts: 5,
    });
    this.counter = countAttempts(this.client);
    // Inside the deserializer ('low' runs after it on the way in, first on the way out): the body is read
    // once, kept as text, and handed on as bytes, which the SDK's body collector takes as they are.
    this.client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const res = out.response as { body?: unknown };
        if (res.body && typeof (res.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
          const chunks: Buffer[] = [];
          for await (const c of res.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
          const bytes = Buffer.concat(chunks);
          this.lastBody = bytes.toString('utf8');
          res.body = new Uint8Array(bytes);
        }
        return out;
      },
      { step: 'deserialize', name: 'ocoRawBody', priority: 'low' },
    );
  }

  get requests(): number {
    return this.counter.attempts;
  }

  async fetch(progress: FetchProgress): Promise<Candidate[]> {
    const out: Candidate[] = [];
    let token: string | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      this.lastBody = undefined;
      let res;
      try {
        res = await this.client.send(
          // The hub's default: the one best recommendation per resource (alternatives' savings do not add up).
          new ListRecommendationsCommand({ maxResults: COH_PAGE_SIZE, nextToken: token }),
        );
      } catch (err) {
        throw mapAwsError(err, COH_API);
      }
      const raw = this.lastBody ? rawFigures(this.lastBody) : [];
      (res.items ?? []).forEach((item, i) => {
        const figures = raw[i]?.id === item.recommendationId ? raw[i] : undefined;
        const c = hubCandidate(item, figures);
        if (typeof c === 'string') this.warnings.push(c);
        else out.push(c);
      });
      progress.onPage?.({ pages: page, requests: this.requests, rows: out.length });
      token = res.nextToken || undefined;
      if (!token) return out;
    }
    throw new OperationError('OCO_AWS_API_ERROR', `AWS Cost Optimization Hub: more than ${MAX_PAGES} pages`, {
      hint: 'The service kept answering with a next page token: run the import again later.',
    });
  }

  close(): void {
    this.client.destroy();
  }
}

export function createCostOptimizationHub(config: OcoConfig): RecommendationSourceRun {
  return new CostOptimizationHubRun(config);
}
