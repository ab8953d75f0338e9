import { closeSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensurePrivateDir, openPrivateFile } from '../../base/config/private-files.js';
import type { Store } from '../../base/store/types.js';
import type { UsageRecord } from './record.js';
import { sinkFor, type RecordSink } from './sink.js';

export interface RecorderOptions {
  store: Store;
  /** Where batches are written (default: a writer thread for SQLite, the store itself for PostgreSQL). */
  sink?: RecordSink;
  spillDir: string;
  flushIntervalMs: number;
  maxQueue: number;
  logger?: Logger;
  /** How often spill files are retried while the database is down. */
  replayIntervalMs?: number;
  /** Told of every record once it is committed or in a spill file (the call journal truncates on it). */
  onDurable?: (records: readonly UsageRecord[]) => void;
  /** Told of every failed write (a batch or a spill replay), for oco_storage_errors_total. */
  onWriteFailed?: (op: 'usage_write' | 'spill_replay') => void;
}

export interface RecorderStats {
  queued: number;
  written: number;
  spilled: number;
  replayed: number;
  spillFiles: number;
  dbDown: boolean;
}

const BATCH = 2000;

/**
 * Usage records leave the request path through a bounded in-memory queue,
 * written in batches every flushIntervalMs (≤ 1 s). The call journal
 * (call-journal.ts) holds each record until onDurable reports it written, so
 * a SIGKILL loses none of them.
 * When a write fails (database down) the batch goes to a JSONL spill file in
 * the state directory instead; spill files are replayed once the database
 * answers again. A full queue also spills rather than drops. stop() flushes
 * everything, so SIGTERM loses nothing.
 */
export class Recorder {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stats = { written: 0, spilled: 0, replayed: 0 };
  private dbDown = false;
  private spillSeq = 0;

  private readonly sink: RecordSink;

  constructor(private readonly opts: RecorderOptions) {
    ensurePrivateDir(opts.spillDir);
    this.sink = opts.sink ?? sinkFor(opts.store);
  }

  start(): void {
    // A file left half-replayed by a crash goes back to the queue of files: the replay is idempotent.
    for (const f of readdirSync(this.opts.spillDir)) {
      if (f.endsWith('.jsonl.replaying'))
        renameSync(join(this.opts.spillDir, f), join(this.opts.spillDir, f.slice(0, -'.replaying'.length)));
    }
    this.timer = setInterval(() => void this.flush(), this.opts.flushIntervalMs);
    this.timer.unref();
    this.replayTimer = setInterval(() => void this.replay(), this.opts.replayIntervalMs ?? 2000);
    this.replayTimer.unref();
    if (this.spillFiles().length > 0) void this.replay();
  }

  enqueue(r: UsageRecord): void {
    if (this.queue.length >= this.opts.maxQueue) {
      this.spill([r]);
      return;
    }
    this.queue.push(r);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Records written and spilled since start (no directory read, for metrics). */
  counts(): { written: number; spilled: number } {
    return { written: this.stats.written, spilled: this.stats.spilled };
  }

  /** The directory spill files are written to. */
  get spillPath(): string {
    return this.opts.spillDir;
  }

  snapshot(): RecorderStats {
    return { queued: this.queue.length, ...this.stats, spillFiles: this.spillFiles().length, dbDown: this.dbDown };
  }

  /**
   * Writes what is queued (resolves once every record queued
   * before the call is written or spilled); one flush at a time.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing = this.flushNow().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    // What was queued when the flush began: records arriving while a batch is with the writer go
    // with the next flush, in one batch, not in a trickle of small transactions under steady load.
    let left = this.queue.length;
    while (left > 0 && this.queue.length > 0) {
      const batch = this.queue.splice(0, Math.min(BATCH, left));
      left -= batch.length;
      if (this.dbDown) {
        this.spill(batch);
        continue;
      }
      try {
        await this.sink.write(batch);
        this.stats.written += batch.length;
        this.opts.onDurable?.(batch);
      } catch (err) {
        this.dbDown = true;
        this.opts.onWriteFailed?.('usage_write');
        this.opts.logger?.warn(
          { err: { message: (err as Error).message }, records: batch.length },
          'usage write failed; records go to the spill file until the database answers',
        );
        this.spill(batch);
      }
    }
  }

  private spill(records: UsageRecord[]): void {
    const file = join(this.opts.spillDir, `usage-${process.pid}-${Date.now()}-${this.spillSeq++}.jsonl`);
    const fd = openPrivateFile(file, 'a');
    try {
      writeSync(fd, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    } finally {
      closeSync(fd);
    }
    this.stats.spilled += records.length;
    this.opts.onDurable?.(records);
  }

  /**
   * Writes records now, outside the queue (a previous run's journal at start); to a spill file when the database fails.
   */
  async writeDurably(records: UsageRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      try {
        await this.sink.write(batch);
        this.stats.written += batch.length;
      } catch (err) {
        this.dbDown = true;
        this.opts.onWriteFailed?.('usage_write');
        this.opts.logger?.warn(
          { err: { message: (err as Error).message }, records: batch.length },
          'usage write failed; records go to the spill file until the database answers',
        );
        this.spill(batch);
      }
    }
  }

  spillFiles(): string[] {
    try {
      return readdirSync(this.opts.spillDir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort();
    } catch {
      return [];
    }
  }

  /** Replays spill files oldest first; a file is removed only after its records are committed. */
  async replay(): Promise<number> {
    const files = this.spillFiles();
    if (files.length === 0) {
      if (this.dbDown)
        this.dbDown = !(await this.sink.ping().then(
          () => true,
          () => false,
        ));
      return 0;
    }
    try {
      await this.sink.ping();
    } catch {
      this.dbDown = true;
      return 0;
    }
    let n = 0;
    for (const f of files) {
      const path = join(this.opts.spillDir, f);
      // Claimed by rename so a concurrent replay (or a second daemon) never takes the same file.
      const claimed = `${path}.replaying`;
      try {
        renameSync(path, claimed);
      } catch {
        continue;
      }
      const records = readFileSync(claimed, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as UsageRecord];
          } catch {
            return [];
          }
        });
      try {
        await this.sink.write(records);
        unlinkSync(claimed);
        n += records.length;
      } catch (err) {
        renameSync(claimed, path);
        this.dbDown = true;
        this.opts.onWriteFailed?.('spill_replay');
        this.opts.logger?.warn({ err: { message: (err as Error).message } }, 'spill replay failed; will retry');
        return n;
      }
    }
    this.dbDown = false;
    this.stats.replayed += n;
    if (n > 0) this.opts.logger?.info({ records: n }, 'replayed spilled usage records');
    return n;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.replayTimer);
    if (this.flushing) await this.flushing;
    while (this.queue.length > 0) await this.flush();
    await this.sink.close();
  }
}
