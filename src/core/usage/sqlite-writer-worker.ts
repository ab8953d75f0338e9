import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { SqliteStore } from '../store/sqlite.js';
import type { UsageRecord } from './record.js';
import { writeRecordsSqlite } from './write.js';

/**
 * The writer thread for SQLite (see SqliteWriterThread in sink.ts): one connection, one batch at a time.
 * 'write' stores usage records and rollups; 'run' executes one statement per row of already
 * driver-ready values in one transaction (the spend ledger's upserts), its statement prepared once.
 */
const store = new SqliteStore({ file: (workerData as { file: string }).file });
const statements = new Map<string, Database.Statement>();

function runMany(sql: string, rows: unknown[][]): Promise<number> {
  // Through the store's transaction lock, so it never interleaves with a usage batch.
  return store.transaction(async () => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = store.db.prepare(sql);
      if (statements.size < 64) statements.set(sql, stmt);
    }
    for (const r of rows) stmt.run(...r);
    return rows.length;
  });
}

parentPort!.on('message', (msg: { id: number; op: 'write' | 'run' | 'ping' | 'close'; records?: UsageRecord[]; sql?: string; rows?: unknown[][] }) => {
  const done = (n: number) => parentPort!.postMessage({ id: msg.id, ok: true, n });
  const failed = (err: unknown) => parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error).message });
  if (msg.op === 'write') store.transaction(async () => writeRecordsSqlite(store.db, msg.records ?? [])).then(done, failed);
  else if (msg.op === 'run') runMany(msg.sql!, msg.rows ?? []).then(done, failed);
  else if (msg.op === 'ping') store.ping().then(() => done(0), failed);
  else store.close().then(() => done(0), failed);
});
