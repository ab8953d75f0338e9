import { isMoney } from '../money.js';
import type { SqlParam } from './types.js';

/** Converts a bound value to what the driver understands; one rule for both engines. */
export function toDriverValue(value: SqlParam, engine: 'sqlite' | 'postgres'): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return engine === 'sqlite' ? (value ? 1 : 0) : value;
  if (isMoney(value)) return value.toFixed();
  if (Buffer.isBuffer(value)) return value;
  // node-postgres sends JS arrays as PostgreSQL arrays (for unnest/ANY); SQLite has none, so JSON there.
  if (Array.isArray(value) && engine === 'postgres') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

const cache = new Map<string, { sql: string; order: number[] }>();

/**
 * Rewrites $1..$n placeholders to SQLite's positional "?", returning the parameter
 * order so repeated or out-of-order placeholders bind correctly. Quoted text is skipped.
 */
export function toPositional(sql: string): { sql: string; order: number[] } {
  const hit = cache.get(sql);
  if (hit) return hit;
  let out = '';
  const order: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j]!)) j++;
      order.push(Number(sql.slice(i + 1, j)) - 1);
      out += '?';
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  const result = { sql: out, order };
  if (cache.size < 5000) cache.set(sql, result);
  return result;
}
