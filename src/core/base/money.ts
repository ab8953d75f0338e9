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
