import type Database from 'better-sqlite3';
import { SqliteStore } from '../../base/store/sqlite.js';
import type { UsageRecord } from './record.js';
import { writeRecordsSqlite } from './write.js';

export interface WriterMessage {
  op: 'write' | 'run' | 'ping' | 'close';
  records?: UsageRecord[];
  sql?: string;
  rows?: unknown[][];
}

/**
 * The SQLite writer (see SqliteWriterThread in sink.ts): one connection, one batch at a time.
 * 'write' stores usage records and rollups; 'run' executes one statement per row of already
 * driver-ready values in one transaction (the spend ledger's upserts), its statement prepared once.
 * Normally it runs in a worker thread (sqlite-writer-worker.ts); a single binary, which cannot
 * start workers from its embedded files, runs it on the daemon's thread.
 */
export class SqliteWriter {
  private readonly store: SqliteStore;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.store = new SqliteStore({ file });
  }

  handle(msg: WriterMessage): Promise<number> {
    switch (msg.op) {
      case 'write':
        return this.store.transaction(async () => writeRecordsSqlite(this.store.db, msg.records ?? []));
      case 'run':
        return this.runMany(msg.sql!, msg.rows ?? []);
      case 'ping':
        return this.store.ping().then(() => 0);
      default:
        return this.store.close().then(() => 0);
    }
  }

  private runMany(sql: string, rows: unknown[][]): Promise<number> {
    // Through the store's transaction lock, so it never interleaves with a usage batch.
    return this.store.transaction(async () => {
      let stmt = this.statements.get(sql);
      if (!stmt) {
        stmt = this.store.db.prepare(sql);
        if (this.statements.size < 64) this.statements.set(sql, stmt);
      }
      for (const r of rows) stmt.run(...r);
      return rows.length;
    });
  }
}
