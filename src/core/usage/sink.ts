import { Worker } from 'node:worker_threads';
import type { Store } from '../store/types.js';
import type { UsageRecord } from './record.js';
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
 * thread would stall every request for its duration. A worker thread with its
 * own connection to the same file (WAL) writes instead; the request path only
 * posts the batch.
 */
export class SqliteWorkerSink implements RecordSink {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();

  constructor(private readonly file: string) {}

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
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`usage writer thread exited (${code})`)));
    this.worker = w;
    return w;
  }

  private call(msg: Record<string, unknown>): Promise<number> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.spawn().postMessage({ id, ...msg });
    });
  }

  write(records: UsageRecord[]): Promise<number> {
    return this.call({ op: 'write', records });
  }

  async ping(): Promise<void> {
    await this.call({ op: 'ping' });
  }

  async close(): Promise<void> {
    if (!this.worker) return;
    await this.call({ op: 'close' }).catch(() => {});
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

export function sinkFor(store: Store): RecordSink {
  return store.engine === 'sqlite' && store.location !== ':memory:' ? new SqliteWorkerSink(store.location) : new StoreSink(store);
}
