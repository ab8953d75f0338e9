import { readdirSync, writeFileSync, createReadStream, createWriteStream } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFocusFile } from '../../src/core/cloud-costs/import.js';
import { exportFocusCsv } from '../../src/core/cloud-costs/focus/export.js';
import { FocusRowError } from '../../src/core/cloud-costs/focus/reader.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { setRate } from '../../src/core/cloud-costs/rates.js';
import { Money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { generateFocusCsv, unitsToDecimal } from '../../bench/ingest/generate.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { FOCUS_EXAMPLES, canonicalRows, readCsv, readCsvFile } from './helpers.js';

function examples(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.csv')) out.push(join(dir, e.name));
    }
  };
  walk(FOCUS_EXAMPLES);
  return out.sort();
}

/** The spec's samples that are not valid FOCUS, and where: the importer must say exactly this. */
const INVALID_SAMPLES: Record<string, { line: number; column: string }> = {
  'commitment_discount_scenarios/commitment_discount_purchase_scenario_2.csv': { line: 4, column: 'ChargePeriodEnd' }, // hour 30
  'commitment_discount_scenarios/commitment_discount_purchase_scenario_3.csv': { line: 5, column: 'ChargePeriodEnd' }, // hour 30
  'saas_examples/spend_agreements/saas_spend_agreements_a1.csv': { line: 2, column: 'ServiceCategory' }, // "Database"
  'saas_examples/spend_agreements/saas_spend_agreements_a2.csv': { line: 2, column: 'ServiceCategory' },
  'saas_examples/spend_agreements/saas_spend_agreements_b1.csv': { line: 3, column: 'ServiceCategory' },
  'saas_examples/spend_agreements/saas_spend_agreements_b2.csv': { line: 3, column: 'ServiceCategory' },
};

async function exportText(store: Store, options: Parameters<typeof exportFocusCsv>[2]): Promise<string> {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d) => (text += d));
  await exportFocusCsv(store, sink, options);
  return text;
}

async function count(store: Store, source?: string): Promise<number> {
  const r = source
    ? await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs WHERE source = $1', [source])
    : await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs');
  return Number(r!.n);
}

describe.each(BACKENDS)('FOCUS import on $name', (backend) => {
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

    it.each(examples().map((f) => [relative(FOCUS_EXAMPLES, f), f]))(
      'spec sample %s imports and exports back the same values, or is rejected where it is invalid',
      async (name, file) => {
        const bad = INVALID_SAMPLES[name];
        const source = `focus:${name}`;
        // The commitment-discount samples have no ProviderName column: --provider names it.
        const provider = 'ProviderName' in readCsvFile(file)[0]! ? undefined : 'Sample Cloud';
        if (bad) {
          const err = await importFocusFile(store, file, { currency: 'USD', lenient: true, source, provider }).catch(
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(FocusRowError);
          expect((err as FocusRowError).details).toMatchObject({ line: bad.line, column: bad.column });
          expect((err as Error).message).toContain(`:${bad.line} column ${bad.column}`);
          expect(await count(store, source)).toBe(0);
          // --skip-invalid imports the rest and counts the bad row.
          const skipped = await importFocusFile(store, file, {
            currency: 'USD',
            lenient: true,
            source,
            provider,
            skipInvalid: true,
          });
          expect(skipped.invalid).toBeGreaterThan(0);
          expect(skipped.rows + skipped.invalid).toBe(readCsvFile(file).length);
          return;
        }
        const result = await importFocusFile(store, file, { currency: 'USD', lenient: true, source, provider });
        const original = readCsvFile(file);
        expect(result.rows).toBe(original.length);
        const exported = readCsv(await exportText(store, { source }));
        const columns = Object.keys(original[0]!).map((c) => c.trim());
        // Every column of the sample comes back, with the same values (as FOCUS values: decimals, instants).
        const exportedColumns = new Set(Object.keys(exported[0]!));
        for (const c of columns)
          if (original.some((r) => (r[c] ?? '').trim() !== '' && r[c] !== 'null'))
            expect(exportedColumns.has(c), c).toBe(true);
        const withBillingCurrency = original.map((r) => ({ BillingCurrency: 'USD', ...r }));
        const cols = [...new Set([...columns, 'BillingCurrency'])];
        expect(canonicalRows(exported, cols)).toEqual(canonicalRows(withBillingCurrency, cols));
        // Re-importing the same file replaces its rows: never duplicates.
        await importFocusFile(store, file, { currency: 'USD', lenient: true, source, provider });
        expect(await count(store, source)).toBe(original.length);
      },
    );

    it('sums ingested costs exactly: the decimal sum of the source amounts to the last digit', async () => {
      const file = join(home.path, `exact-${backend.name}.csv.gz`);
      const totals = await generateFocusCsv(file, 20_000, { seed: 7, startDay: '2025-01-01', days: 10 });
      const result = await importFocusFile(store, file, { source: 'exact' });
      expect(result.format).toBe('csv.gz');
      expect(result.rows).toBe(20_000);
      expect(result.window).toEqual({ from: '2025-01-01', to: '2025-01-11' });
      const billed = await summarise(store, {
        by: 'source',
        metric: 'billed',
        window: { from: '2025-01-01', to: '2025-01-11' },
      });
      const row = billed.rows.find((r) => r.key === 'exact')!;
      expect(row.byCurrency.USD).toBe(new Money(unitsToDecimal(totals.billedUnits)).toFixed());
      const effective = await summarise(store, {
        by: 'provider',
        metric: 'effective',
        window: { from: '2025-01-01', to: '2025-01-11' },
      });
      expect(new Money(effective.total.byCurrency.USD!).equals(unitsToDecimal(totals.effectiveUnits))).toBe(true);
      // A float sum would be off: prove the test can tell.
      const raw = await store.all<{ billed_cost: string }>('SELECT billed_cost FROM cloud_costs WHERE source = $1', [
        'exact',
      ]);
      const floatSum = raw.reduce((s, r) => s + Number(r.billed_cost), 0);
      expect(String(floatSum)).not.toBe(row.byCurrency.USD);
    });

    it('keeps other currencies as billed and converts only with a configured rate', async () => {
      const file = join(home.path, `eur-${backend.name}.csv`);
      writeFileSync(
        file,
        [
          'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName',
          '0.10,EUR,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,Virtual Machines,Microsoft',
          '0.20,EUR,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,Virtual Machines,Microsoft',
          '1.005,USD,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,Storage,Microsoft',
        ].join('\n'),
      );
      const r = await importFocusFile(store, file, {});
      expect(r.provider).toBe('azure');
      const window = { from: '2024-03-01', to: '2024-03-02' };
      const before = await summarise(store, { by: 'service', window });
      expect(before.missingRates).toEqual(['EUR']);
      expect(before.total.costUsd).toBeNull();
      expect(before.rows.find((x) => x.key === 'Virtual Machines')!.byCurrency.EUR).toBe('0.3');
      await setRate(store, 'eur', '1.08');
      const after = await summarise(store, { by: 'service', window });
      expect(after.missingRates).toEqual([]);
      expect(after.rows.find((x) => x.key === 'Virtual Machines')!.costUsd).toBe('0.324');
      expect(new Money(after.total.costUsd!).equals('1.329')).toBe(true);
      // The design's field names stay available; cost_usd only where the bill is in USD (never a silent conversion).
      const design = await store.all<{
        service: string;
        date: string;
        cost_usd: string | null;
        cost: string;
        currency: string;
      }>(
        "SELECT service, date, cost_usd, cost, currency FROM cloud_costs_design WHERE provider = 'azure' AND date = $1 ORDER BY cost",
        ['2024-03-01'],
      );
      expect(
        design.map((d) => [
          d.service,
          String(d.date),
          d.cost_usd === null ? null : new Money(d.cost_usd).toFixed(),
          new Money(d.cost).toFixed(),
          d.currency,
        ]),
      ).toEqual([
        ['Virtual Machines', '2024-03-01', null, '0.1', 'EUR'],
        ['Virtual Machines', '2024-03-01', null, '0.2', 'EUR'],
        ['Storage', '2024-03-01', '1.005', '1.005', 'USD'],
      ]);
    });

    it('stops at a malformed row, names file, line and column, and leaves the previous import intact', async () => {
      const file = join(home.path, `bad-${backend.name}.csv`);
      const good = [
        'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd',
        '1.5,USD,2024-05-01T00:00:00Z,2024-05-02T00:00:00Z',
        '2.5,USD,2024-05-02T00:00:00Z,2024-05-03T00:00:00Z',
      ];
      writeFileSync(file, good.join('\n'));
      await importFocusFile(store, file, { source: 'bad', provider: 'aws' });
      expect(await count(store, 'bad')).toBe(2);
      const rows = ['BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd'];
      for (let i = 0; i < 12_000; i++) rows.push(`0.01,USD,2024-05-01T00:00:00Z,2024-05-02T00:00:00Z`);
      rows.push('12.3.4,USD,2024-05-01T00:00:00Z,2024-05-02T00:00:00Z');
      writeFileSync(file, rows.join('\n'));
      const err = await importFocusFile(store, file, { source: 'bad', provider: 'aws' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FocusRowError);
      expect((err as Error).message).toBe(
        `bad-${backend.name}.csv:12002 column BilledCost: "12.3.4" is not a decimal number (FOCUS numbers have no currency symbols or thousands separators)`,
      );
      // The 12,000 good rows before it (more than one batch) were not committed; the old rows are still there.
      expect(await count(store, 'bad')).toBe(2);
      const skipped = await importFocusFile(store, file, { source: 'bad', provider: 'aws', skipInvalid: true });
      expect(skipped).toMatchObject({ rows: 12_000, invalid: 1, window: { from: '2024-05-01', to: '2024-05-02' } });
      // Only the file's own day was replaced: the old 2024-05-02 row stays.
      expect(await count(store, 'bad')).toBe(12_001);
    });

    it('names a missing mandatory column and a wrong column count', async () => {
      const file = join(home.path, `cols-${backend.name}.csv`);
      writeFileSync(file, 'BilledCost,ChargePeriodStart\n1,2024-01-01T00:00:00Z\n');
      await expect(importFocusFile(store, file, { currency: 'USD' })).rejects.toThrow(
        /:1: required FOCUS column ChargePeriodEnd is missing from the header/,
      );
      writeFileSync(
        file,
        'BilledCost,ChargePeriodStart,ChargePeriodEnd\n1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z\n2,2024-01-01T00:00:00Z\n',
      );
      await expect(importFocusFile(store, file, { currency: 'USD', provider: 'aws' })).rejects.toThrow(
        /cols-.*\.csv:3: malformed CSV/,
      );
      writeFileSync(
        file,
        'BilledCost,ChargePeriodStart,ChargePeriodEnd\n1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z\n',
      );
      await expect(importFocusFile(store, file, { provider: 'aws' })).rejects.toThrow(
        /no BillingCurrency column; pass --currency/,
      );
      // ProviderName is mandatory too: without it (or --provider) nothing says whose costs these are.
      await expect(importFocusFile(store, file, { currency: 'USD' })).rejects.toThrow(
        /cols-.*\.csv:1 column ProviderName: the file has no ProviderName \(FOCUS 1\.0–1\.2\) or ServiceProviderName \(1\.3\) column; pass --provider NAME/,
      );
    });

    it('reports another source of the same provider over the same days', async () => {
      const a = join(home.path, `ov-a-${backend.name}.csv`);
      const b = join(home.path, `ov-b-${backend.name}.csv`);
      const body =
        'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ProviderName\n1,USD,2023-08-01T00:00:00Z,2023-08-02T00:00:00Z,Google Cloud\n';
      writeFileSync(a, body);
      writeFileSync(b, body);
      expect((await importFocusFile(store, a, {})).overlaps).toEqual([]);
      const second = await importFocusFile(store, b, {});
      expect(second.provider).toBe('gcp');
      expect(second.overlaps).toEqual([
        { source: `focus:ov-a-${backend.name}.csv`, provider: 'gcp', rows: 1, first: '2023-08-01', last: '2023-08-01' },
      ]);
    });
  });
});

describe('gzip and big files', () => {
  it('streams a gzip file the same as the plain one', async () => {
    const home = tempHome();
    try {
      const plain = join(home.path, 'g.csv');
      await generateFocusCsv(plain, 3000, { seed: 3 });
      await pipeline(createReadStream(plain), createGzip(), createWriteStream(`${plain}.gz`));
      const { store, cleanup } = await BACKENDS[0]!.open();
      try {
        const a = await importFocusFile(store, plain, { source: 'plain' });
        const b = await importFocusFile(store, `${plain}.gz`, { source: 'gz' });
        expect(b.format).toBe('csv.gz');
        expect(b.rows).toBe(a.rows);
        const s = await summarise(store, { by: 'source', metric: 'billed' });
        expect(s.rows.find((r) => r.key === 'gz')!.byCurrency).toEqual(
          s.rows.find((r) => r.key === 'plain')!.byCurrency,
        );
      } finally {
        await cleanup();
      }
    } finally {
      home.cleanup();
    }
  });
});
