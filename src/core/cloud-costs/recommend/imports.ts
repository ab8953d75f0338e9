/**
 * Provider recommendation imports (`oco optimize import`, and the daemon after each scheduled ingest): each
 * provider's recommendation service (ProviderDescriptor.recommendations: AWS Cost Optimization Hub, Azure
 * Advisor, GCP Recommender) is asked for what it recommends now, and the normalised candidates replace that
 * source's rows of imported_recommendations in one transaction. The `provider-recommendations` rule yields
 * them to the recommendation run, which merges each with oco's own finding for the same fingerprint.
 */
import type { OcoConfig } from '../../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, isOcoError } from '../../base/errors.js';
import { money } from '../../base/money.js';
import type { Store } from '../../base/store/types.js';
import { PROVIDER_TABLE } from '../ingest.js';
import { PROVIDERS, type CloudProvider } from '../model.js';
import { replaceImported } from './imported.js';

export interface ImportOptions {
  /** Providers named on the command line; none means every one whose recommendation service is configured. */
  providers?: CloudProvider[];
  flags?: Record<string, unknown>;
  onProgress?: (p: { provider: CloudProvider; pages: number; requests: number; rows: number }) => void;
  logger?: { warn(msg: string): void };
  now?: Date;
}

export interface ProviderImportResult {
  provider: CloudProvider;
  source: string;
  status: 'succeeded' | 'failed';
  /** Recommendations stored (0 when failed: the previous import's rows stay). */
  recommendations: number;
  requests: number;
  /** Known savings a month, summed per currency. */
  monthlySavings: Record<string, string>;
  warnings?: string[];
  error?: { code: string; message: string; hint?: string };
  durationMs: number;
}

export interface ImportSummary {
  providers: ProviderImportResult[];
  recommendations: number;
  requests: number;
  skipped: Array<{ provider: CloudProvider; reason: string }>;
  durationMs: number;
}

/** Which providers to import from: the named ones (each must have a configured service), or every configured one. */
export function selectImportProviders(
  config: OcoConfig,
  named: CloudProvider[] | undefined,
  flags: Record<string, unknown> = {},
): { chosen: CloudProvider[]; skipped: Array<{ provider: CloudProvider; reason: string }> } {
  const skipped: Array<{ provider: CloudProvider; reason: string }> = [];
  const chosen: CloudProvider[] = [];
  const explicit = Boolean(named?.length);
  for (const p of explicit ? named! : PROVIDERS) {
    const d = PROVIDER_TABLE[p];
    if (!d.recommendations || !d.recommendationsConfigured) {
      if (explicit)
        throw new ConfigError(`${p} has no recommendation import in this build`, {
          code: 'OCO_RECOMMENDATION_IMPORT_NO_SOURCE',
          hint: 'Name another provider, or run "oco optimize import" without flags for every configured one.',
        });
      skipped.push({ provider: p, reason: 'no recommendation import' });
      continue;
    }
    const c = d.recommendationsConfigured(config, flags);
    if (c.configured) chosen.push(p);
    // As for ingest: named, and only the credentials are unseen (an instance role the SDK may still find).
    else if (explicit && c.credentialsOnly) chosen.push(p);
    else if (explicit)
      throw new ConfigError(`${p} recommendations are not configured: ${c.missing} not set`, {
        code: 'OCO_RECOMMENDATION_IMPORT_NO_SOURCE',
        hint: `Set ${c.missing}; "oco costs sources" shows what is configured.`,
      });
    else skipped.push({ provider: p, reason: `not configured (${c.missing})` });
  }
  return { chosen, skipped };
}

/**
 * Imports each chosen provider's recommendations in turn. A provider that fails keeps its previous rows and
 * does not stop the others; the caller turns failures into an exit code.
 */
export async function runRecommendationImport(
  store: Store,
  config: OcoConfig,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = Date.now();
  const { chosen, skipped } = selectImportProviders(config, options.providers, options.flags);
  if (chosen.length === 0 && !options.providers?.length)
    throw new ConfigError('no provider recommendation service is configured', {
      code: 'OCO_RECOMMENDATION_IMPORT_NO_SOURCE',
      hint:
        'Set AWS credentials (AWS_ACCESS_KEY_ID/AWS_PROFILE; Cost Optimization Hub must be enabled), Azure ' +
        '(AZURE_SUBSCRIPTION_ID with credentials) or GCP (GOOGLE_APPLICATION_CREDENTIALS with a project); ' +
        '"oco costs sources" shows what is configured.',
    });
  const results: ProviderImportResult[] = [];
  for (const provider of chosen) {
    const t0 = Date.now();
    const run = PROVIDER_TABLE[provider].recommendations!({ config, flags: options.flags });
    try {
      const candidates = await run.fetch({
        onPage: (p) => options.onProgress?.({ provider, ...p }),
        logger: options.logger,
      });
      await replaceImported(store, { source: run.source, provider }, candidates, options.now ?? new Date());
      const warnings = [...run.warnings];
      for (const w of warnings) options.logger?.warn(`${provider}: ${w}`);
      const sums = new Map<string, ReturnType<typeof money>>();
      for (const c of candidates)
        if (c.monthlySavings) sums.set(c.currency, (sums.get(c.currency) ?? money(0)).plus(c.monthlySavings));
      results.push({
        provider,
        source: run.source,
        status: 'succeeded',
        recommendations: candidates.length,
        requests: run.requests,
        monthlySavings: Object.fromEntries([...sums].sort().map(([k, v]) => [k, v.toFixed()])),
        ...(warnings.length ? { warnings } : {}),
        durationMs: Date.now() - t0,
      });
    } catch (err) {
      const e = asOcoError(err);
      const failed: ProviderImportResult = {
        provider,
        source: run.source,
        status: 'failed',
        recommendations: 0,
        requests: run.requests,
        monthlySavings: {},
        error: { code: e.code, message: e.message, hint: e.hint },
        durationMs: Date.now() - t0,
      };
      FAILURES.set(failed, e);
      results.push(failed);
    } finally {
      run.close();
    }
  }
  return {
    providers: results,
    recommendations: results.reduce((n, r) => n + r.recommendations, 0),
    requests: results.reduce((n, r) => n + r.requests, 0),
    skipped,
    durationMs: Date.now() - started,
  };
}

/** The typed error behind a failed provider's result (its exit code). */
export function importFailureOf(result: ProviderImportResult): OcoError | undefined {
  return FAILURES.get(result);
}
const FAILURES = new WeakMap<ProviderImportResult, OcoError>();

function asOcoError(err: unknown): OcoError {
  if (isOcoError(err)) return err;
  return new OperationError('OCO_INGEST_FAILED', (err as Error)?.message ?? String(err));
}

/**
 * The daemon's import after a scheduled ingest of `provider` wrote data: that provider's recommendations,
 * when optimize.importProviderRecommendations is on and its service is configured; null when not asked.
 */
export async function importAfterIngest(
  store: Store,
  config: OcoConfig,
  provider: CloudProvider,
): Promise<ImportSummary | null> {
  if (!config.bool('optimize.importProviderRecommendations')) return null;
  const d = PROVIDER_TABLE[provider];
  if (!d.recommendations || !d.recommendationsConfigured?.(config).configured) return null;
  return runRecommendationImport(store, config, { providers: [provider] });
}
