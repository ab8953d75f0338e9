import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../store/sqlite.js';
import type { UsageRecord } from './record.js';
import { writeRecords } from './write.js';

/** The usage writer thread for SQLite (see SqliteWorkerSink): one connection, one batch at a time. */
const store = new SqliteStore({ file: (workerData as { file: string }).file });

parentPort!.on('message', (msg: { id: number; op: 'write' | 'ping' | 'close'; records?: UsageRecord[] }) => {
  const done = (n: number) => parentPort!.postMessage({ id: msg.id, ok: true, n });
  const failed = (err: unknown) => parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error).message });
  if (msg.op === 'write') store.transaction((tx) => writeRecords(tx, msg.records ?? [])).then(done, failed);
  else if (msg.op === 'ping') store.ping().then(() => done(0), failed);
  else store.close().then(() => done(0), failed);
});
