import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFocusFile } from '../../src/core/cloud-costs/import.js';
import { FocusProviderMismatchError, FocusRowError } from '../../src/core/cloud-costs/focus/reader.js';
import { providerKey } from '../../src/core/cloud-costs/provider-key.js';
import { addDays, emptyRow, type CostRow } from '../../src/core/cloud-costs/model.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { listRuns } from '../../src/core/cloud-costs/runs.js';
import { replaceSourceRows } from '../../src/core/cloud-costs/writer.js';
import { Money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { unitsToDecimal } from '../../bench/ingest/generate.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

/** Three clouds as aggregator exports spell them (several spellings each), with their own services and regions. */
const CLOUDS = [
  {
    key: 'aws',
    names: ['AWS', 'Amazon Web Services', 'aws'],
    services: ['Amazon EC2', 'Amazon S3'],
    regions: ['us-east-1', 'eu-west-1'],
  },
  {
    key: 'azure',
    names: ['Microsoft', 'Azure', 'MICROSOFT'],
    services: ['Virtual Machines', 'Storage'],
    regions: ['eastus', 'westeurope'],
  },
  {
    key: 'gcp',
    names: ['Google Cloud', 'google cloud', 'Google Cloud Platform'],
    services: ['Compute Engine', 'Cloud Storage'],
    regions: ['us-central1', 'europe-west1'],
  },
] as const;

interface Generated {
  rows: Array<{ name: string; service: string; region: string; units: bigint; start: Date; end: Date }>;
  /** Exact expected BilledCost per provider key, service and day, in units of 1e-10. */
  byProvider: Map<string, bigint>;
  byService: Map<string, bigint>;
  byDay: Map<string, bigint>;
  count: Map<string, number>;
}

/** A deterministic mixed-provider FOCUS file's rows and their exact totals (credits included). */
function generate(n: number, startDay: string, days: number, seed: number): Generated {
  let s = seed;
  const rand = (k: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 4294967296) * k);
  };
  const g: Generated = { rows: [], byProvider: new Map(), byService: new Map(), byDay: new Map(), count: new Map() };
  const add = <K>(m: Map<K, bigint>, k: K, u: bigint) => m.set(k, (m.get(k) ?? 0n) + u);
  const t0 = Date.parse(`${startDay}T00:00:00Z`);
  for (let i = 0; i < n; i++) {
    const c = CLOUDS[rand(3)]!;
    const day = rand(days);
    const start = new Date(t0 + day * 86_400_000 + rand(24) * 3_600_000);
    // Up to 18 significant digits, some negative (credits): a double would not hold the sums.
    const units =
      (BigInt(rand(100_000)) * 10_000_000_000n + BigInt(rand(1_000_000_000)) * 10n + BigInt(rand(10))) *
      (rand(20) === 0 ? -1n : 1n);
    const service = c.services[rand(2)]!;
    g.rows.push({
      name: c.names[rand(c.names.length)]!,
      service,
      region: c.regions[rand(2)]!,
      units,
      start,
      end: new Date(start.getTime() + 3_600_000),
    });
    add(g.byProvider, c.key, units);
    add(g.byService, service, units);
    add(g.byDay, start.toISOString().slice(0, 10), units);
    g.count.set(c.key, (g.count.get(c.key) ?? 0) + 1);
  }
  return g;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

function csvText(g: Generated): string {
  return [
    'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceName,RegionId',
    ...g.rows.map(
      (r) => `${unitsToDecimal(r.units)},USD,${iso(r.start)},${iso(r.end)},${r.name},${r.service},${r.region}`,
    ),
  ].join('\n');
}

/** As AWS Data Exports write Parquet: DECIMAL money, TIMESTAMP periods, several row groups. */
function writeParquet(file: string, g: Generated): void {
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'BilledCost', data: g.rows.map((r) => r.units) },
      { name: 'BillingCurrency', data: g.rows.map(() => 'USD') },
      { name: 'ChargePeriodStart', data: g.rows.map((r) => r.start) },
      { name: 'ChargePeriodEnd', data: g.rows.map((r) => r.end) },
      { name: 'ProviderName', data: g.rows.map((r) => r.name) },
      { name: 'ServiceName', data: g.rows.map((r) => r.service) },
      { name: 'RegionId', data: g.rows.map((r) => r.region) },
    ],
    schema: [
      { name: 'root', num_children: 7 },
      {
        name: 'BilledCost',
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 9,
        converted_type: 'DECIMAL',
        scale: 10,
        precision: 20,
      },
      { name: 'BillingCurrency', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'ChargePeriodStart', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'ChargePeriodEnd', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'ProviderName', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'ServiceName', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'RegionId', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
    ],
    rowGroupSize: 700,
  });
}

/** Each format gets its own month, so the three imports do not share days. */
const FORMATS = [
  {
    format: 'csv',
    file: 'multi.csv',
    startDay: '2025-01-01',
    write: (f: string, g: Generated) => writeFileSync(f, csvText(g)),
  },
  {
    format: 'csv.gz',
    file: 'multi-gz.csv.gz',
    startDay: '2025-02-01',
    write: (f: string, g: Generated) => writeFileSync(f, gzipSync(csvText(g))),
  },
  { format: 'parquet', file: 'multi.parquet', startDay: '2025-03-01', write: writeParquet },
] as const;

const exact = (m: Map<string, bigint>) =>
  Object.fromEntries([...m].map(([k, u]) => [k, new Money(unitsToDecimal(u)).toFixed()]));
const usdByKey = (s: { rows: Array<{ key: string | null; byCurrency: Record<string, string> }> }) =>
  Object.fromEntries(s.rows.map((r) => [r.key, r.byCurrency.USD]));

describe('FOCUS provider names', () => {
  it('map to oco provider keys case-insensitively; other names are kept as written', () => {
    expect(
      [
        'AWS',
        'amazon web services',
        ' Amazon Web Services ',
        'Microsoft',
        'azure',
        'Google Cloud',
        'GOOGLE CLOUD PLATFORM',
        'Google',
      ].map(providerKey),
    ).toEqual(['aws', 'aws', 'aws', 'azure', 'azure', 'gcp', 'gcp', 'gcp']);
    expect(['Oracle', 'Snowflake', 'OpenAI'].map(providerKey)).toEqual(['Oracle', 'Snowflake', 'OpenAI']);
    expect([null, undefined, '', '  '].map(providerKey)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe.each(BACKENDS)('multi-provider FOCUS files on $name', (backend) => {
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

    it.each(FORMATS)(
      '$format: every row under its own provider, exact totals per provider, service and day, idempotent re-import',
      async ({ format, file: name, startDay, write }) => {
        const g = generate(3000, startDay, 10, 11);
        const file = join(home.path, name);
        write(file, g);
        const window = { from: startDay, to: addDays(startDay, 10) };
        for (let pass = 0; pass < 2; pass++) {
          const r = await importFocusFile(store, file, {});
          expect(r).toMatchObject({
            format,
            rows: 3000,
            provider: 'aws,azure,gcp',
            providers: Object.fromEntries(g.count),
            window,
          });
          const byProvider = await summarise(store, { by: 'provider', metric: 'billed', window });
          expect(usdByKey(byProvider)).toEqual(exact(g.byProvider));
          expect(Object.fromEntries(byProvider.rows.map((x) => [x.key, x.rows]))).toEqual(Object.fromEntries(g.count));
          expect(usdByKey(await summarise(store, { by: 'service', metric: 'billed', window }))).toEqual(
            exact(g.byService),
          );
          expect(usdByKey(await summarise(store, { by: 'day', metric: 'billed', window }))).toEqual(exact(g.byDay));
          // One provider alone, filtered: only its rows.
          const azure = await summarise(store, { by: 'service', metric: 'billed', window, provider: 'azure' });
          expect(Object.keys(usdByKey(azure)).sort()).toEqual(['Storage', 'Virtual Machines']);
        }
        // The run records every provider the file held.
        const [run] = await listRuns(store, { source: `focus:${name.replace(/\.gz$/, '')}`, limit: 1 });
        expect(run).toMatchObject({ provider: 'aws,azure,gcp', status: 'succeeded', rowsWritten: 3000 });
      },
    );

    it('a file and an API ingest of one provider sum under its key, stay apart by source, and the overlap is reported', async () => {
      const g = generate(600, '2025-05-01', 3, 5);
      const file = join(home.path, 'overlap.csv');
      writeFileSync(file, csvText(g));
      const window = { from: '2025-05-01', to: '2025-05-04' };
      await importFocusFile(store, file, {});
      const api: CostRow[] = [
        {
          ...emptyRow(),
          chargePeriodStart: '2025-05-02T00:00:00.000Z',
          chargePeriodEnd: '2025-05-03T00:00:00.000Z',
          usageDate: '2025-05-02',
          billedCost: '100.0000000001',
          serviceName: 'Amazon EC2',
        },
      ];
      async function* once() {
        yield api;
      }
      const written = await replaceSourceRows(
        store,
        { provider: 'aws', source: 'aws', runId: 'api-run' },
        once(),
        undefined,
      );
      // Over the API's window (its one day): the file's AWS rows of that day, not its Azure or Google ones.
      const awsThatDay = g.rows.filter(
        (r) => providerKey(r.name) === 'aws' && r.start.toISOString().startsWith('2025-05-02'),
      ).length;
      expect(written.overlaps).toEqual([
        { source: 'focus:overlap.csv', provider: 'aws', rows: awsThatDay, first: '2025-05-02', last: '2025-05-02' },
      ]);
      const byProvider = usdByKey(await summarise(store, { by: 'provider', metric: 'billed', window }));
      expect(byProvider.aws).toBe(new Money(unitsToDecimal(g.byProvider.get('aws')!)).plus('100.0000000001').toFixed());
      expect(byProvider.azure).toBe(new Money(unitsToDecimal(g.byProvider.get('azure')!)).toFixed());
      const bySource = usdByKey(await summarise(store, { by: 'source', metric: 'billed', window }));
      expect(bySource).toEqual({
        aws: '100.0000000001',
        'focus:overlap.csv': new Money(
          unitsToDecimal([...g.byProvider.values()].reduce((a, b) => a + b, 0n)),
        ).toFixed(),
      });
    });

    it('takes ServiceProviderName (FOCUS 1.3) before ProviderName and keeps unknown providers as named', async () => {
      const file = join(home.path, 'v13.csv');
      writeFileSync(
        file,
        [
          'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceProviderName,HostProviderName,InvoiceIssuerName,ServiceName',
          '1.5,USD,2025-06-01T00:00:00Z,2025-06-02T00:00:00Z,AWS,Microsoft,Microsoft,Contoso Reseller,Virtual Machines',
          '2.25,USD,2025-06-01T00:00:00Z,2025-06-02T00:00:00Z,Snowflake,Snowflake,AWS,Snowflake,Warehouse',
          '0.75,USD,2025-06-01T00:00:00Z,2025-06-02T00:00:00Z,Google Cloud,Google Cloud,Google Cloud,Google Cloud,BigQuery',
          // A writer that left the 1.3 column empty on a row: ProviderName still names it.
          '0.5,USD,2025-06-01T00:00:00Z,2025-06-02T00:00:00Z,Amazon Web Services,,,,Amazon S3',
        ].join('\n'),
      );
      const r = await importFocusFile(store, file, {});
      expect(r.providers).toEqual({ azure: 1, Snowflake: 1, gcp: 1, aws: 1 });
      expect(
        usdByKey(
          await summarise(store, {
            by: 'provider',
            metric: 'billed',
            window: { from: '2025-06-01', to: '2025-06-02' },
          }),
        ),
      ).toEqual({ Snowflake: '2.25', azure: '1.5', gcp: '0.75', aws: '0.5' });
    });

    it('--provider fills rows without one; a row naming another provider stops the import and writes nothing', async () => {
      const file = join(home.path, 'partial.csv');
      const rows = [
        'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ProviderName',
        '1,USD,2025-07-01T00:00:00Z,2025-07-02T00:00:00Z,AWS',
        '2,USD,2025-07-01T00:00:00Z,2025-07-02T00:00:00Z,',
      ];
      writeFileSync(file, rows.join('\n'));
      const empty = await importFocusFile(store, file, {}).catch((e: unknown) => e);
      expect(empty).toBeInstanceOf(FocusRowError);
      expect((empty as Error).message).toBe(
        'partial.csv:3 column ProviderName: is empty; pass --provider NAME for rows that do not name their provider',
      );
      const filled = await importFocusFile(store, file, { provider: 'Amazon Web Services' });
      expect(filled.providers).toEqual({ aws: 2 });

      writeFileSync(file, [...rows, '4,USD,2025-07-01T00:00:00Z,2025-07-02T00:00:00Z,Microsoft'].join('\n'));
      // Not a bad row: --skip-invalid does not skip it, the flag contradicts the file.
      const mismatch = await importFocusFile(store, file, { provider: 'aws', skipInvalid: true }).catch(
        (e: unknown) => e,
      );
      expect(mismatch).toBeInstanceOf(FocusProviderMismatchError);
      expect(mismatch).toMatchObject({
        code: 'OCO_FOCUS_PROVIDER_MISMATCH',
        exitCode: 2,
        details: { file: 'partial.csv', line: 4, column: 'ProviderName', rowProvider: 'Microsoft', flag: 'aws' },
      });
      expect((mismatch as Error).message).toBe(
        'partial.csv:4 column ProviderName: the row\'s provider "Microsoft" is not --provider aws',
      );
      // The previous import is intact.
      expect(
        usdByKey(
          await summarise(store, {
            by: 'provider',
            metric: 'billed',
            window: { from: '2025-07-01', to: '2025-07-02' },
          }),
        ),
      ).toEqual({ aws: '3' });
    });
  });
});
