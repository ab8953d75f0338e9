import type { Store } from '../../base/store/types.js';
import { writeSpendEvents, type SpendEvent } from './repo.js';

/**
 * Where batches go instead of the store's own connection: for a SQLite file, the
 * writer thread (the daemon's thread then only posts the rows). write() resolves
 * once the rows are committed, so flush() keeps its meaning for hold().
 */
export interface JournalWriter {
  write(events: readonly SpendEvent[]): Promise<void>;
  close(): Promise<void>;
  /** Rows per batch when the options name none (a writer thread needs no small batches). */
  batch?: number;
}

export interface JournalLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Write-behind for the ledger: admission and settlement enqueue a row and
 * return at once (the request path never waits for the database); a timer
 * upserts pending rows in one statement. A call that settles before its
 * reservation was written is written once, settled. While the database is
 * down rows stay queued (bounded) and are retried; close() flushes.
 */
export class SpendJournal {
  private pending = new Map<string, SpendEvent>();
  /** Enqueue order, so a hold can tell rows queued before it from rows queued after. */
  private seqOf = new Map<string, number>();
  private seq = 0;
  private holds: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: JournalLogger,
    private readonly options: { intervalMs?: number; maxPending?: number; batch?: number; writer?: JournalWriter } = {},
  ) {}

  enqueue(e: SpendEvent): void {
    const max = this.options.maxPending ?? 100_000;
    if (this.pending.size >= max && !this.pending.has(e.requestId)) {
      // Keeping the daemon alive beats keeping every ledger row; the gateway's own usage records still hold the cost.
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.seqOf.delete(oldest);
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.logger.error({ dropped: this.dropped }, 'spend ledger queue full: oldest rows dropped');
    }
    this.pending.delete(e.requestId); // re-insert so the newest state goes last
    this.pending.set(e.requestId, e);
    this.seqOf.set(e.requestId, ++this.seq);
    if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          void this.flush().catch(() => {});
        },
        this.failures > 0 ? Math.min(5000, 100 * 2 ** this.failures) : (this.options.intervalMs ?? 50),
      );
      this.timer.unref();
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Freezes the store's view for a counter load: rows queued from now on are not
   * written until release(). A load that flushes the rows before the hold and then
   * reads the store knows that every later settlement is missing from what it read,
   * and adds those itself — each call counted exactly once.
   */
  hold(): number {
    this.holds.push(this.seq);
    return this.seq;
  }

  /** Ends the hold hold() returned (holds may end in any order). */
  release(mark: number): void {
    const i = this.holds.indexOf(mark);
    if (i >= 0) this.holds.splice(i, 1);
    if (this.holds.length === 0 && this.pending.size > 0) void this.flush().catch(() => {});
  }

  /** Writes everything queued so far (up to the oldest hold); resolves once it is in the store. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.writeAll().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private writable(max: number, upTo = Infinity): SpendEvent[] {
    const limit = Math.min(this.holds.length > 0 ? Math.min(...this.holds) : Infinity, upTo);
    const out: SpendEvent[] = [];
    for (const e of this.pending.values()) {
      if ((this.seqOf.get(e.requestId) ?? 0) <= limit) out.push(e);
      if (out.length >= max) break;
    }
    return out;
  }

  private async writeAll(): Promise<void> {
    // Without a writer thread, building and writing a batch runs on the event loop (better-sqlite3
    // entirely so): small batches with a turn of the loop between them keep each pause short, so
    // admissions waiting on Redis are not held up behind one big batch. A writer thread takes big ones.
    const writer = this.options.writer;
    const batchSize = this.options.batch ?? writer?.batch ?? 16;
    // With a writer thread, a flush writes what was queued when it began: rows queued while it
    // waits for the thread go with the next timer, in one batch, not in a trickle of small
    // transactions (each a message to the thread and a commit) for as long as calls keep coming.
    const upTo = writer ? this.seq : Infinity;
    let first = true;
    for (;;) {
      if (!first) await new Promise((r) => setImmediate(r));
      first = false;
      const batch = this.writable(batchSize, upTo);
      if (batch.length === 0) return;
      try {
        if (writer) await writer.write(batch);
        else await writeSpendEvents(this.store, batch);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.logger.warn(
          { err: (err as Error).message, queued: this.pending.size },
          'spend ledger write failed; will retry',
        );
        if (!this.timer) {
          this.timer = setTimeout(
            () => {
              this.timer = undefined;
              void this.flush().catch(() => {});
            },
            Math.min(5000, 100 * 2 ** this.failures),
          );
          this.timer.unref();
        }
        throw err;
      }
      // Only remove what was written and not replaced by a newer state meanwhile.
      for (const e of batch) {
        if (this.pending.get(e.requestId) !== e) continue;
        this.pending.delete(e.requestId);
        this.seqOf.delete(e.requestId);
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
      // Rows queued while that flush waited on the writer thread (see writeAll).
      while (this.options.writer && this.writable(1).length > 0) await this.flush();
    } finally {
      await this.options.writer?.close();
    }
  }
}
