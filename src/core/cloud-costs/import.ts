import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Store } from '../base/store/types.js';
import { isOcoError } from '../base/errors.js';
import type { CostRow, DayWindow } from './model.js';
import { FocusFileReader, type FocusReadOptions } from './focus/reader.js';
import { providerKey } from './provider-key.js';
import { finishRun, startRun } from './runs.js';
import { replaceSourceRows, type Overlap } from './writer.js';

export interface ImportOptions extends FocusReadOptions {
  /**
   * Source name; default focus:<file name without .gz>. Re-importing the same source replaces
   * its days, every provider's rows of the file together.
   */
  source?: string;
  onRows?: (rows: number) => void;
}

export interface ImportResult {
  file: string;
  source: string;
  /** The providers of the file's rows, comma-separated ("aws,azure,gcp"); as recorded on the run. */
  provider: string;
  /** Rows imported per provider key. */
  providers: Record<string, number>;
  format: string;
  rows: number;
  invalid: number;
  invalidExamples: string[];
  window: DayWindow | null;
  overlaps: Overlap[];
  runId: string;
  durationMs: number;
}

export function defaultFileSource(file: string): string {
  return `focus:${basename(file).replace(/\.gz$/i, '')}`;
}

/**
 * Imports one FOCUS file: streamed, validated row by row, written in one transaction
 * that also replaces the source's previous rows for the file's days. A bad row (without
 * --skip-invalid) aborts before anything is committed.
 */
export async function importFocusFile(store: Store, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const started = Date.now();
  const reader = new FocusFileReader(file, options);
  const source = options.source ?? defaultFileSource(file);
  // The run records the providers of the first rows (completed when it finishes), so read one batch before it starts.
  const it = reader.batches()[Symbol.asyncIterator]();
  let first: IteratorResult<CostRow[]>;
  try {
    first = await it.next();
  } catch (err) {
    await it.return?.(undefined);
    // Still recorded, so "oco costs runs" shows every attempt; the provider is unknown when the first rows were bad.
    const id = await startRun(store, { source, provider: providerKey(options.provider) ?? 'unknown' });
    await finishRun(store, id, {
      status: 'failed',
      error: isOcoError(err) ? `${err.code}: ${err.message}` : (err as Error).message,
    }).catch(() => {});
    throw err;
  }
  const runId = await startRun(store, {
    source,
    provider: providerList(reader.providers) ?? providerKey(options.provider) ?? 'unknown',
  });
  async function* all(): AsyncGenerator<CostRow[]> {
    if (!first.done) yield first.value;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  try {
    const estimatedRows = reader.estimateRows(
      await stat(file).then(
        (s) => s.size,
        () => 0,
      ),
    );
    // Every row carries its own provider (the reader refuses a file it cannot name one for); this is only the fallback
    // the writer requires.
    const fallback = providerKey(options.provider) ?? 'unknown';
    const written = await replaceSourceRows(store, { provider: fallback, source, runId }, all(), options.onRows, {
      estimatedRows,
    });
    const providers = Object.fromEntries(reader.providers);
    const provider = providerList(reader.providers) ?? fallback;
    const details = {
      file,
      format: reader.format,
      invalid: reader.invalid,
      invalidExamples: reader.invalidExamples,
      providers,
    };
    await finishRun(store, runId, {
      status: 'succeeded',
      rows: written.rows,
      window: written.window,
      details,
      provider,
    });
    return {
      file,
      source,
      provider,
      providers,
      format: reader.format ?? 'csv',
      rows: written.rows,
      invalid: reader.invalid,
      invalidExamples: reader.invalidExamples,
      window: written.window,
      overlaps: written.overlaps,
      runId,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await finishRun(store, runId, {
      status: 'failed',
      error: isOcoError(err) ? `${err.code}: ${err.message}` : (err as Error).message,
    }).catch(() => {});
    throw err;
  } finally {
    await it.return?.(undefined);
  }
}

/** "aws,azure,gcp": the providers seen so far, sorted, or undefined before any row. */
function providerList(providers: ReadonlyMap<string, number>): string | undefined {
  return providers.size ? [...providers.keys()].sort().join(',') : undefined;
}
