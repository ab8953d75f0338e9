import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/base/money.js';
import { parseExactJson } from '../../src/core/cloud-costs/providers/azure/normalise.js';
import { AZURE_API_VERSION, azureGrouping, queryBody } from '../../src/core/cloud-costs/providers/azure/fetch.js';
import { azureQueryWindows, coverageWarning } from '../../src/core/cloud-costs/providers/azure/windows.js';
import { addDays } from '../../src/core/cloud-costs/model.js';
import { servedPeriod, startFakeAzure, type AzureRow, type FakeAzure } from '../fakes/azure/server.js';
import { makeTestTls, type TestTls } from '../fakes/azure/tls.js';
import { providerFixture } from '../fakes/aws/model.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { ownStderr } from './helpers.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';
import { BACKENDS } from '../helpers/stores.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '99999999-8888-7777-6666-555555555555';
const SECRET = 'azure~Secret.That-Must-Not-Leak';
const SUB = '00000000-0000-0000-0000-000000000000';

/** The fixture's rows (EUR, floats, a credit), then generated rows whose literals a double cannot hold. */
function actualRows(): AzureRow[] {
  const fixture = providerFixture('azure-costmanagement-query.page1.json') as {
    properties: { rows: Array<[number, number, string, string, string]> };
  };
  // The fixture went through JSON.parse; these are its literals as written in the file.
  const literals = ['12.3456789', '0.000123', '-1.5'];
  const rows: AzureRow[] = fixture.properties.rows.map((r, i) => ({
    cost: literals[i]!,
    day: r[1],
    second: r[2],
    service: r[3],
    currency: r[4],
  }));
  for (let d = 1; d <= 9; d++) {
    rows.push({
      cost: `0.10000000000000000555111512312578${d}`,
      day: 20260702 + d,
      service: 'Storage',
      second: 'rg-data',
      currency: 'EUR',
    });
    rows.push({
      cost: `1234567.8901234567890${d}`,
      day: 20260702 + d,
      service: 'Virtual Machines',
      second: 'rg-web',
      currency: 'EUR',
    });
  }
  rows.push({ cost: '1.5E-7', day: 20260705, service: 'Bandwidth', second: 'rg-web', currency: 'EUR' });
  rows.push({ cost: '300', day: 20260706, service: 'Reservations', second: 'rg-web', currency: 'EUR' }); // a purchase: billed, amortised away
  return rows;
}

function amortizedRows(): AzureRow[] {
  return [
    ...actualRows().filter((r) => r.service !== 'Reservations'),
    { cost: '9.8630136986301369863', day: 20260706, service: 'Virtual Machines', second: 'rg-web', currency: 'EUR' }, // the daily share
  ];
}

const sum = (rows: AzureRow[]) => rows.reduce((s, r) => s.plus(r.cost), new Money(0)).toFixed();

describe('Azure Cost Management ingest through the CLI', () => {
  let tls: TestTls;
  let dir: TempHome;
  let fake: FakeAzure;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    dir = tempHome();
    tls = makeTestTls(dir.path);
    fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data: { ActualCost: actualRows(), AmortizedCost: amortizedRows() },
      pageSize: 7,
      faults: [
        {
          atCall: 2,
          status: 429,
          headers: {
            'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '1',
            'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '2',
          },
        },
      ],
    });
    if (pgAvailable()) db = await createTestDatabase();
  });
  afterAll(async () => {
    await fake?.close();
    await db?.drop();
    dir?.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({
    NODE_EXTRA_CA_CERTS: tls.caFile,
    AZURE_AUTHORITY_HOST: fake.url,
    OCO_AZURE_ARM_ENDPOINT: fake.url,
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT,
    AZURE_CLIENT_SECRET: SECRET,
    AZURE_SUBSCRIPTION_ID: SUB,
    ...extra,
  });

  it('keeps number literals exact where JSON.parse would not', () => {
    const parsed = parseExactJson('{"rows":[[0.100000000000000005551115123125783,20260701]]}') as { rows: string[][] };
    expect(parsed.rows[0]).toEqual(['0.100000000000000005551115123125783', '20260701']);
    expect(String(JSON.parse('0.100000000000000005551115123125783'))).toBe('0.1');
  });

  it.each([['sqlite'], ['postgres']])(
    'follows nextLink, waits the longest retry-after on 429, and sums exactly (%s)',
    async (engine) => {
      if (engine === 'postgres' && !db) return;
      const home = tempHome();
      try {
        const dbEnv = engine === 'postgres' ? { DATABASE_URL: db!.url } : {};
        const start = fake.requests.length;
        const args = [
          'costs',
          'ingest',
          '--azure',
          '--azure-group-by',
          'resource-group',
          '--from',
          '2026-07-01',
          '--to',
          '2026-07-31',
          '--json',
        ];
        const r = await runOco(args, { home: home.path, env: { ...env(), ...dbEnv }, timeoutMs: 60_000 });
        expect(ownStderr(r.stderr)).toBe('');
        expect(r.code).toBe(0);
        const out = r.json();
        const queries = fake.requests.slice(start).filter((q) => q.path.endsWith('/query'));
        // 23 ActualCost rows (4 pages of 7) and 23 AmortizedCost rows merge into 23 day × service × group rows:
        // the reservation purchase is only billed, the amortised share lands on an existing VM row.
        expect(out.providers[0]).toMatchObject({ provider: 'azure', status: 'succeeded', rows: 23 });
        expect(out.providers[0].requests).toBe(queries.length);
        expect(queries[0]!.body).toMatchObject({
          type: 'ActualCost',
          timeframe: 'Custom',
          timePeriod: { from: '2026-07-01T00:00:00Z', to: '2026-07-31T23:59:59Z' },
          dataset: {
            granularity: 'Daily',
            aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
            grouping: [
              { type: 'Dimension', name: 'ServiceName' },
              { type: 'Dimension', name: 'ResourceGroupName' },
            ],
          },
        });
        if (engine === 'sqlite') {
          const throttled = queries.findIndex((q) => q.status === 429);
          expect(throttled).toBe(1);
          // The longest of the retry-after headers (2 s), not the first (1 s).
          expect(queries[throttled + 1]!.at - queries[throttled]!.at).toBeGreaterThanOrEqual(1900);
        }
        const billed = (
          await runOco(['costs', 'summary', '--by', 'service', '--metric', 'billed', '--json'], {
            home: home.path,
            env: dbEnv,
          })
        ).json();
        expect(billed.total.byCurrency).toEqual({ EUR: sum(actualRows()) });
        expect(billed.total.costUsd).toBeNull();
        expect(billed.missingRates).toEqual(['EUR']);
        const eff = (
          await runOco(['costs', 'summary', '--by', 'service', '--json'], { home: home.path, env: dbEnv })
        ).json();
        expect(eff.total.byCurrency).toEqual({ EUR: sum(amortizedRows()) });
        const reservations = eff.rows.find((x: { key: string }) => x.key === 'Reservations');
        expect(reservations.byCurrency.EUR).toBe('0');
        expect(billed.rows.find((x: { key: string }) => x.key === 'Reservations').byCurrency.EUR).toBe('300');
        await runOco(['costs', 'rates', 'set', 'EUR', '1.08'], { home: home.path, env: dbEnv });
        const usd = (
          await runOco(['costs', 'summary', '--by', 'provider', '--metric', 'billed', '--json'], {
            home: home.path,
            env: dbEnv,
          })
        ).json();
        expect(usd.total.costUsd).toBe(new Money(sum(actualRows())).times('1.08').toFixed());
        expect(r.stdout).not.toContain(SECRET);
      } finally {
        home.cleanup();
      }
    },
  );

  it('--dry-run plans one query per cost type and month-long period, and makes none', async () => {
    const home = tempHome();
    try {
      const before = fake.requests.length;
      const r = await runOco(
        ['costs', 'ingest', '--azure', '--from', '2026-10-12', '--to', '2026-11-26', '--dry-run', '--json'],
        { home: home.path, env: env() },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(
        r
          .json()
          .providers[0].plan.map((p: { window: { from: string; to: string }; detail: string }) => [
            p.window.from,
            p.window.to,
            p.detail.split(',')[0],
          ]),
      ).toEqual([
        ['2026-10-12', '2026-10-27', 'ActualCost'],
        ['2026-10-12', '2026-10-27', 'AmortizedCost'],
        ['2026-10-27', '2026-11-27', 'ActualCost'],
        ['2026-10-27', '2026-11-27', 'AmortizedCost'],
      ]);
      expect(fake.requests.length).toBe(before);
    } finally {
      home.cleanup();
    }
  });

  it('shows the sign-in error code and message and never the secret (exit 1)', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure', '--from', '2026-07-01', '--to', '2026-07-02'], {
        home: home.path,
        env: env({ AZURE_CLIENT_SECRET: 'wrong-secret-value' }),
        timeoutMs: 60_000,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'Azure sign-in failed: invalid_client: AADSTS7000215: Invalid client secret provided.',
      );
      expect(r.stderr + r.stdout).not.toContain('wrong-secret-value');
    } finally {
      home.cleanup();
    }
  });

  it('names the variables to set when Azure is not configured (exit 2)', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure'], {
        home: home.path,
        env: { AZURE_SUBSCRIPTION_ID: SUB, HOME: home.path },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; or az login; or AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential',
      );
    } finally {
      home.cleanup();
    }
  });

  it('checks the credential in "costs sources" without querying costs', async () => {
    const home = tempHome();
    try {
      const before = fake.requests.filter((q) => q.path.endsWith('/query')).length;
      const r = await runOco(['costs', 'sources', '--json'], { home: home.path, env: { ...env(), HOME: home.path } });
      expect(r.code).toBe(0);
      const azure = r.json().sources.find((s: { provider: string }) => s.provider === 'azure');
      expect(azure).toMatchObject({
        configured: true,
        check: { ok: true, identity: `client ${CLIENT}, scope /subscriptions/${SUB}` },
      });
      expect(r.json().sources.find((s: { provider: string }) => s.provider === 'aws')).toMatchObject({
        configured: false,
        missing:
          'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or a default profile in ~/.aws/credentials)',
      });
      expect(fake.requests.filter((q) => q.path.endsWith('/query')).length).toBe(before);
    } finally {
      home.cleanup();
    }
  });
});

/**
 * az login: DefaultAzureCredential's AzureCliCredential runs `az account get-access-token`.
 * A stand-in `az` on PATH prints what the real one prints (JSON with accessToken and
 * expires_on) for a token the fake ARM accepts, so the CLI path runs for real.
 */
describe('Azure through an Azure CLI login', () => {
  let dir: TempHome;
  let tls: TestTls;
  let fake: FakeAzure;
  beforeAll(async () => {
    dir = tempHome();
    tls = makeTestTls(dir.path);
    fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data: { ActualCost: actualRows(), AmortizedCost: amortizedRows() },
      pageSize: 50,
    });
    mkdirSync(join(dir.path, '.azure'));
    writeFileSync(
      join(dir.path, '.azure', 'azureProfile.json'),
      JSON.stringify({
        subscriptions: [
          { id: SUB, isDefault: true, tenantId: TENANT, user: { name: 'dev@example.com', type: 'user' } },
        ],
      }),
    );
    mkdirSync(join(dir.path, 'bin'));
    const token = fake.issueToken();
    writeFileSync(
      join(dir.path, 'bin', 'az'),
      `#!/bin/sh\necho "$@" >> "${join(dir.path, 'az-calls')}"\nprintf '%s' '${JSON.stringify({ accessToken: token, expiresOn: '2099-01-01 00:00:00.000000', expires_on: 4070908800, subscription: SUB, tenant: TENANT, tokenType: 'Bearer' })}'\n`,
      { mode: 0o755 },
    );
  });
  afterAll(async () => {
    await fake?.close();
    dir?.cleanup();
  });

  const env = () => ({
    HOME: dir.path,
    PATH: `${join(dir.path, 'bin')}:${process.env.PATH}`,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    OCO_AZURE_ARM_ENDPOINT: fake.url,
    AZURE_SUBSCRIPTION_ID: SUB,
    // only the CLI credential: the managed-identity probe of the default chain would leave loopback
    AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
  });

  it('counts an az login as configured (no service principal variables)', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'sources', '--json', '--no-check'], {
        home: home.path,
        env: { ...env(), AZURE_TOKEN_CREDENTIALS: undefined },
      });
      expect(r.json().sources.find((s: { provider: string }) => s.provider === 'azure')).toMatchObject({
        configured: true,
        via: `Azure CLI login (az login), scope /subscriptions/${SUB}`,
      });
    } finally {
      home.cleanup();
    }
  });

  it('ingests with the token the Azure CLI hands out', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure', '--from', '2026-07-01', '--to', '2026-07-03', '--json'], {
        home: home.path,
        env: env(),
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().providers[0]).toMatchObject({ provider: 'azure', status: 'succeeded' });
      expect(r.json().rows).toBeGreaterThan(0);
      expect(readFileSync(join(dir.path, 'az-calls'), 'utf8')).toContain('account get-access-token');
      expect(fake.tokensIssued).toBe(0); // no client-credentials sign-in happened
    } finally {
      home.cleanup();
    }
  });
});

/**
 * Windows longer than the one month a Daily query serves. Generated rows for every day of
 * 2026 so far: three services × two resource groups a day, literals with more digits than a
 * double holds, a credit now and then; amortised cost differs from billed.
 */
function yearRows(seed: number): Record<'ActualCost' | 'AmortizedCost', AzureRow[]> {
  let s = seed;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 4294967296) * n);
  };
  const services = ['Virtual Machines', 'Storage', 'Azure Cosmos DB'];
  const groups = ['rg-web', 'rg-data'];
  const actual: AzureRow[] = [];
  const amortized: AzureRow[] = [];
  for (let d = Date.parse('2026-01-01T00:00:00Z'); d < Date.parse('2026-12-01T00:00:00Z'); d += 86_400_000) {
    const day = Number(new Date(d).toISOString().slice(0, 10).replace(/-/g, ''));
    for (const service of services) {
      for (const second of groups) {
        const cost = `${rnd(40) === 0 ? '-' : ''}${rnd(900)}.${String(rnd(1e9)).padStart(9, '0')}${String(rnd(1e9)).padStart(9, '0')}`;
        actual.push({ cost, day, service, second, currency: 'USD' });
        amortized.push({ cost: new Money(cost).times('0.97').toFixed(), day, service, second, currency: 'USD' });
      }
    }
  }
  return { ActualCost: actual, AmortizedCost: amortized };
}

const asDay = (n: number) => `${String(n).slice(0, 4)}-${String(n).slice(4, 6)}-${String(n).slice(6, 8)}`;

/** Exact expected sums of the rows inside [from, to] (inclusive days), by a key of the row. */
function expectedBy(rows: AzureRow[], from: string, to: string, key: (r: AzureRow) => string): Record<string, string> {
  const sums = new Map<string, Money>();
  for (const r of rows) {
    const day = asDay(r.day);
    if (day < from || day > to) continue;
    sums.set(key(r), (sums.get(key(r)) ?? new Money(0)).plus(r.cost));
  }
  return Object.fromEntries([...sums].map(([k, v]) => [k, v.toFixed()]));
}

const byKey = (summary: { rows: Array<{ key: string; byCurrency: Record<string, string> }> }) =>
  Object.fromEntries(summary.rows.map((r) => [r.key, r.byCurrency.USD]));

/** The 46-day window of the issue, and a 95-day one whose month-long queries end in May, April, March (28 days back to February) and a short remainder. */
const LONG_WINDOWS = [
  {
    from: '2026-10-12',
    to: '2026-11-26',
    queries: [
      ['2026-10-12', '2026-10-26'],
      ['2026-10-27', '2026-11-26'],
    ],
  },
  {
    from: '2026-02-01',
    to: '2026-05-06',
    queries: [
      ['2026-02-01', '2026-02-06'],
      ['2026-02-07', '2026-03-06'],
      ['2026-03-07', '2026-04-06'],
      ['2026-04-07', '2026-05-06'],
    ],
  },
];

describe.each(BACKENDS)('Azure windows longer than a month on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let dir: TempHome;
    let tls: TestTls;
    let fake: FakeAzure;
    let dbEnv: Record<string, string> = {};
    let cleanup: (() => Promise<void>) | undefined;
    const data = yearRows(7);
    beforeAll(async () => {
      dir = tempHome();
      tls = makeTestTls(dir.path);
      fake = await startFakeAzure({
        tls,
        tenant: TENANT,
        clientId: CLIENT,
        clientSecret: SECRET,
        subscription: SUB,
        data,
        pageSize: 100,
      });
      if (backend.name === 'postgres') {
        const opened = await backend.open();
        cleanup = opened.cleanup;
        dbEnv = { DATABASE_URL: opened.url };
      }
    });
    afterAll(async () => {
      await fake?.close();
      await cleanup?.();
      dir?.cleanup();
    });

    const env = () => ({
      NODE_EXTRA_CA_CERTS: tls.caFile,
      AZURE_AUTHORITY_HOST: fake.url,
      OCO_AZURE_ARM_ENDPOINT: fake.url,
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_SUBSCRIPTION_ID: SUB,
      ...dbEnv,
    });

    it.each(LONG_WINDOWS.map((w) => [w.from, w.to, w] as const))(
      '%s..%s: one query per month-long window, exact per day and service, re-ingest idempotent',
      async (from, to, w) => {
        const home = tempHome();
        try {
          const args = [
            'costs',
            'ingest',
            '--azure',
            '--azure-group-by',
            'resource-group',
            '--from',
            from,
            '--to',
            to,
            '--json',
          ];
          const start = fake.requests.length;
          const r = await runOco(args, { home: home.path, env: env(), timeoutMs: 120_000 });
          expect(ownStderr(r.stderr)).toBe('');
          expect(r.code).toBe(0);
          const queries = fake.requests.slice(start).filter((q) => q.path.endsWith('/query') && q.body);
          const firstPages = queries.filter(
            (q, i) => i === 0 || JSON.stringify(q.body) !== JSON.stringify(queries[i - 1]!.body),
          );
          // Each window asked for both cost types, oldest first; the service cut none of them short.
          expect(
            firstPages.map((q) => [
              q.body!.type,
              (q.body!.timePeriod as { from: string }).from,
              (q.body!.timePeriod as { to: string }).to,
            ]),
          ).toEqual(
            w.queries.flatMap(([a, b]) =>
              ['ActualCost', 'AmortizedCost'].map((type) => [type, `${a}T00:00:00Z`, `${b}T23:59:59Z`]),
            ),
          );
          for (const q of queries)
            expect(q.served).toEqual({
              from: (q.body!.timePeriod as { from: string }).from.slice(0, 10),
              to: (q.body!.timePeriod as { to: string }).to.slice(0, 10),
            });
          const rows = data.ActualCost.filter((x) => asDay(x.day) >= from && asDay(x.day) <= to).length;
          expect(r.json().providers[0]).toMatchObject({
            provider: 'azure',
            status: 'succeeded',
            rows,
            window: { from, to: new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) },
          });
          expect(r.json().providers[0].warnings).toBeUndefined();

          const check = async () => {
            const summary = (by: string, metric: string) =>
              runOco(['costs', 'summary', '--by', by, '--metric', metric, '--from', from, '--to', to, '--json'], {
                home: home.path,
                env: dbEnv,
              }).then((x) => x.json());
            const perDay = await summary('day', 'billed');
            expect(perDay.rows).toHaveLength(
              w.queries.reduce((n, [a, b]) => n + (Date.parse(b!) - Date.parse(a!)) / 86_400_000 + 1, 0),
            );
            expect(byKey(perDay)).toEqual(expectedBy(data.ActualCost, from, to, (x) => asDay(x.day)));
            expect(perDay.total).toMatchObject({
              rows,
              byCurrency: { USD: expectedBy(data.ActualCost, from, to, () => 'all').all },
            });
            expect(byKey(await summary('service', 'billed'))).toEqual(
              expectedBy(data.ActualCost, from, to, (x) => x.service),
            );
            expect(byKey(await summary('service', 'effective'))).toEqual(
              expectedBy(data.AmortizedCost, from, to, (x) => x.service),
            );
          };
          await check();
          // The same window again: every window's rows replaced in one transaction, none doubled.
          const again = await runOco(args, { home: home.path, env: env(), timeoutMs: 120_000 });
          expect(again.code, again.stderr).toBe(0);
          expect(again.json().providers[0]).toMatchObject({ status: 'succeeded', rows });
          await check();
        } finally {
          home.cleanup();
        }
      },
    );
  });
});

describe('the fake Query API cuts long Daily periods as the service does', () => {
  let dir: TempHome;
  let tls: TestTls;
  let fake: FakeAzure;
  const data = yearRows(3);
  beforeAll(async () => {
    dir = tempHome();
    tls = makeTestTls(dir.path);
    fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data,
      pageSize: 5000,
    });
  });
  afterAll(async () => {
    await fake?.close();
    dir?.cleanup();
  });

  /** One POST over HTTPS trusting the throwaway CA: what a client asking once for the whole window gets. */
  const post = (body: object) =>
    new Promise<{ status: number; text: string }>((done, fail) => {
      const req = httpsRequest(
        `${fake.url}/subscriptions/${SUB}/providers/Microsoft.CostManagement/query?api-version=${AZURE_API_VERSION}`,
        {
          method: 'POST',
          ca: readFileSync(tls.caFile),
          headers: { authorization: `Bearer ${fake.issueToken()}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (text += c))
            .on('end', () => done({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', fail);
      req.end(JSON.stringify(body));
    });

  it('answers a 46-day query with its last 31 days and no error, so one query for the whole window loses the rest', async () => {
    const r = await post(
      queryBody('ActualCost', { from: '2026-10-12', to: '2026-11-27' }, azureGrouping('resource-group')),
    );
    expect(r.status).toBe(200);
    const days = new Set((JSON.parse(r.text).properties.rows as unknown[][]).map((x) => x[1]));
    expect(Math.min(...(days as Set<number>))).toBe(20261027);
    expect(Math.max(...(days as Set<number>))).toBe(20261126);
    expect(days.size).toBe(31);
    expect(fake.requests.at(-1)!.served).toEqual({ from: '2026-10-27', to: '2026-11-26' });
  });

  it('counts the month back by the calendar: a period ending 2026-03-06 keeps 28 days', async () => {
    const r = await post(
      queryBody('ActualCost', { from: '2026-02-01', to: '2026-03-07' }, azureGrouping('resource-group')),
    );
    expect(r.status).toBe(200);
    expect(fake.requests.at(-1)!.served).toEqual({ from: '2026-02-07', to: '2026-03-06' });
    expect(azureQueryWindows({ from: '2026-02-01', to: '2026-03-07' })).toEqual([
      { from: '2026-02-01', to: '2026-02-07' },
      { from: '2026-02-07', to: '2026-03-07' },
    ]);
  });

  it('refuses a period over 37 months with HTTP 400', async () => {
    const r = await post(
      queryBody('ActualCost', { from: '2022-01-01', to: '2026-03-01' }, azureGrouping('resource-group')),
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toContain('37 months');
  });
});

describe('Azure answers shorter than asked', () => {
  let dir: TempHome;
  let tls: TestTls;
  let fake: FakeAzure;
  const data = yearRows(5);
  beforeAll(async () => {
    dir = tempHome();
    tls = makeTestTls(dir.path);
    // A service that cuts Daily periods to 20 days, harder than documented: oco must say so.
    fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data,
      pageSize: 500,
      dailyLimitDays: 20,
    });
  });
  afterAll(async () => {
    await fake?.close();
    dir?.cleanup();
  });

  it('warns in the output and the run record which days came back without rows', async () => {
    const home = tempHome();
    try {
      const env = {
        NODE_EXTRA_CA_CERTS: tls.caFile,
        AZURE_AUTHORITY_HOST: fake.url,
        OCO_AZURE_ARM_ENDPOINT: fake.url,
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_CLIENT_SECRET: SECRET,
        AZURE_SUBSCRIPTION_ID: SUB,
      };
      const args = ['costs', 'ingest', '--azure', '--from', '2026-10-12', '--to', '2026-11-26'];
      const r = await runOco([...args, '--json'], { home: home.path, env, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      // The first query (15 days) fits in 20 and is whole; the second lost its first 11 days.
      const warning =
        'Cost Management answered the query for 2026-10-27..2026-11-26 without rows for 11 of its 31 days: 2026-10-27..2026-11-06 (rows start 2026-11-07). If the scope had costs on those days they are missing here, not zero: re-run that range.';
      expect(r.json().providers[0].warnings).toEqual([warning]);
      const runs = (await runOco(['costs', 'runs', '--json'], { home: home.path })).json();
      expect(runs.runs[0].details.warnings).toEqual([warning]);
      const text = await runOco(args, { home: home.path, env, timeoutMs: 120_000 });
      expect(text.code).toBe(0);
      // oclif wraps long warnings at the terminal width, each line led by " › ".
      expect(text.stderr.replace(/\s*\n\s*›\s*/g, ' ')).toContain(`Warning: azure: ${warning}`);
    } finally {
      home.cleanup();
    }
  });
});

describe('Azure query windows and the completeness check', () => {
  it.each([
    // [from, to) → the windows asked, oldest first
    [{ from: '2026-07-01', to: '2026-08-01' }, [['2026-07-01', '2026-08-01']]],
    [
      { from: '2026-07-01', to: '2026-08-02' },
      [
        ['2026-07-01', '2026-07-02'],
        ['2026-07-02', '2026-08-02'],
      ],
    ],
    [{ from: '2026-03-01', to: '2026-04-01' }, [['2026-03-01', '2026-04-01']]],
    [
      { from: '2026-02-01', to: '2026-03-31' },
      [
        ['2026-02-01', '2026-03-01'],
        ['2026-03-01', '2026-03-31'],
      ],
    ],
    [
      { from: '2024-02-28', to: '2024-03-30' },
      [
        ['2024-02-28', '2024-03-01'],
        ['2024-03-01', '2024-03-30'],
      ],
    ],
    [{ from: '2026-11-26', to: '2026-11-27' }, [['2026-11-26', '2026-11-27']]],
  ])('splits %j into periods the service answers whole', (window, expected) => {
    const parts = azureQueryWindows(window);
    expect(parts.map((p) => [p.from, p.to])).toEqual(expected);
    // Each part is what the service keeps of it: the rule applied to its own end leaves its start alone.
    for (const p of parts)
      expect(servedPeriod(p.from, addDays(p.to, -1), '2099-01-01')).toEqual({ from: p.from, to: addDays(p.to, -1) });
  });

  const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => addDays(from, i));
  it('says nothing for a whole answer, an empty one, or days not processed yet at the end', () => {
    const asked = { from: '2026-10-01', to: '2026-10-11' };
    expect(coverageWarning(asked, days('2026-10-01', 10))).toBeUndefined();
    expect(coverageWarning(asked, [])).toBeUndefined();
    expect(coverageWarning(asked, days('2026-10-01', 8))).toBeUndefined();
  });

  it('names a late start and the holes between days with rows', () => {
    const asked = { from: '2026-10-01', to: '2026-10-11' };
    expect(coverageWarning(asked, days('2026-10-04', 7))).toBe(
      'Cost Management answered the query for 2026-10-01..2026-10-10 without rows for 3 of its 10 days: 2026-10-01..2026-10-03 (rows start 2026-10-04). If the scope had costs on those days they are missing here, not zero: re-run that range.',
    );
    expect(
      coverageWarning(asked, ['2026-10-01', '2026-10-03', '2026-10-05', '2026-10-07', '2026-10-09', '2026-10-10']),
    ).toBe(
      'Cost Management answered the query for 2026-10-01..2026-10-10 without rows for 4 of its 10 days: 2026-10-02, 2026-10-04, 2026-10-06 and 1 more. If the scope had costs on those days they are missing here, not zero: re-run that range.',
    );
  });
});
