/**
 * Helpers the wings' rule kinds share: name patterns with `*`, scope filters, the window as
 * timestamps, shares computed in decimals.
 */
import { money, type Money } from '../money.js';
import type { SqlParam } from '../store/types.js';

/** `*` matches any run of characters; everything else literally (case-sensitive, as billed). */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`, 's');
  return re.test(value);
}

export function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globMatch(p, value));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `AND column = $n` for each scope key given; the columns come from the wing's own table (never
 * from the file), the values are bound.
 */
export function scopeFilter(
  scope: Record<string, string> | undefined,
  columns: Record<string, string>,
  params: SqlParam[],
): string {
  let sql = '';
  for (const [key, value] of Object.entries(scope ?? {})) {
    const column = columns[key];
    if (!column) continue;
    params.push(value);
    sql += ` AND ${column} = $${params.length}`;
  }
  return sql;
}

/** part / whole as an exact decimal, or null when the whole is zero (no share of nothing). */
export function share(part: Money, whole: Money): Money | null {
  return whole.isZero() ? null : part.div(whole);
}

/** A share for people: 0.1234 → "12.34%". */
export function percent(v: Money): string {
  return `${v.times(100).toDecimalPlaces(2).toFixed()}%`;
}

/** An amount from the file: numbers as YAML read them (shortest round-trip text), strings as written. */
export function amount(v: unknown): Money {
  return money(typeof v === 'number' ? String(v) : (v as string));
}
