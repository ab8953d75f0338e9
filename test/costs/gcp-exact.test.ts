import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { runIngest } from '../../src/core/cloud-costs/ingest.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { createGcpClient, mapGcpError } from '../../src/core/cloud-costs/providers/gcp/client.js';
import { exactDecimal, exportQuery, gcpProvider } from '../../src/core/cloud-costs/providers/gcp/fetch.js';
import { Money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { startFakeGcp, type ExportRow, type FakeGcp } from '../fakes/gcp/server.js';
import {
  cast,
  evaluate,
  exactBinary,
  parseQuery,
  printfG,
  roundTripDoubleToString,
  type Schema,
} from '../fakes/gcp/sql.js';
import { BACKENDS } from '../helpers/stores.js';

/**
 * GCP totals are exact: every FLOAT64 of the billing export counts as its shortest
 * round-trip decimal (what the export shows, JS `String(x)`), summed without rounding.
 * The fake BigQuery evaluates the SQL oco sends with BigQuery's number semantics, so the
 * obvious alternatives (FLOAT64 SUM, NUMERIC casts, CAST AS STRING, CAST AS BIGNUMERIC)
 * are shown to drift on the same rows.
 */

const TABLE = 'acme-billing.billing_export.gcp_billing_export_resource_v1_000000_AAAAAA_BBBBBB';
const EMAIL = 'oco-exact@acme-billing.iam.gserviceaccount.com';
const WINDOW = { from: '2026-07-01', to: '2026-07-03' };

let seed = 11;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return Math.floor((seed / 4294967296) * n);
};

/** Doubles whose shortest decimals have 10+ significant fraction digits (15 to 17 significant digits). */
function longDouble(i: number): number {
  switch (i % 4) {
    case 0:
      return (rnd(1e9) + 1) / 7e6; // e.g. 47.5139428571428…: a repeating fraction cut at 17 digits
    case 1:
      return (rnd(1e6) + 1) / 3 / 1e4; // thirds: shortest form of 16 digits, where %.17g differs
    case 2:
      return Number(`0.${String(rnd(1e9)).padStart(9, '0')}${String(rnd(1e6)).padStart(6, '0')}`); // 15 fraction digits as written
    default:
      return -((rnd(1e8) + 1) / 9.1e9); // small negative credits
  }
}

function line(day: string, project: string, i: number, over: Partial<ExportRow> = {}): ExportRow {
  const cost = longDouble(i);
  return {
    billing_account_id: '000000-AAAAAA-BBBBBB',
    service: { id: 'svc-ce', description: 'Compute Engine' },
    sku: { id: `sku-${i % 3}`, description: 'x' },
    usage_start_time: `${day}T${String(i % 24).padStart(2, '0')}:00:00Z`,
    project: { id: project, name: project },
    labels: [],
    location: { region: 'europe-west1' },
    resource: { name: 'vm', global_name: `//compute.googleapis.com/projects/${project}/instances/vm` },
    cost: String(Math.abs(cost)),
    currency: 'USD',
    usage: { amount_in_pricing_units: String(Math.abs(longDouble(i + 1))), pricing_unit: 'hour' },
    credits:
      i % 2
        ? [{ amount: String(-Math.abs(longDouble(i + 2))) }, { amount: String(-Math.abs(longDouble(i + 3)) / 100) }]
        : [],
    ...over,
  };
}

/**
 * 240 lines in the window over two days and two projects, the hand-picked 16-digit value
 * 1/3 among them; some loaded days late (after the window's end), some still in the
 * streaming buffer; and lines outside the window, one of them loaded inside it.
 */
const IN_WINDOW: ExportRow[] = [
  ...Array.from({ length: 240 }, (_, i) =>
    line(i % 2 ? '2026-07-01' : '2026-07-02', `proj-${i % 3 === 0 ? 'a' : 'b'}`, i, {
      ...(i % 10 === 3 ? { partition: '2026-07-06' } : {}),
      ...(i % 17 === 5 ? { partition: null } : {}),
    }),
  ),
  line('2026-07-01', 'proj-a', 0, { cost: String(1 / 3), credits: [{ amount: String(-1 / 3 / 1000) }] }),
];
const OUTSIDE: ExportRow[] = [
  line('2026-06-30', 'proj-a', 1, { usage_start_time: '2026-06-30T23:00:00Z', partition: '2026-07-01' }),
  line('2026-07-03', 'proj-b', 2),
];
const ROWS = [...IN_WINDOW, ...OUTSIDE];

/** What the export shows for a FLOAT64: its shortest round-trip decimal. */
const shown = (literal: string) => new Money(String(Number(literal)));
const exactNet = (rows: ExportRow[]) =>
  rows.reduce((t, r) => r.credits.reduce((u, c) => u.plus(shown(c.amount)), t.plus(shown(r.cost))), new Money(0));
const exactGross = (rows: ExportRow[]) => rows.reduce((t, r) => t.plus(shown(r.cost)), new Money(0));

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const env = (fake: FakeGcp) => ({
  GCP_CREDENTIALS_JSON: JSON.stringify({
    type: 'service_account',
    project_id: 'acme-billing',
    private_key_id: 'k1',
    client_email: EMAIL,
    token_uri: `${fake.url}/token`,
    private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }),
  OCO_GCP_BILLING_TABLE: TABLE,
  OCO_GCP_BIGQUERY_ENDPOINT: fake.url,
  OCO_GCP_BILLING_ENDPOINT: fake.url,
});
const startFake = (requirePartitionFilter: boolean) =>
  startFakeGcp({
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    clientEmail: EMAIL,
    table: TABLE,
    rows: ROWS,
    pageSize: 50,
    requirePartitionFilter,
  });

describe('GoogleSQL number semantics the fake applies', () => {
  it('printf %g rounds the exact binary value half-even; FLOAT64 → STRING is %.15g, else %.17g', () => {
    expect(exactBinary(0.1).toFixed()).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(printfG(0.1, 17)).toBe('0.10000000000000001');
    expect(printfG(1 / 3, 15)).toBe('0.333333333333333');
    expect(printfG(1e-5, 15)).toBe('1e-05');
    expect(printfG(123456789.5, 6)).toBe('1.23457e+08');
    expect(printfG(2.5, 1)).toBe('2');
    expect(printfG(3.5, 1)).toBe('4');
    // An exact tie at 16 digits goes to the even digit, as glibc does.
    expect(printfG(100000000.00390625, 16)).toBe('100000000.0039062');
    expect(roundTripDoubleToString(0.5)).toBe('0.5');
    // 1/3's shortest form has 16 digits; CAST(x AS STRING) gives another, 17-digit one.
    expect(String(1 / 3)).toBe('0.3333333333333333');
    expect(roundTripDoubleToString(1 / 3)).toBe('0.33333333333333331');
    expect(cast({ t: 'FLOAT64', v: 1 / 3 }, 'NUMERIC')).toEqual({ t: 'NUMERIC', v: expect.anything() });
    expect((cast({ t: 'FLOAT64', v: 1 / 3 }, 'NUMERIC') as { v: Money }).v.toFixed()).toBe('0.333333333');
    expect((cast({ t: 'FLOAT64', v: 0.1 }, 'BIGNUMERIC') as { v: Money }).v.toFixed()).toBe(
      '0.10000000000000000555111512312578270212',
    );
  });

  it('exactDecimal(x) is the shortest round-trip decimal of x for every double tried', () => {
    const schema: Schema = { types: { cost: 'FLOAT64' }, read: (row, path) => (row as Record<string, unknown>)[path] };
    const expr = parseQuery(`SELECT ${exactDecimal('cost')} AS v FROM \`t\``).select[0]!.expr;
    const bits = new DataView(new ArrayBuffer(8));
    const doubles: number[] = [
      0,
      -0,
      1 / 3,
      2 / 3,
      0.1 + 0.2,
      100000000.00390625,
      1e-22,
      123456789.12345679,
      999999999.99999988,
    ];
    // Bounded: 20 000 doubles of every kind the export can hold: decimals, fractions, random bit patterns.
    for (let i = 0; i < 20_000; i++) {
      if (i % 3 === 0) doubles.push(longDouble(i));
      else if (i % 3 === 1) doubles.push(Number(`${rnd(1e6)}.${String(rnd(1e9)).padStart(9, '0')}`) / 10 ** rnd(12));
      else {
        // Binary exponents 2^-71 (4e-22, the smallest magnitude whose 17 digits fit BIGNUMERIC's 38) to 2^29 (5e8).
        bits.setUint32(0, ((0x3b8 + rnd(0x41d - 0x3b8)) << 20) | rnd(1 << 20));
        bits.setUint32(4, rnd(2 ** 32));
        doubles.push(bits.getFloat64(0) * (rnd(2) ? 1 : -1));
      }
    }
    const wrong = doubles.filter((x) => {
      const v = evaluate(expr, { schema, row: { cost: x }, partition: null, params: {} });
      return !(v && v.t === 'BIGNUMERIC' && v.v.equals(String(x)));
    });
    expect(wrong).toEqual([]);
  });
});

describe('the export query against the fake BigQuery', () => {
  let fake: FakeGcp;
  beforeAll(async () => {
    fake = await startFake(true);
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** Runs a query as oco does (DATE parameters, every page) and returns its rows. */
  async function query(sql: string): Promise<Array<Record<string, string>>> {
    const client = createGcpClient(OcoConfig.load({ env: env(fake) }));
    const [rows] = await client.bigquery.query({
      query: sql,
      params: { from: client.bigquery.date(WINDOW.from), to: client.bigquery.date(WINDOW.to) },
      useLegacySql: false,
    });
    return rows as Array<Record<string, string>>;
  }
  const total = (rows: Array<Record<string, string>>, column: 'cost' | 'credits') =>
    rows.reduce((t, r) => t.plus(r[column]!), new Money(0));
  const base = exportQuery(TABLE, true);
  /** The export query with every exact conversion replaced by another expression of the column. */
  const variant = (as: (column: string) => string) =>
    ['cost', 'c.amount', 'usage.amount_in_pricing_units', 'price.tier_start_amount'].reduce(
      (q, c) => q.split(exactDecimal(c)).join(as(c)),
      base,
    );

  it("oco's query: every grouped cost and credit equals the decimal sum of its lines' shortest decimals", async () => {
    const rows = await query(base);
    expect(total(rows, 'cost').toFixed()).toBe(exactGross(IN_WINDOW).toFixed());
    expect(total(rows, 'cost').plus(total(rows, 'credits')).toFixed()).toBe(exactNet(IN_WINDOW).toFixed());
    for (const r of rows) {
      const lines = IN_WINDOW.filter(
        (l) => l.usage_start_time.startsWith(r.day!) && l.project.id === r.project_id && l.sku.id === r.sku_id,
      );
      expect(r.cost, `${r.day} ${r.project_id} ${r.sku_id}`).toBe(exactGross(lines).toFixed());
      expect(
        new Money(r.pricing_quantity!).equals(
          lines.reduce((t, l) => t.plus(shown(l.usage.amount_in_pricing_units)), new Money(0)),
        ),
      ).toBe(true);
    }
  });

  it.each([
    ['SUM over FLOAT64', (c: string) => c],
    ['CAST(x AS NUMERIC), the old query', (c: string) => `CAST(${c} AS NUMERIC)`],
    ['CAST(CAST(x AS STRING) AS BIGNUMERIC)', (c: string) => `CAST(CAST(${c} AS STRING) AS BIGNUMERIC)`],
    ['CAST(x AS BIGNUMERIC)', (c: string) => `CAST(${c} AS BIGNUMERIC)`],
  ])('%s drifts from the exact total on the same lines', async (_name, as) => {
    const rows = await query(variant(as));
    expect(rows).toHaveLength((await query(base)).length);
    const got = total(rows, 'cost');
    expect(got.toFixed()).not.toBe(exactGross(IN_WINDOW).toFixed());
    // The drift is in the last digits, where reconciliation against the export notices it.
    expect(got.minus(exactGross(IN_WINDOW)).abs().lessThan('0.00001')).toBe(true);
  });

  it("a table that requires a partition filter refuses a query without one, with BigQuery's message", async () => {
    const unfiltered = base.replace(/\(_PARTITIONTIME [^\n]*\n {2}AND /, '');
    expect(unfiltered).not.toContain('_PARTITIONTIME');
    const err = await query(unfiltered).then(
      () => null,
      (e: unknown) => e,
    );
    const mapped = mapGcpError(err);
    expect(mapped.code).toBe('OCO_GCP_API_ERROR');
    expect(mapped.message).toBe(
      `BigQuery: invalidQuery: Cannot query over table '${TABLE}' without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME' that can be used for partition elimination`,
    );
    // A filter on a data column does not count, however selective.
    const onUsage = await query(unfiltered.replace('WHERE ', 'WHERE usage_start_time >= TIMESTAMP(@from) AND ')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(mapGcpError(onUsage).message).toContain('that can be used for partition elimination');
  });

  it('the plan names the partitions read; pages: maxResults capped, page tokens bound to their job', async () => {
    const config = OcoConfig.load({ env: env(fake) });
    const plan = gcpProvider.create({ config, flags: {} } as never).plan(WINDOW);
    expect(plan[0]!.detail).toContain('partitions loaded since 2026-06-30');
    const { bigquery } = createGcpClient(config);
    const params = { from: bigquery.date(WINDOW.from), to: bigquery.date(WINDOW.to) };
    type Next = { pageToken?: string; job?: { id?: string } } | null;
    // Line items, ungrouped: more rows than a page holds.
    const lines = `SELECT sku.id AS sku_id, CAST(cost AS STRING) AS cost FROM \`${TABLE}\` WHERE _PARTITIONTIME IS NULL OR _PARTITIONTIME >= TIMESTAMP(@from)`;
    const [first, next] = (await bigquery.query(
      { query: lines, params, useLegacySql: false, maxResults: 1000 },
      { autoPaginate: false },
    )) as unknown as [unknown[], Next];
    // The fake's page cap (50 here; BigQuery's is 10 MB) wins over a larger maxResults.
    expect(first).toHaveLength(50);
    expect(next?.pageToken).toBeTruthy();
    const [, other] = (await bigquery.query(
      { query: lines, params, useLegacySql: false, maxResults: 10 },
      { autoPaginate: false },
    )) as unknown as [unknown[], Next];
    const err = await bigquery
      .job(other!.job!.id!)
      .getQueryResults({ pageToken: next!.pageToken, maxResults: 10, autoPaginate: false })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(mapGcpError(err).message).toContain('BigQuery: invalid: Invalid page token');
    const [second] = await bigquery
      .job(next!.job!.id!)
      .getQueryResults({ pageToken: next!.pageToken, maxResults: 10, autoPaginate: false });
    expect(second).toHaveLength(10);
  });

  it("a partition window closed at the window's end would lose the late lines and the streaming buffer", async () => {
    const closed = base.replace(
      /\(_PARTITIONTIME >= ([^\n]*?) OR _PARTITIONTIME IS NULL\)/,
      '_PARTITIONTIME >= $1 AND _PARTITIONTIME < TIMESTAMP(@to)',
    );
    expect(closed).not.toBe(base);
    const rows = await query(closed);
    const onTime = IN_WINDOW.filter((l) => l.partition === undefined);
    expect(onTime.length).toBeLessThan(IN_WINDOW.length);
    expect(total(rows, 'cost').toFixed()).toBe(exactGross(onTime).toFixed());
  });
});

describe.each(BACKENDS)('GCP ingest totals on $name equal the decimal sum of the exported lines', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let fake: FakeGcp;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      fake = await startFake(true);
    });
    afterAll(async () => {
      await fake?.close();
      await cleanup?.();
    });

    it('billed (net) and gross per project, from a table that requires a partition filter', async () => {
      const summary = await runIngest(store, OcoConfig.load({ env: env(fake) }), {
        providers: ['gcp'],
        window: WINDOW,
      });
      expect(summary.providers[0]!.error).toBeUndefined();
      expect(summary.providers[0]!.status).toBe('succeeded');
      const billed = await summarise(store, { by: 'account', metric: 'billed', window: WINDOW });
      expect(billed.total.byCurrency).toEqual({ USD: exactNet(IN_WINDOW).toFixed() });
      for (const project of ['proj-a', 'proj-b']) {
        const row = billed.rows.find((r) => r.key === project)!;
        expect(new Money(row.byCurrency.USD!).toFixed(), project).toBe(
          exactNet(IN_WINDOW.filter((l) => l.project.id === project)).toFixed(),
        );
      }
      // Neither a double sum nor 9-digit rounding of the same lines gives that total.
      const doubles = IN_WINDOW.reduce(
        (t, l) => l.credits.reduce((u, c) => u + Number(c.amount), t + Number(l.cost)),
        0,
      );
      expect(String(doubles)).not.toBe(exactNet(IN_WINDOW).toFixed());
      const nine = (s: string) => new Money(s).toDecimalPlaces(9, Money.ROUND_HALF_UP);
      const rounded = IN_WINDOW.reduce(
        (t, l) => l.credits.reduce((u, c) => u.plus(nine(c.amount)), t.plus(nine(l.cost))),
        new Money(0),
      );
      expect(rounded.toFixed()).not.toBe(exactNet(IN_WINDOW).toFixed());
    });
  });
});
