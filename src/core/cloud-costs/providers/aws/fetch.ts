import {
  GetCostAndUsageCommand,
  GetCostAndUsageWithResourcesCommand,
  type GetCostAndUsageCommandInput,
  type GroupDefinition,
} from '@aws-sdk/client-cost-explorer';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { UsageError } from '../../../base/errors.js';
import { CategoryMapper } from '../../focus/categories.js';
import { addDays, addMonths, todayUtc, type CostRow, type DayWindow } from '../../model.js';
import type { CostSourceRun, FetchProgress, PlanStep, ProviderDescriptor } from '../types.js';
import { awsConfigured, createCostExplorer, mapAwsError } from './client.js';
import { normaliseAwsPage } from './normalise.js';
import { createCostOptimizationHub } from './recommendations.js';

export const AWS_METRICS = ['UnblendedCost', 'AmortizedCost', 'NetAmortizedCost', 'UsageQuantity'];
/** Cost Explorer accepts at most two GroupBy entries: service, plus one of these. */
const SECOND_GROUP: Record<string, GroupDefinition> = {
  account: { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
  region: { Type: 'DIMENSION', Key: 'REGION' },
  'usage-type': { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
  'record-type': { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
};
/** A bound on pages per call: far above any real window, low enough that a looping token cannot run up a bill. */
export const MAX_PAGES = 500;
/** GetCostAndUsageWithResources only serves the last 14 days. */
const RESOURCE_DAYS = 14;
/**
 * "The Cost Explorer API can access up to 13 months of historical data and data for the
 * current month" (Cost Explorer API best practices); DAILY data does not go further back
 * (multi-year data, 38 months, is MONTHLY only). A request's End may not pass the first
 * day of next month ("end date past the beginning of next month").
 */
const HISTORY_MONTHS = 13;

/**
 * The days Cost Explorer can answer for with DAILY granularity today: [first day of the month 13 months back, first day
 * of next month).
 */
export function costExplorerDays(now = new Date()): DayWindow {
  const firstOfMonth = `${todayUtc(now).slice(0, 7)}-01`;
  return { from: addMonths(firstOfMonth, -HISTORY_MONTHS), to: addMonths(firstOfMonth, 1) };
}

const IMPORT_HINT =
  'Older AWS costs can be loaded from a Cost and Usage Report (FOCUS) export with "oco costs import".';

export function awsGroupBy(choice: string | undefined): GroupDefinition[] {
  const c = choice ?? 'account';
  if (c.startsWith('tag:')) {
    if (c.length === 4) throw new UsageError('--aws-group-by tag:KEY needs a tag key');
    return [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'TAG', Key: c.slice(4) },
    ];
  }
  const second = SECOND_GROUP[c];
  if (!second)
    throw new UsageError(`unknown --aws-group-by "${c}"`, {
      hint:
        `Use ${Object.keys(SECOND_GROUP).join(', ')} or tag:KEY (Cost Explorer groups by service and one more ` +
        `key).`,
    });
  return [{ Type: 'DIMENSION', Key: 'SERVICE' }, second];
}

class AwsRun implements CostSourceRun {
  readonly provider = 'aws' as const;
  readonly source = 'aws';
  private readonly ce: ReturnType<typeof createCostExplorer>;
  private readonly mapper = new CategoryMapper('aws');
  private readonly groupBy: GroupDefinition[];
  private readonly resources: boolean;

  constructor(config: OcoConfig, flags: Record<string, unknown>) {
    this.ce = createCostExplorer(config);
    this.groupBy = awsGroupBy(flags['aws-group-by'] as string | undefined);
    this.resources = Boolean(flags['aws-resources'] ?? config.bool('costs.awsResources'));
  }

  get requests(): number {
    return this.ce.counter.attempts;
  }
  get unmapped(): ReadonlySet<string> {
    return this.mapper.unmapped;
  }

  /**
   * The window clamped to what Cost Explorer keeps: asking for older days only earns a
   * ValidationException (and costs a request), and replacing them with nothing would
   * delete rows an earlier ingest stored while AWS still had them.
   */
  available(window: DayWindow, now = new Date()): { window: DayWindow; warnings: string[] } {
    const kept = costExplorerDays(now);
    const last = addDays(window.to, -1);
    if (window.to <= kept.from || window.from >= kept.to) {
      throw new UsageError(
        `AWS Cost Explorer has daily costs for ${kept.from}..${addDays(kept.to, -1)} only (13 months and the ` +
          `current month): nothing of ${window.from}..${last} can be fetched`,
        {
          code: 'OCO_AWS_WINDOW_UNAVAILABLE',
          hint: `Use --from ${kept.from} or later. ${IMPORT_HINT}`,
        },
      );
    }
    const warnings: string[] = [];
    const from = window.from < kept.from ? kept.from : window.from;
    const to = window.to > kept.to ? kept.to : window.to;
    if (from !== window.from)
      warnings.push(
        `Cost Explorer keeps daily costs from ${kept.from} on (13 months and the current ` +
          `month): ${window.from}..${addDays(from, -1)} was not fetched, and rows stored earlier for those days ` +
          `are kept. ${IMPORT_HINT}`,
      );
    if (to !== window.to)
      warnings.push(`Cost Explorer answers up to the end of the current month: ${to}..${last} was not fetched.`);
    return { window: { from, to }, warnings };
  }

  /**
   * The days served by GetCostAndUsageWithResources instead of GetCostAndUsage (resource rows replace service rows
   * there).
   */
  private resourceWindow(window: DayWindow, now = new Date()): DayWindow | null {
    if (!this.resources) return null;
    const from = [window.from, addDays(todayUtc(now), -RESOURCE_DAYS + 1)].sort()[1]!;
    return from < window.to ? { from, to: window.to } : null;
  }

  plan(window: DayWindow): PlanStep[] {
    const rw = this.resourceWindow(window);
    const main = rw ? { from: window.from, to: rw.from } : window;
    const keys = this.groupBy.map((g) => `${g.Type}:${g.Key}`).join(', ');
    const steps: PlanStep[] = [];
    if (main.from < main.to)
      steps.push({
        call: 'ce:GetCostAndUsage',
        window: main,
        detail: `DAILY, ${AWS_METRICS.join(', ')}, GroupBy ${keys}`,
        minRequests: 1,
        usdPerRequest: '0.01',
      });
    if (rw)
      steps.push({
        call: 'ce:GetCostAndUsageWithResources',
        window: rw,
        detail: `DAILY, GroupBy DIMENSION:SERVICE, DIMENSION:RESOURCE_ID (one query per page of services)`,
        minRequests: 2,
        usdPerRequest: '0.01',
      });
    return steps;
  }

  async check(): Promise<{ identity: string }> {
    try {
      const creds = await this.ce.client.config.credentials();
      return { identity: `access key ${creds.accessKeyId.slice(0, 4)}…${creds.accessKeyId.slice(-4)}` };
    } catch (err) {
      throw mapAwsError(err);
    }
  }

  async *fetch(window: DayWindow, progress: FetchProgress): AsyncGenerator<CostRow[]> {
    const rw = this.resourceWindow(window);
    const main = rw ? { from: window.from, to: rw.from } : window;
    let pages = 0;
    let rows = 0;
    const tick = (n: number) => {
      pages++;
      rows += n;
      progress.onPage?.({ pages, requests: this.requests, rows });
    };
    const services = new Set<string>();
    if (main.from < main.to) {
      for await (const page of this.pages(
        {
          TimePeriod: { Start: main.from, End: main.to },
          Granularity: 'DAILY',
          Metrics: AWS_METRICS,
          GroupBy: this.groupBy,
        },
        false,
      )) {
        const out = normaliseAwsPage(page, this.mapper, null);
        for (const r of out) if (r.serviceName) services.add(r.serviceName);
        tick(out.length);
        yield out;
      }
    }
    if (rw) {
      // The resource call needs a filter: the services seen, or (a window entirely in the last 14 days) one ungrouped
      // listing first.
      if (services.size === 0) {
        for await (const page of this.pages(
          {
            TimePeriod: { Start: rw.from, End: rw.to },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
            GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
          },
          false,
        )) {
          for (const r of normaliseAwsPage(page, this.mapper, null)) if (r.serviceName) services.add(r.serviceName);
        }
      }
      if (services.size === 0) return;
      const input = {
        TimePeriod: { Start: rw.from, End: rw.to },
        Granularity: 'DAILY' as const,
        Metrics: AWS_METRICS,
        GroupBy: [
          { Type: 'DIMENSION' as const, Key: 'SERVICE' as const },
          { Type: 'DIMENSION' as const, Key: 'RESOURCE_ID' as const },
        ],
        Filter: { Dimensions: { Key: 'SERVICE' as const, Values: [...services].sort() } },
      };
      for await (const page of this.pages(input, true)) {
        const out = normaliseAwsPage(page, this.mapper, null);
        tick(out.length);
        yield out;
      }
    }
  }

  /** Our own NextPageToken loop (the SDK has no paginator for these), bounded. */
  private async *pages(input: GetCostAndUsageCommandInput, withResources: boolean) {
    let token: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      let out;
      try {
        out = withResources
          ? await this.ce.client.send(
              new GetCostAndUsageWithResourcesCommand({ ...input, Filter: input.Filter!, NextPageToken: token }),
            )
          : await this.ce.client.send(new GetCostAndUsageCommand({ ...input, NextPageToken: token }));
      } catch (err) {
        throw mapAwsError(err);
      }
      yield out;
      token = out.NextPageToken;
      if (!token) return;
    }
    throw mapAwsError(
      Object.assign(new Error(`more than ${MAX_PAGES} pages: stopped to bound the cost`), { name: 'TooManyPages' }),
    );
  }

  close(): void {
    this.ce.client.destroy();
  }
}

export const awsProvider: ProviderDescriptor = {
  provider: 'aws',
  configured: (config) => awsConfigured(config.env),
  create: ({ config, flags }) => new AwsRun(config, flags ?? {}),
  // Cost Optimization Hub takes the same credentials as Cost Explorer.
  recommendationsConfigured: (config) => awsConfigured(config.env),
  recommendations: ({ config }) => createCostOptimizationHub(config),
};
