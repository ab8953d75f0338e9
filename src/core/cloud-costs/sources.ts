import type { OcoConfig } from '../base/config/resolve.js';
import { isOcoError } from '../base/errors.js';
import type { Store } from '../base/store/types.js';
import { PROVIDER_TABLE } from './ingest.js';
import { PROVIDERS, type CloudProvider } from './model.js';

export interface SourceStatus {
  provider: CloudProvider | string;
  kind: 'api' | 'file';
  configured: boolean;
  via?: string;
  missing?: string;
  /** Result of a credential check (a token or identity call, never a cost query). */
  check?: { ok: boolean; identity?: string; error?: { code: string; message: string; hint?: string } };
  rows: number;
  lastRun?: { status: string; startedAt: string; rows: number } | null;
}

/** What is configured, each credential checked without fetching costs, and what the table already holds per source. */
export async function describeSources(
  store: Store,
  config: OcoConfig,
  options: { check?: boolean; flags?: Record<string, unknown> } = {},
): Promise<SourceStatus[]> {
  // From the daily rollup (its row counts), not a scan of cloud_costs.
  const counts = new Map(
    (
      await store.all<{ source: string; n: unknown }>(
        'SELECT source, SUM(row_count) AS n FROM cloud_costs_daily GROUP BY source',
      )
    ).map((r) => [r.source, Number(r.n)]),
  );
  const lastRuns = new Map(
    (
      await store.all<{ source: string; status: string; started_at: string; rows_written: unknown }>(
        `SELECT r.source, r.status, r.started_at, r.rows_written FROM ingest_runs r
       JOIN (SELECT source, MAX(started_at) AS m FROM ingest_runs GROUP BY source) l
         ON l.source = r.source AND l.m = r.started_at`,
      )
    ).map((r) => [r.source, { status: r.status, startedAt: String(r.started_at), rows: Number(r.rows_written) }]),
  );
  const out: SourceStatus[] = [];
  for (const p of PROVIDERS) {
    const d = PROVIDER_TABLE[p];
    const c = d.configured(config, options.flags);
    const status: SourceStatus = {
      provider: p,
      kind: 'api',
      configured: c.configured,
      via: c.via || undefined,
      missing: c.missing,
      rows: counts.get(p) ?? 0,
      lastRun: lastRuns.get(p) ?? null,
    };
    if (c.configured && options.check !== false) {
      let run;
      try {
        run = d.create({ config, flags: options.flags });
        status.check = { ok: true, identity: (await run.check()).identity };
      } catch (err) {
        status.check = {
          ok: false,
          error: isOcoError(err)
            ? { code: err.code, message: err.message, hint: err.hint }
            : { code: 'OCO_INTERNAL', message: (err as Error).message },
        };
      } finally {
        run?.close();
      }
    }
    out.push(status);
  }
  for (const [source, rows] of counts) {
    if (!(PROVIDERS as readonly string[]).includes(source))
      out.push({ provider: source, kind: 'file', configured: true, rows, lastRun: lastRuns.get(source) ?? null });
  }
  return out;
}
