import { Decimal as DecimalJs } from 'decimal.js';

/**
 * The one decimal type for money. Precision is far above what any bill needs so
 * that additions never round; toExpNeg/toExpPos keep toString() in plain notation
 * because the string is what we store.
 */
export const Money = DecimalJs.clone({
  precision: 80,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 60,
});
export type Money = InstanceType<typeof Money>;

export type MoneyInput = Money | string | number | bigint;

export function money(value: MoneyInput): Money {
  if (typeof value === 'bigint') return new Money(value.toString());
  return new Money(value as DecimalJs.Value);
}

/** The canonical storage form: plain decimal notation, no exponent. */
export function moneyToStorage(value: MoneyInput): string {
  return money(value).toFixed();
}

export function sumMoney(values: Iterable<MoneyInput | null | undefined>): Money {
  let total = new Money(0);
  for (const v of values) if (v !== null && v !== undefined) total = total.plus(money(v));
  return total;
}

export function isMoney(value: unknown): value is Money {
  return DecimalJs.isDecimal(value);
}

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;
const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1]! * 10n);
  return POW10[n]!;
}

/**
 * An exact running sum held as a scaled integer (value = int / 10^scale). Money is stored as plain decimal text, and
 * adding such strings as BigInts is several times cheaper than a decimal.js addition per value, which matters where
 * tens of thousands of rows are summed (SQLite's decimal_sum, the report's in-memory grouping). Any other input (a
 * number, an exponent, a Money) is read through Money first, so the result is what decimal.js would give.
 */
export class ExactSum {
  private int = 0n;
  private scale = 0;
  /** Whether anything was added (an empty SQL sum is NULL, not 0). */
  count = 0;

  add(value: MoneyInput): this {
    const text = typeof value === 'string' ? value : money(value).toFixed();
    let m = PLAIN.exec(text);
    if (!m) m = PLAIN.exec(money(text).toFixed())!;
    const frac = m[3] ?? '';
    let v = BigInt(m[2]! + frac);
    if (m[1]) v = -v;
    if (frac.length > this.scale) {
      this.int *= pow10(frac.length - this.scale);
      this.scale = frac.length;
    } else if (frac.length < this.scale) v *= pow10(this.scale - frac.length);
    this.int += v;
    this.count++;
    return this;
  }

  /** Plain notation without trailing zeros, as Money's toFixed() prints it ('0', never '-0'). */
  toFixed(): string {
    const negative = this.int < 0n;
    let digits = (negative ? -this.int : this.int).toString();
    if (this.scale > 0) {
      digits = digits.padStart(this.scale + 1, '0');
      const whole = digits.slice(0, digits.length - this.scale);
      const frac = digits.slice(digits.length - this.scale).replace(/0+$/, '');
      digits = frac ? `${whole}.${frac}` : whole;
    }
    return negative && digits !== '0' ? `-${digits}` : digits;
  }

  toMoney(): Money {
    return new Money(this.toFixed());
  }
}
