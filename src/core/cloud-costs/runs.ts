import { randomUUID } from 'node:crypto';
import type { Store } from '../base/store/types.js';
import type { DayWindow } from './model.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface IngestRun {
  id: string;
  source: string;
  provider: string;
  windowFrom: string | null;
  windowTo: string | null;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  rowsWritten: number;
  requestsMade: number;
  error: string | null;
  details: Record<string, unknown> | null;
}

/**
 * Every ingest and import is recorded, committed before the data transaction starts,
 * so "oco costs runs" and the scheduler see a run that is still going.
 */
export async function startRun(
  store: Store,
  run: { source: string; provider: string; window?: DayWindow | null },
): Promise<string> {
  const id = randomUUID();
  await store.run(
    `INSERT INTO ingest_runs (id, source, provider, window_from, window_to, status, started_at) VALUES ($1, ` +
      `$2, $3, $4, $5, 'running', $6)`,
    [id, run.source, run.provider, run.window?.from ?? null, run.window?.to ?? null, new Date()],
  );
  return id;
}

export async function finishRun(
  store: Store,
  id: string,
  result: {
    status: Exclude<RunStatus, 'running'>;
    rows?: number;
    requests?: number;
    error?: string;
    window?: DayWindow | null;
    details?: Record<string, unknown>;
    /** The providers the run wrote, when only the end knows them all (a file that mixes providers). */
    provider?: string;
  },
): Promise<void> {
  await store.run(
    `UPDATE ingest_runs SET status = $2, finished_at = $3, rows_written = $4, requests_made = $5, error = $6,
       details = $7, window_from = COALESCE($8, window_from), window_to = COALESCE($9, window_to),
       provider = COALESCE($10, provider) WHERE id = $1`,
    [
      id,
      result.status,
      new Date(),
      result.rows ?? 0,
      result.requests ?? 0,
      result.error ?? null,
      result.details ?? null,
      result.window?.from ?? null,
      result.window?.to ?? null,
      result.provider ?? null,
    ],
  );
}

export async function listRuns(store: Store, options: { limit?: number; source?: string } = {}): Promise<IngestRun[]> {
  const params: unknown[] = [];
  let where = '';
  if (options.source) {
    params.push(options.source);
    where = `WHERE source = $1`;
  }
  params.push(options.limit ?? 20);
  const rows = await store.all<Record<string, unknown>>(
    `SELECT id, source, provider, window_from, window_to, status, started_at, finished_at, rows_written, requests_made,
       error, details
     FROM ingest_runs ${where} ORDER BY started_at DESC, id LIMIT $${params.length}`,
    params as never,
  );
  return rows.map(toRun);
}

/** The latest run of each source whose name starts with the provider (aws, azure, gcp). */
export async function lastRunOf(store: Store, provider: string): Promise<IngestRun | undefined> {
  const row = await store.get<Record<string, unknown>>(
    `SELECT id, source, provider, window_from, window_to, status, started_at, finished_at, rows_written, requests_made,
       error, details
     FROM ingest_runs WHERE source = $1 ORDER BY started_at DESC LIMIT 1`,
    [provider],
  );
  return row ? toRun(row) : undefined;
}

function toRun(r: Record<string, unknown>): IngestRun {
  return {
    id: String(r.id),
    source: String(r.source),
    provider: String(r.provider),
    windowFrom: r.window_from == null ? null : String(r.window_from),
    windowTo: r.window_to == null ? null : String(r.window_to),
    status: r.status as RunStatus,
    startedAt: String(r.started_at),
    finishedAt: r.finished_at == null ? null : String(r.finished_at),
    rowsWritten: Number(r.rows_written),
    requestsMade: Number(r.requests_made),
    error: r.error == null ? null : String(r.error),
    details:
      r.details == null
        ? null
        : typeof r.details === 'string'
          ? JSON.parse(r.details)
          : (r.details as Record<string, unknown>),
  };
}
