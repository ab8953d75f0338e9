import { Worker } from 'node:worker_threads';
import { isSingleBinary } from '../../base/runtime.js';
import type { Store } from '../../base/store/types.js';
import type { UsageRecord } from './record.js';
import { SqliteWriter, type WriterMessage } from './sqlite-writer.js';
import { writeRecords } from './write.js';

/** Where the recorder's batches go. */
export interface RecordSink {
  write(records: UsageRecord[]): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: the driver is asynchronous network I/O, so batches are written from the daemon's thread. */
export class StoreSink implements RecordSink {
  constructor(private readonly store: Store) {}
  write(records: UsageRecord[]): Promise<number> {
    return this.store.transaction((tx) => writeRecords(tx, records));
  }
  ping(): Promise<void> {
    return this.store.ping();
  }
  async close(): Promise<void> {}
}

type Reply = { id: number; ok: true; n: number } | { id: number; ok: false; error: string };

/**
 * SQLite: better-sqlite3 is synchronous, so a batch written on the daemon's
 * thread would stall every request for its duration. One worker thread per
 * database file, with its own connection to it (WAL), writes instead: usage
 * batches (SqliteWorkerSink) and the spend ledger's upserts (sqliteRowWriter)
 * share it, so a second writer costs no second thread. The request path only
 * posts batches. The thread lives while anyone holds it.
 */
class SqliteWriterThread {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  refs = 0;

  constructor(readonly file: string) {}

  private spawn(): Worker {
    if (this.worker) return this.worker;
    // Under the test runner this module is TypeScript; the worker then loads through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    const w = new Worker(new URL(`./sqlite-writer-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url), {
      workerData: { file: this.file },
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.n);
      else p.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      if (this.worker !== w) return;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`usage writer thread exited (${code})`)));
    this.worker = w;
    return w;
  }

  /** In a single binary: the same writer on this thread (its files are not on disk for a worker to load). */
  private local: SqliteWriter | undefined;

  call(msg: WriterMessage): Promise<number> {
    if (this.local || isSingleBinary()) {
      this.local ??= new SqliteWriter(this.file);
      return this.local.handle(msg);
    }
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.spawn().postMessage({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    if (this.local) {
      const local = this.local;
      this.local = undefined;
      await local.handle({ op: 'close' });
      return;
    }
    const w = this.worker;
    if (!w) return;
    await this.call({ op: 'close' }).catch(() => {});
    this.worker = undefined;
    await w.terminate();
  }
}

const threads = new Map<string, SqliteWriterThread>();

function acquireThread(file: string): SqliteWriterThread {
  let t = threads.get(file);
  if (!t) {
    t = new SqliteWriterThread(file);
    threads.set(file, t);
  }
  t.refs++;
  return t;
}

async function releaseThread(t: SqliteWriterThread): Promise<void> {
  if (--t.refs > 0) return;
  if (threads.get(t.file) === t) threads.delete(t.file);
  await t.close();
}

/** Usage batches to the SQLite writer thread. */
export class SqliteWorkerSink implements RecordSink {
  private thread: SqliteWriterThread | undefined;

  constructor(private readonly file: string) {}

  private call(msg: WriterMessage): Promise<number> {
    this.thread ??= acquireThread(this.file);
    return this.thread.call(msg);
  }

  write(records: UsageRecord[]): Promise<number> {
    return this.call({ op: 'write', records });
  }

  async ping(): Promise<void> {
    await this.call({ op: 'ping' });
  }

  async close(): Promise<void> {
    const t = this.thread;
    if (!t) return;
    this.thread = undefined;
    await releaseThread(t);
  }
}

/**
 * Runs one statement per row ("?" placeholders, values already as the driver
 * takes them: strings, numbers, null) in one transaction on the
 * SQLite writer thread of `file`, the statement prepared once there.
 */
export function sqliteRowWriter(
  file: string,
  sql: string,
): { write(rows: unknown[][]): Promise<number>; close(): Promise<void> } {
  let thread: SqliteWriterThread | undefined;
  return {
    write(rows) {
      thread ??= acquireThread(file);
      return thread.call({ op: 'run', sql, rows });
    },
    async close() {
      const t = thread;
      thread = undefined;
      if (t) await releaseThread(t);
    },
  };
}

export function sinkFor(store: Store): RecordSink {
  return store.embeddedFile !== undefined ? new SqliteWorkerSink(store.embeddedFile) : new StoreSink(store);
}
