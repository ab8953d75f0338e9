import { setTimeout as sleep } from 'node:timers/promises';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { OcoError, OperationError, UnreachableError, UsageError } from '../../../base/errors.js';
import { CategoryMapper } from '../../focus/categories.js';
import type { CostRow, DayWindow } from '../../model.js';
import { addDays } from '../../model.js';
import type { CostSourceRun, FetchProgress, PlanStep, ProviderDescriptor } from '../types.js';
import { armToken, azureConfigured, createAzureClient, type AzureClient } from './client.js';
import { cellsOf, mergeAzure, parseExactJson, type AzureCell, type QueryPage } from './normalise.js';
import { advisorConfigured, createAzureRecommendations } from './recommendations.js';
import { azureQueryWindows, coverageWarning } from './windows.js';

export const AZURE_API_VERSION = '2025-03-01';
/** The Query API takes at most two groupings: service name, plus one of these. */
const SECOND_GROUPING: Record<string, string> = {
  resource: 'ResourceId',
  'resource-group': 'ResourceGroupName',
  region: 'ResourceLocation',
  'meter-category': 'MeterCategory',
  subscription: 'SubscriptionId',
};
const COST_TYPES = ['ActualCost', 'AmortizedCost'] as const;
const MAX_PAGES = 1000;
const MAX_RETRIES = 6;
/** Longest we wait on one 429 before giving up (the headers say how long; 60 s is the documented worst case). */
const MAX_WAIT_S = 120;
const RETRY_HEADERS = [
  'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after',
  'retry-after',
];

export function azureGrouping(choice: string | undefined): Array<{ type: 'Dimension'; name: string }> {
  const second = SECOND_GROUPING[choice ?? 'resource'];
  if (!second)
    throw new UsageError(`unknown --azure-group-by "${choice}"`, {
      hint: `Use ${Object.keys(SECOND_GROUPING).join(', ')} (the Query API groups by service and one more dimension).`,
    });
  return [
    { type: 'Dimension', name: 'ServiceName' },
    { type: 'Dimension', name: second },
  ];
}

/** The Query API body, as documented for QueryDefinition: a custom daily window, summed cost, two groupings. */
export function queryBody(
  type: 'ActualCost' | 'AmortizedCost',
  window: DayWindow,
  grouping: Array<{ type: 'Dimension'; name: string }>,
) {
  return {
    type,
    timeframe: 'Custom',
    timePeriod: { from: `${window.from}T00:00:00Z`, to: `${addDays(window.to, -1)}T23:59:59Z` },
    dataset: { granularity: 'Daily', aggregation: { totalCost: { name: 'Cost', function: 'Sum' } }, grouping },
  };
}

/** Seconds to wait after a 429: the longest of the Cost Management retry-after headers. */
export function retryAfterSeconds(headers: Headers): number {
  let wait = 0;
  for (const h of RETRY_HEADERS) {
    const v = Number(headers.get(h));
    if (Number.isFinite(v) && v > wait) wait = v;
  }
  return Math.min(wait || 5, MAX_WAIT_S);
}

class AzureRun implements CostSourceRun {
  readonly provider = 'azure' as const;
  readonly source = 'azure';
  requests = 0;
  private readonly client: AzureClient;
  private readonly mapper = new CategoryMapper('azure');
  private readonly grouping: Array<{ type: 'Dimension'; name: string }>;
  private token: string | undefined;
  private readonly shortAnswers: string[] = [];

  constructor(config: OcoConfig, flags: Record<string, unknown>) {
    this.client = createAzureClient(config, flags['azure-scope'] as string | undefined);
    this.grouping = azureGrouping(flags['azure-group-by'] as string | undefined);
  }

  get unmapped(): ReadonlySet<string> {
    return this.mapper.unmapped;
  }

  get warnings(): readonly string[] {
    return this.shortAnswers;
  }

  private url(): string {
    return (
      `${this.client.armEndpoint}${this.client.scope}` +
      `/providers/Microsoft.CostManagement/query?api-version=${AZURE_API_VERSION}`
    );
  }

  plan(window: DayWindow): PlanStep[] {
    const by = this.grouping.map((g) => g.name).join(', ');
    return azureQueryWindows(window).flatMap((part) =>
      COST_TYPES.map((type) => ({
        call: `POST ${this.client.scope}/providers/Microsoft.CostManagement/query`,
        window: part,
        detail: `${type}, Daily, Sum(Cost) grouped by ${by}; nextLink pages re-post the body`,
        minRequests: 1,
      })),
    );
  }

  async check(): Promise<{ identity: string }> {
    await armToken(this.client);
    return { identity: `${this.client.identity}, scope ${this.client.scope}` };
  }

  /**
   * One query per cost type and per window the service answers whole (at most a month,
   * see azureQueryWindows); every window's rows go to the writer's one transaction for
   * the whole requested window.
   */
  async *fetch(window: DayWindow, progress: FetchProgress): AsyncGenerator<CostRow[]> {
    this.token = await armToken(this.client);
    let pages = 0;
    let rows = 0;
    for (const part of azureQueryWindows(window)) {
      const collected: Record<(typeof COST_TYPES)[number], AzureCell[]> = { ActualCost: [], AmortizedCost: [] };
      // Both cost types are needed before a row is complete (billed and effective), so pages are collected, then
      // merged.
      for (const type of COST_TYPES) {
        const body = JSON.stringify(queryBody(type, part, this.grouping));
        let url: string | null = this.url();
        for (let i = 0; url && i < MAX_PAGES; i++) {
          const page = await this.post(url, body);
          const cells = cellsOf(page);
          collected[type].push(...cells);
          pages++;
          rows += cells.length;
          progress.onPage?.({ pages, requests: this.requests, rows });
          url = page.properties?.nextLink || null;
        }
      }
      const short = coverageWarning(
        part,
        [...collected.ActualCost, ...collected.AmortizedCost].map((c) => c.day),
      );
      if (short) this.shortAnswers.push(short);
      yield mergeAzure(collected.ActualCost, collected.AmortizedCost, this.mapper, this.client.scope);
    }
  }

  private async post(url: string, body: string): Promise<QueryPage> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.requests++;
        res = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body,
          signal: AbortSignal.timeout(120_000),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        throw new UnreachableError(
          'OCO_AZURE_UNREACHABLE',
          `cannot reach Azure Resource Manager at ${new URL(url).origin}: ${cause}`,
          { hint: 'Check the network, and OCO_AZURE_ARM_ENDPOINT if set.' },
        );
      }
      const text = await res.text();
      if (res.ok) {
        try {
          return parseExactJson(text) as QueryPage;
        } catch {
          throw new OperationError(
            'OCO_AZURE_BAD_RESPONSE',
            `Azure Cost Management returned a response that is not JSON (HTTP ${res.status})`,
          );
        }
      }
      if ((res.status === 429 || res.status >= 500) && attempt < MAX_RETRIES) {
        await sleep((res.status === 429 ? retryAfterSeconds(res.headers) : 2 ** attempt) * 1000);
        continue;
      }
      throw azureApiError(res.status, text);
    }
  }

  close(): void {}
}

const AZURE_HINTS: Record<number, string> = {
  401: 'The token was refused: check AZURE_TENANT_ID and that the app registration exists in that tenant.',
  403: 'The identity needs the Cost Management Reader role on the scope (OCO_AZURE_SCOPE).',
  404: 'The scope does not exist: check AZURE_SUBSCRIPTION_ID / OCO_AZURE_SCOPE.',
  429: 'Cost Management throttled the queries after retries: run again later or with a smaller window.',
};

function azureApiError(status: number, text: string): OcoError {
  let code = `HTTP${status}`;
  let message = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    // Not JSON (a proxy's page): the start of the text is the best message there is.
  }
  const hint = AZURE_HINTS[status] ?? 'See the Azure Cost Management Query API documentation for this error code.';
  const details = { provider: 'azure', code, status };
  if (status === 429 || status >= 500)
    return new UnreachableError(
      'OCO_AZURE_API_UNAVAILABLE',
      `Azure Cost Management: ${code}: ${message} (HTTP ${status})`,
      { hint, details },
    );
  return new OperationError('OCO_AZURE_API_ERROR', `Azure Cost Management: ${code}: ${message} (HTTP ${status})`, {
    hint,
    details,
  });
}

export const azureProvider: ProviderDescriptor = {
  provider: 'azure',
  configured: (config, flags) => azureConfigured(config, flags),
  create: ({ config, flags }) => new AzureRun(config, flags ?? {}),
  recommendationsConfigured: (config, flags) => advisorConfigured(config, flags),
  recommendations: (options) => createAzureRecommendations(options),
};
