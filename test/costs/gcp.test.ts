import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/base/money.js';
import { startFakeGcp, type CatalogSku, type ExportRow, type FakeCatalog, type FakeGcp } from '../fakes/gcp/server.js';
import { providerFixture } from '../fakes/aws/model.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { ownStderr } from './helpers.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';

const TABLE = 'acme-billing.billing_export.gcp_billing_export_resource_v1_000000_AAAAAA_BBBBBB';
const EMAIL = 'oco-ingest@acme-billing.iam.gserviceaccount.com';

/** The fixture row (floats as their literals), then generated rows over several days, projects and services, some loaded late. */
function exportRows(): ExportRow[] {
  const f = (providerFixture('gcp-billing-export-rows.json') as Array<Record<string, any>>)[0]!;
  const rows: ExportRow[] = [
    {
      billing_account_id: f.billing_account_id,
      service: f.service,
      sku: f.sku,
      usage_start_time: f.usage_start_time,
      project: f.project,
      labels: f.labels,
      location: f.location,
      resource: f.resource,
      cost: '0.1234',
      currency: f.currency,
      usage: { amount_in_pricing_units: '1', pricing_unit: f.usage.pricing_unit },
      credits: [{ amount: '-0.0123' }],
    },
  ];
  const services = ['Compute Engine', 'Cloud Storage', 'BigQuery', 'Cloud Run', 'Vertex AI Brand New'];
  let s = 5;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 4294967296) * n);
  };
  for (let i = 0; i < 400; i++) {
    const day = `2026-07-0${1 + (i % 5)}`;
    const svc = services[i % services.length]!;
    rows.push({
      billing_account_id: f.billing_account_id,
      service: { id: `svc-${i % 5}`, description: svc },
      sku: { id: `sku-${i % 7}`, description: 'x' },
      usage_start_time: `${day}T${String(i % 24).padStart(2, '0')}:00:00Z`,
      project: { id: `proj-${i % 3}`, name: `Project ${i % 3}` },
      labels: i % 4 === 0 ? [] : [{ key: 'team', value: ['payments', 'search', 'platform'][i % 3]! }],
      location: { region: 'europe-west1' },
      resource: {
        name: `vm-${i % 11}`,
        global_name: `//compute.googleapis.com/projects/proj-${i % 3}/zones/europe-west1-b/instances/${i % 11}`,
      },
      // FLOAT64 values as the export holds them (shortest round-trip literals with 15 to 17 significant digits).
      cost: String(rnd(9e8) / 7e6),
      currency: 'USD',
      usage: { amount_in_pricing_units: String(rnd(10)), pricing_unit: 'hour' },
      credits: rnd(3) === 0 ? [{ amount: String(-rnd(1e9) / 3e12) }, { amount: '-0.000001' }] : [],
      // Every ninth line loaded a week after its usage: still in the window's totals.
      ...(i % 9 === 0 ? { partition: '2026-07-09' } : {}),
    });
  }
  return rows;
}

/** A Catalog SKU priced per hour; tiers as [startUsageAmount, unit price]. */
function hourSku(service: string, id: string, tiers: Array<[number, string]>): CatalogSku {
  return {
    name: `services/${service}/skus/${id}`,
    skuId: id,
    description: id,
    category: { serviceDisplayName: service, resourceFamily: 'Compute', resourceGroup: 'CPU', usageType: 'OnDemand' },
    serviceRegions: ['europe-west1'],
    pricingInfo: [
      {
        effectiveTime: '2026-11-21T08:00:00.000Z',
        summary: '',
        pricingExpression: {
          usageUnit: 'h',
          usageUnitDescription: 'hour',
          baseUnit: 's',
          baseUnitDescription: 'second',
          baseUnitConversionFactor: 3600,
          displayQuantity: 1,
          tieredRates: tiers.map(([start, price]) => ({
            startUsageAmount: start,
            unitPrice: {
              currencyCode: 'USD',
              units: price.split('.')[0]!,
              nanos: Number((price.split('.')[1] ?? '').padEnd(9, '0')),
            },
          })),
        },
        currencyConversionRate: 1,
      },
    ],
    serviceProviderName: 'Google',
  };
}

/**
 * List prices for the generated rows: svc-0..svc-3 list sku-0..sku-6 (nine-digit prices; sku-0
 * has a free first tier, so the first non-zero tier prices it), svc-4 is not in the Catalog.
 */
const price = (svc: number, sku: number) => `0.0${svc}${sku}345678`;
const CATALOG: FakeCatalog = {
  services: [
    { serviceId: '6F81-5844-456A', displayName: 'Compute Engine' },
    ...[0, 1, 2, 3].map((i) => ({ serviceId: `svc-${i}`, displayName: `svc ${i}` })),
  ],
  skus: {
    '6F81-5844-456A': [hourSku('6F81-5844-456A', '0000-1111-2222', [[0, '0.15']])],
    ...Object.fromEntries(
      [0, 1, 2, 3].map((i) => [
        `svc-${i}`,
        Array.from({ length: 7 }, (_, k) =>
          hourSku(
            `svc-${i}`,
            `sku-${k}`,
            k === 0
              ? [
                  [0, '0'],
                  [100, price(i, k)],
                ]
              : [[0, price(i, k)]],
          ),
        ),
      ]),
    ),
  },
  pageSize: 3,
};

describe('GCP billing export ingest through the CLI', () => {
  let fake: FakeGcp;
  let home: TempHome;
  let db: TestDatabase | undefined;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rows = exportRows();
  let keyJson: string;

  beforeAll(async () => {
    fake = await startFakeGcp({
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      clientEmail: EMAIL,
      table: TABLE,
      rows,
      pageSize: 100,
      catalog: CATALOG,
      requirePartitionFilter: true,
    });
    keyJson = JSON.stringify({
      type: 'service_account',
      project_id: 'acme-billing',
      private_key_id: 'k1',
      private_key: privatePem,
      client_email: EMAIL,
      token_uri: `${fake.url}/token`,
    });
    home = tempHome();
    if (pgAvailable()) db = await createTestDatabase();
  });
  afterAll(async () => {
    await fake?.close();
    await db?.drop();
    home?.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({
    GCP_CREDENTIALS_JSON: keyJson,
    OCO_GCP_BILLING_TABLE: TABLE,
    OCO_GCP_BIGQUERY_ENDPOINT: fake.url,
    OCO_GCP_BILLING_ENDPOINT: fake.url,
    ...extra,
  });

  it('"costs sources" signs in and reads the billing account and its projects from Cloud Billing, no cost query', async () => {
    const start = fake.requests.length;
    const r = await runOco(['costs', 'sources', '--json'], { home: home.path, env: env() });
    expect(r.code).toBe(0);
    const gcp = r.json().sources.find((s: { provider: string }) => s.provider === 'gcp');
    expect(gcp.check).toEqual({
      ok: true,
      identity: `${EMAIL} (GCP_CREDENTIALS_JSON), table ${TABLE}, billingAccounts/000000-AAAAAA-BBBBBB (4 projects)`,
    });
    const paths = fake.requests.slice(start).map((q) => q.path);
    expect(paths).toEqual([
      '/token',
      '/v1/projects/acme-billing/billingInfo',
      '/v1/billingAccounts/000000-AAAAAA-BBBBBB/projects',
    ]);
  });

  it.each([['sqlite'], ['postgres']])(
    'pages through jobs.query + getQueryResults, net = cost + credits, exact (%s)',
    async (engine) => {
      if (engine === 'postgres' && !db) return;
      const h = tempHome();
      try {
        const dbEnv = engine === 'postgres' ? { DATABASE_URL: db!.url } : {};
        const start = fake.requests.length;
        const r = await runOco(['costs', 'ingest', '--gcp', '--from', '2026-07-01', '--to', '2026-07-05', '--json'], {
          home: h.path,
          env: { ...env(), ...dbEnv },
          timeoutMs: 60_000,
        });
        expect(ownStderr(r.stderr)).toBe('');
        expect(r.code).toBe(0);
        const seen = fake.requests.slice(start);
        const out = r.json().providers[0];
        // Pages of 100 rows: the first comes with jobs.query, the rest from getQueryResults with the pageToken.
        const gets = Math.ceil(out.rows / 100) - 1;
        expect(gets).toBeGreaterThanOrEqual(3);
        const bigquery = seen.filter((q) => !q.path.startsWith('/v1/services'));
        expect(bigquery.map((q) => `${q.method} ${q.path.replace(/job_\w+/, 'JOB')}`)).toEqual([
          'POST /token',
          'POST /bigquery/v2/projects/acme-billing/queries',
          ...Array(gets).fill('GET /bigquery/v2/projects/acme-billing/queries/JOB'),
        ]);
        // List prices: Compute Engine 1 page, svc-0..svc-3 7 SKUs in pages of 3, svc-4 a 404; each counted.
        const catalog = seen.filter((q) => q.path.startsWith('/v1/services'));
        expect(catalog).toHaveLength(1 + 4 * 3 + 1);
        expect(out).toMatchObject({ provider: 'gcp', status: 'succeeded', requests: 2 + gets + catalog.length });
        expect(out.warnings).toHaveLength(2);
        expect(out.warnings[0]).toBe(
          'no list prices for service svc-4 (404 NOT_FOUND: Service services/svc-4 not found.)',
        );
        expect(out.warnings[1]).toMatch(/^\d+ rows without ListCost$/);
        expect(out.unmappedServices).toEqual(['Vertex AI Brand New']);
        // The decimal sum of the lines' shortest round-trip decimals, to the last digit.
        const shown = (literal: string) => String(Number(literal));
        const net = rows.reduce(
          (t, x) => x.credits.reduce((u, c) => u.plus(shown(c.amount)), t.plus(shown(x.cost))),
          new Money(0),
        );
        const s = (
          await runOco(['costs', 'summary', '--by', 'account', '--metric', 'billed', '--json'], {
            home: h.path,
            env: dbEnv,
          })
        ).json();
        expect(s.total.byCurrency).toEqual({ USD: net.toFixed() });
        expect(s.rows.map((x: { key: string }) => x.key).sort()).toEqual(['acme-prod', 'proj-0', 'proj-1', 'proj-2']);
        const prod = s.rows.find((x: { key: string }) => x.key === 'acme-prod');
        expect(prod.byCurrency.USD).toBe('0.1111');
        // ListCost = hours × the SKU's first non-zero tier, summed over the priced lines: exact.
        const listed = rows
          .filter((x) => x.service.id !== 'svc-4')
          .reduce((t, x) => {
            const unit = x.service.id.startsWith('svc-')
              ? price(Number(x.service.id.slice(4)), Number(x.sku.id.slice(4)))
              : '0.15';
            return t.plus(new Money(x.usage.amount_in_pricing_units).times(unit));
          }, new Money(0));
        const list = (
          await runOco(['costs', 'summary', '--by', 'provider', '--metric', 'list', '--json'], {
            home: h.path,
            env: dbEnv,
          })
        ).json();
        expect(list.total.byCurrency).toEqual({ USD: listed.toFixed() });
        const tags = (
          await runOco(['costs', 'summary', '--by', 'tag:team', '--metric', 'billed', '--json'], {
            home: h.path,
            env: dbEnv,
          })
        ).json();
        expect(tags.rows.map((x: { key: string | null }) => x.key).sort()).toEqual(
          ['payments', 'platform', 'search', null].sort(),
        );
        const exported = await runOco(
          ['costs', 'export', '--format', 'focus-csv', '--source', 'gcp', '--from', '2026-07-01', '--to', '2026-07-01'],
          { home: h.path, env: dbEnv },
        );
        expect(exported.code).toBe(0);
        expect(exported.stdout).toContain('Google Cloud');
        expect(exported.stdout).toContain('x_Credits');
        expect(r.stdout + exported.stdout).not.toContain('PRIVATE KEY');
      } finally {
        h.cleanup();
      }
    },
  );

  it("reads the key from GOOGLE_APPLICATION_CREDENTIALS and reports a missing table with BigQuery's reason", async () => {
    const file = join(home.path, 'key.json');
    writeFileSync(file, keyJson);
    const r = await runOco(
      [
        'costs',
        'ingest',
        '--gcp',
        '--gcp-table',
        'acme-billing.billing_export.nope',
        '--from',
        '2026-07-01',
        '--to',
        '2026-07-02',
      ],
      {
        home: home.path,
        env: { GOOGLE_APPLICATION_CREDENTIALS: file, OCO_GCP_BIGQUERY_ENDPOINT: fake.url },
        timeoutMs: 60_000,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BigQuery: notFound: Not found: Table acme-billing:billing_export.nope');
    expect(r.stderr).toContain('Hint: The export table does not exist');
  });

  it('a key the token endpoint refuses: the provider message, never the key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const badKey = JSON.stringify({ ...JSON.parse(keyJson), private_key: other });
    const r = await runOco(['costs', 'ingest', '--gcp', '--from', '2026-07-01', '--to', '2026-07-02'], {
      home: home.path,
      env: env({ GCP_CREDENTIALS_JSON: badKey }),
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GCP sign-in failed: invalid_grant: Invalid JWT Signature.');
    expect(r.stderr + r.stdout).not.toContain('PRIVATE KEY');
    const missing = await runOco(['costs', 'ingest', '--gcp'], {
      home: home.path,
      env: { OCO_GCP_BILLING_TABLE: TABLE },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or GCP_CREDENTIALS_JSON not set',
    );
    const list = await runOco(['config', 'list', '--json'], { home: home.path, env: env() });
    expect(list.stdout).not.toContain('PRIVATE KEY');
  });
});
