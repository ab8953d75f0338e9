import { Money } from '../base/money.js';

/**
 * Exact parsing of the amounts and times sources send. Amounts stay decimal text:
 * a JS number never holds a cost (0.1 + 0.2 must stay 0.3 to the last digit).
 */
const PLAIN_DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const ANY_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Plain decimal text (FOCUS allows E-notation; we store plain), or undefined when it is not a number. */
export function decimalText(raw: string): string | undefined {
  if (PLAIN_DECIMAL.test(raw)) {
    // "5." and ".5" are numbers too; store them canonically so both engines read the same text.
    if (raw.endsWith('.') || raw.startsWith('.') || raw.startsWith('-.')) return new Money(raw).toFixed();
    return raw;
  }
  if (ANY_DECIMAL.test(raw)) return new Money(raw).toFixed();
  return undefined;
}

/** A decimal for an API value that may arrive as a string or (Azure, BigQuery) a number literal kept as text. */
export function requireDecimal(raw: unknown, what: string): string {
  const text = typeof raw === 'number' ? numberToExactText(raw) : String(raw ?? '').trim();
  const d = decimalText(text);
  if (d === undefined) throw new Error(`${what} is not a decimal number: ${JSON.stringify(raw)}`);
  return d;
}

/**
 * A JS number that reached us anyway (hyparquet DOUBLE columns): its shortest
 * round-trip text is the value the source wrote, without binary noise.
 */
export function numberToExactText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return new Money(String(n)).toFixed();
}

const FAST_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1]!;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/;

/**
 * An ISO-8601 date-time as 'YYYY-MM-DDTHH:MM:SS.sssZ' (UTC), or undefined when it is
 * not one or names an impossible time (hour 30, 31 February). A date alone is midnight UTC.
 */
export function timestampText(raw: string): string | undefined {
  // Fast path for the form nearly every export uses ("2026-06-06T17:00:00Z"): a million rows
  // carry two each, and building Dates for them cost more than parsing the CSV.
  if (raw.length === 20 && FAST_ISO.test(raw)) {
    const M = (raw.charCodeAt(5) - 48) * 10 + raw.charCodeAt(6) - 48;
    const D = (raw.charCodeAt(8) - 48) * 10 + raw.charCodeAt(9) - 48;
    const H = (raw.charCodeAt(11) - 48) * 10 + raw.charCodeAt(12) - 48;
    const MI = (raw.charCodeAt(14) - 48) * 10 + raw.charCodeAt(15) - 48;
    const S = (raw.charCodeAt(17) - 48) * 10 + raw.charCodeAt(18) - 48;
    if (M >= 1 && M <= 12 && D >= 1 && D <= daysInMonth(Number(raw.slice(0, 4)), M) && H <= 23 && MI <= 59 && S <= 59)
      return `${raw.slice(0, 19)}.000Z`;
    return undefined;
  }
  const m = ISO.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const Y = Number(y),
    M = Number(mo),
    D = Number(d),
    H = Number(h),
    MI = Number(mi),
    S = Number(s);
  if (M < 1 || M > 12 || D < 1 || H > 23 || MI > 59 || S > 59) return undefined;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(Y, M - 1, D, H, MI, S, ms);
  if (new Date(t).getUTCDate() !== D) return undefined;
  if (zone && zone !== 'Z' && zone !== 'UTC') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(t).toISOString();
}

export function isDay(raw: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(raw) && timestampText(raw) !== undefined;
}
