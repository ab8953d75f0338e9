import type { OcoConfig } from '../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, isOcoError } from '../base/errors.js';
import { Money } from '../base/money.js';
import type { Store } from '../base/store/types.js';
import { PROVIDERS, type DayWindow, type CloudProvider } from './model.js';
import { awsProvider } from './providers/aws/fetch.js';
import { azureProvider } from './providers/azure/fetch.js';
import { gcpProvider } from './providers/gcp/fetch.js';
import type { PlanStep, ProviderDescriptor } from './providers/types.js';
import { finishRun, startRun } from './runs.js';
import { replaceSourceRows, type Overlap } from './writer.js';

export const PROVIDER_TABLE: Record<CloudProvider, ProviderDescriptor> = {
  aws: awsProvider,
  azure: azureProvider,
  gcp: gcpProvider,
};

export interface IngestOptions {
  /** Providers named on the command line; none means every configured one. */
  providers?: CloudProvider[];
  window: DayWindow;
  dryRun?: boolean;
  flags?: Record<string, unknown>;
  onProgress?: (p: { provider: CloudProvider; pages: number; requests: number; rows: number }) => void;
  logger?: { warn(msg: string): void };
}

export interface ProviderResult {
  provider: CloudProvider;
  source: string;
  status: 'succeeded' | 'failed' | 'planned';
  rows: number;
  requests: number;
  /** AWS bills each Cost Explorer request. */
  costUsd?: string;
  window: DayWindow;
  plan?: PlanStep[];
  overlaps?: Overlap[];
  unmappedServices?: string[];
  /** Partial results that did not fail the run (e.g. GCP ListCost without the Catalog API). */
  warnings?: string[];
  runId?: string;
  error?: { code: string; message: string; hint?: string };
  durationMs: number;
}

export interface IngestSummary {
  window: DayWindow;
  dryRun: boolean;
  providers: ProviderResult[];
  rows: number;
  requests: number;
  durationMs: number;
  skipped: Array<{ provider: CloudProvider; reason: string }>;
}

/** Which providers to run: the named ones (each must be configured), or every configured one. */
const NOT_CONFIGURED = {
  aws: 'OCO_AWS_NOT_CONFIGURED',
  azure: 'OCO_AZURE_NOT_CONFIGURED',
  gcp: 'OCO_GCP_NOT_CONFIGURED',
} as const satisfies Record<CloudProvider, string>;

export function selectProviders(
  config: OcoConfig,
  named: CloudProvider[] | undefined,
  flags: Record<string, unknown> = {},
) {
  const skipped: Array<{ provider: CloudProvider; reason: string }> = [];
  const chosen: CloudProvider[] = [];
  for (const p of named?.length ? named : PROVIDERS) {
    const c = PROVIDER_TABLE[p].configured(config, flags);
    if (c.configured) chosen.push(p);
    // Named explicitly and only the credentials are unseen: the SDK's chain may still find an
    // instance role; its own failure is mapped to a clear error (OCO_AWS_NO_CREDENTIALS).
    else if (named?.length && c.credentialsOnly) chosen.push(p);
    else if (named?.length) {
      throw new ConfigError(`${p} is not configured: ${c.missing} not set`, {
        code: NOT_CONFIGURED[p],
        hint: `Set ${c.missing}; "oco costs sources" shows what is configured.`,
      });
    } else skipped.push({ provider: p, reason: `not configured (${c.missing})` });
  }
  return { chosen, skipped };
}

/**
 * Runs each provider in turn: a run record first, then fetch → normalise → replace the
 * window in one transaction. A provider that fails leaves its previous data for the
 * window intact and does not stop the others; the caller turns failures into an exit code.
 */
export async function runIngest(store: Store, config: OcoConfig, options: IngestOptions): Promise<IngestSummary> {
  const started = Date.now();
  const { chosen, skipped } = selectProviders(config, options.providers, options.flags);
  if (chosen.length === 0 && !options.providers?.length) {
    throw new ConfigError('no cloud provider is configured', {
      code: 'OCO_COSTS_NO_PROVIDER',
      hint:
        'Set AWS credentials (AWS_ACCESS_KEY_ID/AWS_PROFILE or ~/.aws/credentials; name --aws to use an instance ' +
        'role), Azure (AZURE_SUBSCRIPTION_ID with a service principal, az login or AZURE_TOKEN_CREDENTIALS) or ' +
        'GCP (OCO_GCP_BILLING_TABLE with GOOGLE_APPLICATION_CREDENTIALS); or import FOCUS files with "oco costs ' +
        'import".',
    });
  }
  const results: ProviderResult[] = [];
  for (const provider of chosen) {
    const t0 = Date.now();
    const run = PROVIDER_TABLE[provider].create({ config, flags: options.flags });
    try {
      // What the API can serve of the window is what gets fetched and replaced: the rest keeps its rows.
      const available = run.available?.(options.window) ?? { window: options.window, warnings: [] };
      const window = available.window;
      const base = { provider, source: run.source, window };
      const plan = run.plan(window);
      if (options.dryRun) {
        results.push({
          ...base,
          status: 'planned',
          rows: 0,
          requests: 0,
          plan,
          ...(available.warnings.length ? { warnings: available.warnings } : {}),
          durationMs: 0,
        });
        continue;
      }
      const runId = await startRun(store, { source: run.source, provider, window });
      try {
        const progress = {
          onPage: (p: { pages: number; requests: number; rows: number }) => options.onProgress?.({ provider, ...p }),
          logger: options.logger,
        };
        const written = await replaceSourceRows(
          store,
          { provider, source: run.source, runId, window },
          run.fetch(window, progress),
        );
        const unmapped = [...run.unmapped].sort();
        const warnings = [...available.warnings, ...(run.warnings ?? [])];
        for (const w of warnings) options.logger?.warn(`${provider}: ${w}`);
        await finishRun(store, runId, {
          status: 'succeeded',
          rows: written.rows,
          requests: run.requests,
          details: {
            plan,
            unmappedServices: unmapped,
            overlaps: written.overlaps,
            ...(warnings.length ? { warnings } : {}),
          },
        });
        results.push({
          ...base,
          status: 'succeeded',
          rows: written.rows,
          requests: run.requests,
          costUsd: paidCost(plan, run.requests),
          plan,
          overlaps: written.overlaps,
          unmappedServices: unmapped,
          ...(warnings.length ? { warnings } : {}),
          runId,
          durationMs: Date.now() - t0,
        });
      } catch (err) {
        const e = asOcoError(err);
        await finishRun(store, runId, {
          status: 'failed',
          requests: run.requests,
          error: `${e.code}: ${e.message}`,
        }).catch(() => {});
        const failed: ProviderResult = {
          ...base,
          status: 'failed',
          rows: 0,
          requests: run.requests,
          costUsd: paidCost(plan, run.requests),
          runId,
          error: { code: e.code, message: e.message, hint: e.hint },
          durationMs: Date.now() - t0,
        };
        FAILURES.set(failed, e);
        results.push(failed);
      }
    } finally {
      run.close();
    }
  }
  return {
    window: options.window,
    dryRun: Boolean(options.dryRun),
    providers: results,
    rows: results.reduce((n, r) => n + r.rows, 0),
    requests: results.reduce((n, r) => n + r.requests, 0),
    durationMs: Date.now() - started,
    skipped,
  };
}

/** The typed error behind a failed provider, for the command's exit code. */
export function failureOf(result: ProviderResult): OcoError | undefined {
  return FAILURES.get(result);
}
const FAILURES = new WeakMap<ProviderResult, OcoError>();

function paidCost(plan: PlanStep[], requests: number): string | undefined {
  const per = plan.find((s) => s.usdPerRequest)?.usdPerRequest;
  return per ? new Money(per).times(requests).toFixed() : undefined;
}

function asOcoError(err: unknown): OcoError {
  if (isOcoError(err)) return err;
  return new OperationError('OCO_INGEST_FAILED', (err as Error)?.message ?? String(err));
}
