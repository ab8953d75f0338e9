import { describe, expect, it } from 'vitest';
import { ExactSum, Money } from '../../src/core/base/money.js';

/** ExactSum adds as BigInts what decimal.js would add; its text is Money's toFixed() of the same sum. */
describe('ExactSum', () => {
  it('sums plain decimal text, numbers and exponents exactly as decimal.js does', () => {
    const values: Array<string | number | bigint> = [
      '0.1',
      '0.2',
      '-0.3',
      '12.345678901234567890123',
      '-12.345678901234567890123',
      '1000000000000000000000.5',
      7,
      0.25,
      1e-7,
      '1e3',
      '.5',
      '-0',
      '00042.4200',
      10n,
    ];
    let expected = new Money(0);
    const sum = new ExactSum();
    for (const v of values) {
      expected = expected.plus(new Money(typeof v === 'bigint' ? v.toString() : v));
      sum.add(v);
      expect(sum.toFixed()).toBe(expected.toFixed());
    }
    expect(sum.count).toBe(values.length);
  });

  it('prints 0, never -0, and keeps a negative sum signed without trailing zeros', () => {
    expect(new ExactSum().add('1.50').add('-1.5').toFixed()).toBe('0');
    expect(new ExactSum().add('-0.000').toFixed()).toBe('0');
    expect(new ExactSum().add('-0.0500').toFixed()).toBe('-0.05');
    expect(new ExactSum().add('3').add('0.000001').toMoney().toFixed()).toBe('3.000001');
  });

  it('agrees with decimal.js over many random costs of mixed scales and signs', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    let expected = new Money(0);
    const sum = new ExactSum();
    for (let i = 0; i < 20_000; i++) {
      const v = `${next() % 2 ? '-' : ''}${next() % 100000}.${String(next()).slice(0, (next() % 12) + 1)}`;
      expected = expected.plus(v);
      sum.add(v);
    }
    expect(sum.toFixed()).toBe(expected.toFixed());
  });

  it('refuses text that is not a number, as Money does', () => {
    expect(() => new ExactSum().add('abc')).toThrow();
  });
});
