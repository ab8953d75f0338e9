import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWriter, type WriterMessage } from './sqlite-writer.js';

/** The SQLite writer thread's entry (see SqliteWriterThread in sink.ts). */
const writer = new SqliteWriter((workerData as { file: string }).file);

parentPort!.on('message', (msg: WriterMessage & { id: number }) => {
  writer.handle(msg).then(
    (n) => parentPort!.postMessage({ id: msg.id, ok: true, n }),
    (err: unknown) => parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error).message }),
  );
});
