import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/money.js';
import { parseExactJson } from '../../src/core/costs/providers/azure/normalise.js';
import { startFakeAzure, type AzureRow, type FakeAzure } from '../fakes/azure/server.js';
import { makeTestTls, type TestTls } from '../fakes/azure/tls.js';
import { providerFixture } from '../fakes/aws/model.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { ownStderr } from './helpers.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '99999999-8888-7777-6666-555555555555';
const SECRET = 'azure~Secret.That-Must-Not-Leak';
const SUB = '00000000-0000-0000-0000-000000000000';

/** The fixture's rows (EUR, floats, a credit), then generated rows whose literals a double cannot hold. */
function actualRows(): AzureRow[] {
  const fixture = providerFixture('azure-costmanagement-query.page1.json') as { properties: { rows: Array<[number, number, string, string, string]> } };
  // The fixture went through JSON.parse; these are its literals as written in the file.
  const literals = ['12.3456789', '0.000123', '-1.5'];
  const rows: AzureRow[] = fixture.properties.rows.map((r, i) => ({ cost: literals[i]!, day: r[1], second: r[2], service: r[3], currency: r[4] }));
  for (let d = 1; d <= 9; d++) {
    rows.push({ cost: `0.10000000000000000555111512312578${d}`, day: 20260702 + d, service: 'Storage', second: 'rg-data', currency: 'EUR' });
    rows.push({ cost: `1234567.8901234567890${d}`, day: 20260702 + d, service: 'Virtual Machines', second: 'rg-web', currency: 'EUR' });
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
      tls, tenant: TENANT, clientId: CLIENT, clientSecret: SECRET, subscription: SUB,
      data: { ActualCost: actualRows(), AmortizedCost: amortizedRows() }, pageSize: 7,
      faults: [{ atCall: 2, status: 429, headers: { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '1', 'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '2' } }],
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

  it.each([['sqlite'], ['postgres']])('follows nextLink, waits the longest retry-after on 429, and sums exactly (%s)', async (engine) => {
    if (engine === 'postgres' && !db) return;
    const home = tempHome();
    try {
      const dbEnv = engine === 'postgres' ? { DATABASE_URL: db!.url } : {};
      const start = fake.requests.length;
      const args = ['costs', 'ingest', '--azure', '--azure-group-by', 'resource-group', '--from', '2026-07-01', '--to', '2026-07-31', '--json'];
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
        type: 'ActualCost', timeframe: 'Custom', timePeriod: { from: '2026-07-01T00:00:00Z', to: '2026-07-31T23:59:59Z' },
        dataset: { granularity: 'Daily', aggregation: { totalCost: { name: 'Cost', function: 'Sum' } }, grouping: [{ type: 'Dimension', name: 'ServiceName' }, { type: 'Dimension', name: 'ResourceGroupName' }] },
      });
      if (engine === 'sqlite') {
        const throttled = queries.findIndex((q) => q.status === 429);
        expect(throttled).toBe(1);
        // The longest of the retry-after headers (2 s), not the first (1 s).
        expect(queries[throttled + 1]!.at - queries[throttled]!.at).toBeGreaterThanOrEqual(1900);
      }
      const billed = (await runOco(['costs', 'summary', '--by', 'service', '--metric', 'billed', '--json'], { home: home.path, env: dbEnv })).json();
      expect(billed.total.byCurrency).toEqual({ EUR: sum(actualRows()) });
      expect(billed.total.costUsd).toBeNull();
      expect(billed.missingRates).toEqual(['EUR']);
      const eff = (await runOco(['costs', 'summary', '--by', 'service', '--json'], { home: home.path, env: dbEnv })).json();
      expect(eff.total.byCurrency).toEqual({ EUR: sum(amortizedRows()) });
      const reservations = eff.rows.find((x: { key: string }) => x.key === 'Reservations');
      expect(reservations.byCurrency.EUR).toBe('0');
      expect(billed.rows.find((x: { key: string }) => x.key === 'Reservations').byCurrency.EUR).toBe('300');
      await runOco(['costs', 'rates', 'set', 'EUR', '1.08'], { home: home.path, env: dbEnv });
      const usd = (await runOco(['costs', 'summary', '--by', 'provider', '--metric', 'billed', '--json'], { home: home.path, env: dbEnv })).json();
      expect(usd.total.costUsd).toBe(new Money(sum(actualRows())).times('1.08').toFixed());
      expect(r.stdout).not.toContain(SECRET);
    } finally {
      home.cleanup();
    }
  });

  it('shows the sign-in error code and message and never the secret (exit 1)', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure', '--from', '2026-07-01', '--to', '2026-07-02'], { home: home.path, env: env({ AZURE_CLIENT_SECRET: 'wrong-secret-value' }), timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Azure sign-in failed: invalid_client: AADSTS7000215: Invalid client secret provided.');
      expect(r.stderr + r.stdout).not.toContain('wrong-secret-value');
    } finally {
      home.cleanup();
    }
  });

  it('names the variables to set when Azure is not configured (exit 2)', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure'], { home: home.path, env: { AZURE_SUBSCRIPTION_ID: SUB, HOME: home.path } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; or az login; or AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential');
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
      expect(azure).toMatchObject({ configured: true, check: { ok: true, identity: `client ${CLIENT}, scope /subscriptions/${SUB}` } });
      expect(r.json().sources.find((s: { provider: string }) => s.provider === 'aws')).toMatchObject({ configured: false, missing: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or a default profile in ~/.aws/credentials)' });
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
    fake = await startFakeAzure({ tls, tenant: TENANT, clientId: CLIENT, clientSecret: SECRET, subscription: SUB, data: { ActualCost: actualRows(), AmortizedCost: amortizedRows() }, pageSize: 50 });
    mkdirSync(join(dir.path, '.azure'));
    writeFileSync(join(dir.path, '.azure', 'azureProfile.json'), JSON.stringify({ subscriptions: [{ id: SUB, isDefault: true, tenantId: TENANT, user: { name: 'dev@example.com', type: 'user' } }] }));
    mkdirSync(join(dir.path, 'bin'));
    const token = fake.issueToken();
    writeFileSync(join(dir.path, 'bin', 'az'), `#!/bin/sh\necho "$@" >> "${join(dir.path, 'az-calls')}"\nprintf '%s' '${JSON.stringify({ accessToken: token, expiresOn: '2099-01-01 00:00:00.000000', expires_on: 4070908800, subscription: SUB, tenant: TENANT, tokenType: 'Bearer' })}'\n`, { mode: 0o755 });
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
      const r = await runOco(['costs', 'sources', '--json', '--no-check'], { home: home.path, env: { ...env(), AZURE_TOKEN_CREDENTIALS: undefined } });
      expect(r.json().sources.find((s: { provider: string }) => s.provider === 'azure')).toMatchObject({ configured: true, via: `Azure CLI login (az login), scope /subscriptions/${SUB}` });
    } finally {
      home.cleanup();
    }
  });

  it('ingests with the token the Azure CLI hands out', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'ingest', '--azure', '--from', '2026-07-01', '--to', '2026-07-03', '--json'], { home: home.path, env: env(), timeoutMs: 60_000 });
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
