import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFocusFile } from '../../src/core/cloud-costs/import.js';
import { FocusRowError } from '../../src/core/cloud-costs/focus/reader.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { Money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

/** A FOCUS Parquet file as AWS Data Exports writes them: DECIMAL money, TIMESTAMP periods, several row groups. */
function writeFocusParquet(file: string, n: number, bad?: number): { billed: Money; effective: Money } {
  const billedUnits: bigint[] = [];
  const effective: number[] = [];
  const starts: Date[] = [];
  const ends: Date[] = [];
  let billed = new Money(0);
  let eff = new Money(0);
  for (let i = 0; i < n; i++) {
    // 18 significant digits: more than a double holds, exact as DECIMAL(20,10).
    const units = BigInt(i) * 1_000_000_007n + 12_345_678_901n * BigInt(i % 7) - (i % 13 === 0 ? 99_000_000_000n : 0n);
    billedUnits.push(units);
    billed = billed.plus(new Money(units.toString()).div('1e10'));
    const e = Number(`${i % 50}.${String(i % 1000).padStart(3, '0')}1`);
    effective.push(e);
    eff = eff.plus(String(e));
    const start = new Date(Date.UTC(2026, 3, 1 + (i % 20), i % 24));
    starts.push(start);
    ends.push(i === bad ? new Date(start.getTime() - 3600_000) : new Date(start.getTime() + 3600_000));
  }
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'BilledCost', data: billedUnits },
      { name: 'EffectiveCost', data: effective },
      { name: 'BillingCurrency', data: starts.map(() => 'USD') },
      { name: 'ChargePeriodStart', data: starts },
      { name: 'ChargePeriodEnd', data: ends },
      { name: 'ProviderName', data: starts.map(() => 'AWS') },
      { name: 'ServiceName', data: starts.map((_, i) => ['Amazon EC2', 'Amazon S3'][i % 2]!) },
      { name: 'x_Note', data: starts.map((_, i) => `row ${i}`) },
    ],
    schema: [
      { name: 'root', num_children: 8 },
      {
        name: 'BilledCost',
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 9,
        converted_type: 'DECIMAL',
        scale: 10,
        precision: 20,
      },
      { name: 'EffectiveCost', type: 'DOUBLE' },
      { name: 'BillingCurrency', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'ChargePeriodStart', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'ChargePeriodEnd', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'ProviderName', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'ServiceName', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'x_Note', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
    ],
    rowGroupSize: 500,
  });
  return { billed, effective: eff };
}

describe.each(BACKENDS)('FOCUS Parquet import on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let home: TempHome;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      home = tempHome();
    });
    afterAll(async () => {
      await cleanup?.();
      home?.cleanup();
    });

    it('reads row group by row group, exact DECIMAL and DOUBLE amounts', async () => {
      const file = join(home.path, 'focus.parquet');
      const expected = writeFocusParquet(file, 2000);
      const r = await importFocusFile(store, file, {});
      expect(r).toMatchObject({
        format: 'parquet',
        rows: 2000,
        provider: 'aws',
        window: { from: '2026-04-01', to: '2026-04-21' },
      });
      const billed = await summarise(store, { by: 'provider', metric: 'billed' });
      expect(billed.total.byCurrency.USD).toBe(expected.billed.toFixed());
      const eff = await summarise(store, { by: 'provider', metric: 'effective' });
      expect(eff.total.byCurrency.USD).toBe(expected.effective.toFixed());
    });

    it('names the Parquet row of a bad value and writes nothing', async () => {
      const file = join(home.path, 'bad.parquet');
      writeFocusParquet(file, 1200, 1100);
      const err = await importFocusFile(store, file, { source: 'bad-parquet' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FocusRowError);
      expect((err as FocusRowError).details).toMatchObject({ row: 1101, column: 'ChargePeriodEnd' });
      const n = await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs WHERE source = $1', [
        'bad-parquet',
      ]);
      expect(Number(n!.n)).toBe(0);
    });
  });
});
