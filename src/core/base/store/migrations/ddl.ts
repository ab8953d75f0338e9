import type { EngineName } from '../types.js';

/**
 * Migrations are written once with type tokens; each engine gets its exact types.
 * Money and other exact quantities: NUMERIC in PostgreSQL, decimal TEXT in SQLite
 * (TEXT affinity keeps "0.1" as written; NUMERIC affinity would make it a double).
 */
const TOKENS: Record<string, Record<EngineName, string>> = {
  money: { postgres: 'NUMERIC', sqlite: 'TEXT' },
  decimal: { postgres: 'NUMERIC', sqlite: 'TEXT' },
  ts: { postgres: 'TIMESTAMPTZ', sqlite: 'TEXT' },
  date: { postgres: 'DATE', sqlite: 'TEXT' },
  json: { postgres: 'JSONB', sqlite: 'TEXT' },
  bool: { postgres: 'BOOLEAN', sqlite: 'INTEGER' },
  bigint: { postgres: 'BIGINT', sqlite: 'INTEGER' },
  serial: { postgres: 'BIGSERIAL PRIMARY KEY', sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  now: { postgres: 'now()', sqlite: "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))" },
  true: { postgres: 'TRUE', sqlite: '1' },
  false: { postgres: 'FALSE', sqlite: '0' },
  /** The exact aggregate over money: SQLite's is the decimal_sum function every SqliteStore registers. */
  sum_money: { postgres: 'SUM', sqlite: 'decimal_sum' },
};

export function renderDdl(template: string, engine: EngineName): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const t = TOKENS[name];
    if (!t) throw new Error(`unknown DDL token ${whole}`);
    return t[engine];
  });
}
