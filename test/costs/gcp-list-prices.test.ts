import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { runIngest } from '../../src/core/cloud-costs/ingest.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { Money } from '../../src/core/base/money.js';
import { moneyToDecimal, tierFor } from '../../src/core/cloud-costs/providers/gcp/prices.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { Store } from '../../src/core/base/store/types.js';
import { startFakeGcp, type CatalogSku, type ExportRow, type FakeCatalog, type FakeGcp } from '../fakes/gcp/server.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { ownStderr } from './helpers.js';

/**
 * ListCost for GCP rows from the Cloud Billing Catalog API, end to end: the real
 * @google-cloud/billing CloudCatalogClient (REST) against the fake's /v1/services/{id}/skus.
 */

const TABLE = 'acme-billing.billing_export.gcp_billing_export_resource_v1_000000_AAAAAA_BBBBBB';
const EMAIL = 'oco-prices@acme-billing.iam.gserviceaccount.com';
const CE = '6F81-5844-456A';
const GCS = '95FF-2EF5-5EA1';
const VERTEX = 'AAAA-BBBB-CCCC'; // in the export, not in the Catalog: 404 for its SKU list

const usd = (price: string) => {
  const [units, frac = ''] = price.split('.');
  return { currencyCode: 'USD', units: units!, nanos: Number(frac.padEnd(9, '0')) };
};
function sku(
  service: string,
  id: string,
  unit: [string, string],
  tiers: Array<[number, string]>,
  description = id,
): CatalogSku {
  return {
    name: `services/${service}/skus/${id}`,
    skuId: id,
    description,
    category: { serviceDisplayName: service, resourceFamily: 'Compute', resourceGroup: 'CPU', usageType: 'OnDemand' },
    serviceRegions: ['us-central1', 'europe-west1'],
    pricingInfo: [
      {
        effectiveTime: '2026-11-21T08:00:00.000Z',
        summary: '',
        pricingExpression: {
          usageUnit: unit[0],
          usageUnitDescription: unit[1],
          baseUnit: unit[0] === 'h' ? 's' : 'By',
          baseUnitDescription: unit[0] === 'h' ? 'second' : 'byte',
          baseUnitConversionFactor: unit[0] === 'h' ? 3600 : 1073741824,
          displayQuantity: 1,
          tieredRates: tiers.map(([start, price]) => ({ startUsageAmount: start, unitPrice: usd(price) })),
        },
        aggregationInfo: { aggregationLevel: 'ACCOUNT', aggregationInterval: 'MONTHLY', aggregationCount: 1 },
        currencyConversionRate: 1,
      },
    ],
    serviceProviderName: 'Google',
    geoTaxonomy: { type: 'MULTI_REGIONAL', regions: ['us-central1', 'europe-west1'] },
  };
}

/** Compute Engine: 12 SKUs nobody uses first, so the two priced ones sit on page 3 of 5-SKU pages. */
const CATALOG: FakeCatalog = {
  services: [
    { serviceId: CE, displayName: 'Compute Engine' },
    { serviceId: GCS, displayName: 'Cloud Storage' },
    { serviceId: 'ZZZZ-0000-1111', displayName: 'Unused' },
  ],
  skus: {
    [CE]: [
      ...Array.from({ length: 12 }, (_, i) =>
        sku(CE, `F000-0000-${String(i).padStart(4, '0')}`, ['h', 'hour'], [[0, '1.5']]),
      ),
      // The GCP fixture's SKU: its cost_at_list is 0.15 for one hour.
      sku(CE, '0000-1111-2222', ['h', 'hour'], [[0, '0.15']], 'N2 Instance Core running in Americas'),
      sku(CE, 'CP-N2-CORE', ['h', 'hour'], [[0, '0.031611']]),
    ],
    [GCS]: [
      // Graduated egress: the first GiB free, then 0.12, from 1 TiB 0.11, from 10 TiB 0.08.
      sku(
        GCS,
        'GCS-EGRESS',
        ['GiBy', 'gibibyte'],
        [
          [0, '0'],
          [1, '0.12'],
          [1024, '0.11'],
          [10240, '0.08'],
        ],
      ),
      sku(GCS, 'GCS-STANDARD', ['GiBy.mo', 'gibibyte month'], [[0, '0.020']]),
    ],
    'ZZZZ-0000-1111': [],
  },
  pageSize: 5,
  rates: { EUR: '0.923456789' },
};

function row(
  p: Omit<Partial<ExportRow>, 'service' | 'sku'> & {
    day: string;
    service: [string, string];
    sku: string;
    qty: string;
    unit: string;
    cost: string;
  },
): ExportRow {
  return {
    billing_account_id: '000000-AAAAAA-BBBBBB',
    service: { id: p.service[0], description: p.service[1] },
    sku: { id: p.sku, description: p.sku },
    usage_start_time: `${p.day}T03:00:00Z`,
    project: p.project ?? { id: 'acme-prod', name: 'acme-prod' },
    labels: p.labels ?? [],
    location: { region: 'us-central1' },
    resource: p.resource ?? {
      name: 'web-1',
      global_name: '//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/instances/1',
    },
    cost: p.cost,
    currency: p.currency ?? 'USD',
    usage: { amount_in_pricing_units: p.qty, pricing_unit: p.unit },
    credits: p.credits ?? [],
    ...(p.price ? { price: p.price } : {}),
  };
}
const tierInfo = (start: string, price: string) => ({
  effective_price: price,
  tier_start_amount: start,
  unit: 'gibibyte',
  pricing_unit_quantity: '1',
});
const ceSvc: [string, string] = [CE, 'Compute Engine'];
const gcsSvc: [string, string] = [GCS, 'Cloud Storage'];
const egress = (qty: string, start?: string) => ({
  day: '2026-07-02',
  service: gcsSvc,
  sku: 'GCS-EGRESS',
  qty,
  unit: 'gibibyte',
  cost: '1.5',
  resource: { name: 'bucket-a', global_name: '//storage.googleapis.com/projects/_/buckets/bucket-a' },
  ...(start !== undefined ? { price: tierInfo(start, '0.1') } : {}),
});

/** Each case: the export line(s) and the ListCost the aggregated row must get, exact. */
const CASES: Array<{ name: string; rows: ExportRow[]; sku: string; day: string; list: string | null; tier?: string }> =
  [
    {
      name: 'fixture row, 1 hour at 0.15',
      sku: '0000-1111-2222',
      day: '2026-07-01',
      list: '0.15',
      tier: '0',
      rows: [
        row({
          day: '2026-07-01',
          service: ceSvc,
          sku: '0000-1111-2222',
          qty: '1',
          unit: 'hour',
          cost: '0.1234',
          credits: [{ amount: '-0.0123' }],
          labels: [{ key: 'env', value: 'prod' }],
          price: { effective_price: '0.1234', tier_start_amount: '0', unit: 'hour', pricing_unit_quantity: '1' },
        }),
      ],
    },
    {
      name: 'two lines summed (10 h + 14 h) before pricing',
      sku: 'CP-N2-CORE',
      day: '2026-07-01',
      list: '0.758664',
      tier: '0',
      rows: [
        row({ day: '2026-07-01', service: ceSvc, sku: 'CP-N2-CORE', qty: '10', unit: 'hour', cost: '0.21' }),
        row({ day: '2026-07-01', service: ceSvc, sku: 'CP-N2-CORE', qty: '14', unit: 'hour', cost: '0.29' }),
      ],
    },
    {
      name: 'nine-decimal quantity',
      sku: 'CP-N2-CORE',
      day: '2026-07-02',
      list: '0.010536999989463',
      tier: '0',
      rows: [
        row({ day: '2026-07-02', service: ceSvc, sku: 'CP-N2-CORE', qty: '0.333333333', unit: 'hour', cost: '0.009' }),
      ],
    },
    {
      name: 'EUR billing: Catalog asked in EUR (0.031611 USD × 0.923456789 → 0.029191393 EUR)',
      sku: 'CP-N2-CORE',
      day: '2026-07-03',
      list: '0.145956965',
      tier: '0',
      rows: [
        row({
          day: '2026-07-03',
          service: ceSvc,
          sku: 'CP-N2-CORE',
          qty: '5',
          unit: 'hour',
          cost: '0.13',
          currency: 'EUR',
          project: { id: 'acme-eu', name: 'acme-eu' },
        }),
      ],
    },
    {
      name: 'tiered: export says tier 0 (free GiB)',
      sku: 'GCS-EGRESS',
      day: '2026-07-02',
      list: '0',
      tier: '0',
      rows: [row(egress('0.75', '0'))],
    },
    {
      name: 'tiered: export says tier from 1 GiB',
      sku: 'GCS-EGRESS',
      day: '2026-07-02',
      list: '84.03',
      tier: '1',
      rows: [row(egress('700.25', '1'))],
    },
    {
      name: 'tiered: export says tier from 1 TiB',
      sku: 'GCS-EGRESS',
      day: '2026-07-02',
      list: '225.29358024679',
      tier: '1024',
      rows: [row(egress('2048.123456789', '1024'))],
    },
    {
      name: 'tiered: a start between Catalog tiers takes the tier holding it',
      sku: 'GCS-EGRESS',
      day: '2026-07-03',
      list: '11',
      tier: '1024',
      rows: [row({ ...egress('100', '2000'), day: '2026-07-03' })],
    },
    {
      name: 'tiered without export tier info: first non-zero tier',
      sku: 'GCS-EGRESS',
      day: '2026-07-04',
      list: '0.36',
      tier: '1',
      rows: [row({ ...egress('3'), day: '2026-07-04' })],
    },
    {
      name: 'pricing unit differs from the Catalog: no ListCost',
      sku: 'GCS-STANDARD',
      day: '2026-07-02',
      list: null,
      rows: [
        row({
          day: '2026-07-02',
          service: gcsSvc,
          sku: 'GCS-STANDARD',
          qty: '12',
          unit: 'gibibyte hour',
          cost: '0.01',
        }),
      ],
    },
    {
      name: 'SKU not in the Catalog: no ListCost',
      sku: 'DEAD-BEEF-0000',
      day: '2026-07-02',
      list: null,
      rows: [row({ day: '2026-07-02', service: ceSvc, sku: 'DEAD-BEEF-0000', qty: '2', unit: 'hour', cost: '0.5' })],
    },
    {
      name: 'service not in the Catalog (404): no ListCost',
      sku: 'VX-1',
      day: '2026-07-03',
      list: null,
      rows: [
        row({
          day: '2026-07-03',
          service: [VERTEX, 'Vertex AI Brand New'],
          sku: 'VX-1',
          qty: '4',
          unit: 'count',
          cost: '2.25',
        }),
      ],
    },
  ];
const ROWS = CASES.flatMap((c) => c.rows);
const WINDOW = { from: '2026-07-01', to: '2026-07-05' };
const sumBilled = (rows: ExportRow[]) =>
  rows.reduce((t, x) => x.credits.reduce((u, c) => u.plus(c.amount), t.plus(x.cost)), new Money(0));

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const KEY_JSON = (tokenUri: string) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'acme-billing',
    private_key_id: 'k1',
    private_key: PRIVATE_PEM,
    client_email: EMAIL,
    token_uri: tokenUri,
  });
/** A line of the key's base64 body: if any of it reaches a file or an output, the key leaked. */
const KEY_BODY = PRIVATE_PEM.split('\n')[5]!;

const gcpEnv = (fake: FakeGcp, extra: Record<string, string> = {}) => ({
  GCP_CREDENTIALS_JSON: KEY_JSON(`${fake.url}/token`),
  OCO_GCP_BILLING_TABLE: TABLE,
  OCO_GCP_BIGQUERY_ENDPOINT: fake.url,
  OCO_GCP_BILLING_ENDPOINT: fake.url,
  ...extra,
});

describe.each(BACKENDS)('GCP ListCost from the Cloud Billing Catalog on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let fake: FakeGcp;
    const saved = { ...process.env };
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      fake = await startFakeGcp({
        publicKeyPem: PUBLIC_PEM,
        clientEmail: EMAIL,
        table: TABLE,
        rows: ROWS,
        pageSize: 100,
        catalog: CATALOG,
      });
      Object.assign(process.env, gcpEnv(fake));
    });
    afterAll(async () => {
      process.env = saved;
      await fake?.close();
      await cleanup?.();
    });

    it('prices every row exactly, walks the SKU pages once per service and currency, counts the requests', async () => {
      const config = OcoConfig.load({ env: process.env });
      const start = fake.requests.length;
      const summary = await runIngest(store, config, { providers: ['gcp'], window: WINDOW });
      const r = summary.providers[0]!;
      expect(r.error).toBeUndefined();
      expect(r.status).toBe('succeeded');

      const seen = fake.requests.slice(start);
      const catalog = seen.filter((q) => q.path.startsWith('/v1/services'));
      // Compute Engine in USD and in EUR: 14 SKUs in pages of 5 → 3 requests each; Cloud Storage 1; Vertex 1 (404).
      // (Services are read in the order their rows come; the order of rows within a day is BigQuery's.)
      expect(
        catalog
          .map((q) => `${q.status} ${q.path} ${q.query.currencyCode} ${q.query.pageToken ? 'token' : 'first'}`)
          .sort(),
      ).toEqual(
        [
          `200 /v1/services/${CE}/skus USD first`,
          `200 /v1/services/${CE}/skus USD token`,
          `200 /v1/services/${CE}/skus USD token`,
          `200 /v1/services/${GCS}/skus USD first`,
          `404 /v1/services/${VERTEX}/skus USD first`,
          `200 /v1/services/${CE}/skus EUR first`,
          `200 /v1/services/${CE}/skus EUR token`,
          `200 /v1/services/${CE}/skus EUR token`,
        ].sort(),
      );
      for (const q of catalog) expect(q.query.pageSize).toBe('5000');
      // Each follow-up page carries the nextPageToken of the page before it.
      const ce = catalog.filter((q) => q.path.includes(CE) && q.query.currencyCode === 'USD');
      expect(ce[1]!.query.pageToken).toBe(Buffer.from(`skus:${CE}:USD|5`).toString('base64url'));
      expect(ce[2]!.query.pageToken).toBe(Buffer.from(`skus:${CE}:USD|10`).toString('base64url'));
      // Token + jobs.query + the 8 Catalog pages; every one counted.
      expect(seen.filter((q) => q.path === '/token' || q.path.startsWith('/bigquery')).length).toBe(2);
      expect(r.requests).toBe(seen.length);
      expect(r.requests).toBe(10);

      const stored = await store.all<{
        sku_id: string;
        usage_date: unknown;
        list_cost: unknown;
        extra: unknown;
        billing_currency: string;
      }>('SELECT sku_id, usage_date, list_cost, extra, billing_currency FROM cloud_costs ORDER BY sku_id');
      expect(stored).toHaveLength(CASES.length);
      const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
      for (const c of CASES) {
        const matches = stored.filter(
          (s) =>
            s.sku_id === c.sku &&
            day(s.usage_date) === c.day &&
            (c.tier === undefined ||
              JSON.parse(typeof s.extra === 'string' ? s.extra : JSON.stringify(s.extra)).x_ListPriceTierStart ===
                c.tier),
        );
        expect(matches, c.name).toHaveLength(1);
        const got = matches[0]!.list_cost;
        // Compared as text after removing trailing zeros only (PostgreSQL NUMERIC may keep a scale): no rounding anywhere.
        expect(got === null ? null : new Money(String(got)).toFixed(), c.name).toBe(c.list);
      }
      const extra = stored.find(
        (s) =>
          s.sku_id === 'GCS-EGRESS' &&
          JSON.parse(String(typeof s.extra === 'string' ? s.extra : JSON.stringify(s.extra))).x_ListPriceTierStart ===
            '1024' &&
          day(s.usage_date) === '2026-07-02',
      )!;
      expect(JSON.parse(typeof extra.extra === 'string' ? extra.extra : JSON.stringify(extra.extra))).toMatchObject({
        ListUnitPrice: '0.11',
        x_ListPriceTierStart: '1024',
      });

      // The list metric sums ListCost per currency to the decimal sum of the expected values.
      const list = await summarise(store, { by: 'provider', metric: 'list', window: WINDOW });
      const expectUsd = CASES.filter((c) => c.list !== null && c.rows[0]!.currency === 'USD').reduce(
        (t, c) => t.plus(c.list!),
        new Money(0),
      );
      expect(list.total.byCurrency).toEqual({ USD: expectUsd.toFixed(), EUR: '0.145956965' });
      const billed = await summarise(store, { by: 'provider', metric: 'billed', window: WINDOW });
      expect(billed.total.byCurrency.USD).toBe(sumBilled(ROWS.filter((x) => x.currency === 'USD')).toFixed());

      expect(r.warnings).toEqual([
        `no list prices for service ${VERTEX} (404 NOT_FOUND: Service services/${VERTEX} not found.)`,
        '3 rows without ListCost (1 SKU not in the Catalog, 1 pricing unit differs from the Catalog)',
      ]);
    });
  });
});

describe('GCP list prices degrade, through the CLI', () => {
  let fake: FakeGcp;
  let home: TempHome;
  beforeAll(async () => {
    fake = await startFakeGcp({
      publicKeyPem: PUBLIC_PEM,
      clientEmail: EMAIL,
      table: TABLE,
      rows: ROWS,
      pageSize: 100,
      catalog: CATALOG,
    });
    home = tempHome();
  });
  afterAll(async () => {
    await fake?.close();
    home?.cleanup();
  });
  const ingest = ['costs', 'ingest', '--gcp', '--from', WINDOW.from, '--to', '2026-07-04'];

  it('a Catalog that answers 403 PERMISSION_DENIED: the ingest succeeds, ListCost empty, one request, a warning', async () => {
    fake.refuseCatalog(true);
    try {
      const start = fake.requests.length;
      const j = await runOco([...ingest, '--json'], { home: home.path, env: gcpEnv(fake), timeoutMs: 60_000 });
      expect(ownStderr(j.stderr)).toBe('');
      expect(j.code).toBe(0);
      const out = j.json().providers[0];
      expect(out.status).toBe('succeeded');
      const catalog = fake.requests.slice(start).filter((q) => q.path.startsWith('/v1/services'));
      // Refused once: no further service is asked.
      expect(catalog.map((q) => q.status)).toEqual([403]);
      expect(out.requests).toBe(3);
      expect(out.warnings).toHaveLength(1);
      expect(out.warnings[0]).toMatch(
        /^list prices unavailable: Cloud Billing Catalog API 403 PERMISSION_DENIED: Cloud Billing API has not been used in project 123456789012 before or it is disabled\..*; ListCost left empty on 12 rows$/,
      );

      const text = await runOco(ingest, { home: home.path, env: gcpEnv(fake), timeoutMs: 60_000 });
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('succeeded');
      expect(ownStderr(text.stderr)).toContain('Warning: gcp: list prices unavailable: Cloud Billing Catalog API 403');

      const db = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
      try {
        const counts = await db.get<{ n: unknown; priced: unknown }>(
          'SELECT COUNT(*) AS n, COUNT(list_cost) AS priced FROM cloud_costs',
        );
        expect({ n: Number(counts!.n), priced: Number(counts!.priced) }).toEqual({ n: 12, priced: 0 });
      } finally {
        await db.close();
      }
      const billed = (
        await runOco(['costs', 'summary', '--by', 'provider', '--metric', 'billed', '--json'], { home: home.path })
      ).json();
      const inWindow = ROWS.filter((x) => x.usage_start_time < '2026-07-05');
      expect(billed.total.byCurrency).toEqual({
        USD: sumBilled(inWindow.filter((x) => x.currency === 'USD')).toFixed(),
        EUR: sumBilled(inWindow.filter((x) => x.currency === 'EUR')).toFixed(),
      });
      const runs = (await runOco(['costs', 'runs', '--json'], { home: home.path })).json();
      expect(JSON.stringify(runs)).toContain('PERMISSION_DENIED');
    } finally {
      fake.refuseCatalog(false);
    }
  });

  it('an unreachable Catalog endpoint: the ingest succeeds with a warning', async () => {
    const j = await runOco([...ingest, '--json'], {
      home: home.path,
      env: gcpEnv(fake, { OCO_GCP_BILLING_ENDPOINT: 'http://127.0.0.1:9' }),
      timeoutMs: 60_000,
    });
    expect(j.code).toBe(0);
    const out = j.json().providers[0];
    expect(out.status).toBe('succeeded');
    expect(out.warnings).toEqual([
      'list prices unavailable: Cloud Billing Catalog API unreachable: cannot connect: ECONNREFUSED; ListCost left empty on 12 rows',
    ]);
  });

  it('with the Catalog answering, the CLI run fills ListCost; neither the key nor a bearer token reaches the database or the output', async () => {
    const r = await runOco([...ingest, '--json'], { home: home.path, env: gcpEnv(fake), timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const list = (
      await runOco(['costs', 'summary', '--by', 'service', '--metric', 'list', '--json'], { home: home.path })
    ).json();
    const storage = list.rows.find((x: { key: string }) => x.key === 'Cloud Storage');
    expect(storage.byCurrency).toEqual({ USD: '320.68358024679' }); // 0 + 84.03 + 225.29358024679 + 11 + 0.36
    const exported = await runOco(
      ['costs', 'export', '--format', 'focus-csv', '--source', 'gcp', '--from', WINDOW.from, '--to', '2026-07-04'],
      { home: home.path },
    );
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('ListUnitPrice');
    expect(exported.stdout).toContain('225.29358024679');
    const runs = await runOco(['costs', 'runs', '--json'], { home: home.path });

    const tokens = [
      ...new Set(
        fake.requests.map((q) => q.authorization?.replace(/^Bearer /, '')).filter((t): t is string => Boolean(t)),
      ),
    ];
    expect(tokens.length).toBeGreaterThan(0);
    const dataDir = join(home.path, 'data');
    const files = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)).toString('latin1'));
    expect(files.length).toBeGreaterThan(0);
    const haystacks = [...files, r.stdout, r.stderr, exported.stdout, runs.stdout, JSON.stringify(list)];
    for (const h of haystacks) {
      expect(h).not.toContain('PRIVATE KEY');
      expect(h).not.toContain(KEY_BODY);
      for (const t of tokens) expect(h).not.toContain(t);
    }
  });
});

describe('Catalog money and tiers', () => {
  it('google.type.Money units + nanos → exact decimal text; the tier rule', () => {
    expect(moneyToDecimal({ currencyCode: 'USD', units: '12345678901', nanos: 31611000 })).toBe('12345678901.031611');
    expect(moneyToDecimal({ currencyCode: 'USD', units: '-1', nanos: -750000000 })).toBe('-1.75');
    expect(moneyToDecimal({ currencyCode: 'USD', nanos: 1 })).toBe('0.000000001');
    expect(() => moneyToDecimal({ currencyCode: 'USD', units: '1.5', nanos: 0 })).toThrow(/google.type.Money/);
    const p = {
      usageUnit: 'GiBy',
      usageUnitDescription: 'gibibyte',
      tiers: [
        { start: '0', unitPrice: '0', currency: 'USD' },
        { start: '1', unitPrice: '0.12', currency: 'USD' },
        { start: '1024', unitPrice: '0.11', currency: 'USD' },
      ],
    };
    expect(tierFor(p, null)!.start).toBe('1');
    expect(tierFor(p, '0')!.start).toBe('0');
    expect(tierFor(p, '1023.999')!.start).toBe('1');
    expect(tierFor(p, '1024')!.start).toBe('1024');
    expect(tierFor(p, '-1')).toBeUndefined();
    expect(tierFor({ ...p, tiers: [{ start: '0', unitPrice: '0', currency: 'USD' }] }, null)!.unitPrice).toBe('0');
  });
});
