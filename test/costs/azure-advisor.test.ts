/**
 * Azure Advisor cost recommendations through the real SDK (@azure/arm-advisor, its pipeline, its
 * retry policy, @azure/identity's client-credentials flow) against the local fake Entra ID + ARM.
 * The recommendations below are invented in the shape Advisor's Recommendations - List returns
 * (ResourceRecommendationBase: properties.category, impact, impactedField/Value, recommendationTypeId,
 * shortDescription, extendedProperties as strings, resourceMetadata.resourceId); the type ids are
 * the ones Advisor's cost recommendations reference documents, except the savings-plan and the
 * unrecognised ones, which are made up.
 */
import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { OcoError } from '../../src/core/base/errors.js';
import { azureProvider } from '../../src/core/cloud-costs/providers/azure/fetch.js';
import {
  ADVISOR_SOURCE,
  advisorCandidate,
  advisorConfigured,
  advisorMonthlySavings,
  createAzureRecommendations,
} from '../../src/core/cloud-costs/providers/azure/recommendations.js';
import type { Candidate } from '../../src/core/base/recommend/model.js';
import {
  parseAdvisorFilter,
  startFakeAzure,
  type AdvisorRecord,
  type AzureFault,
  type FakeAzure,
} from '../fakes/azure/server.js';
import { makeTestTls, type TestTls } from '../fakes/azure/tls.js';
import { isolatedEnv, tempHome, type TempHome } from '../helpers/cli.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '99999999-8888-7777-6666-555555555555';
const SECRET = 'azure~Advisor.Secret-That-Must-Not-Leak';
const SUB = '0f0e0d0c-0b0a-0908-0706-050403020100';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/RG-Web`;

const VM_LOW_USAGE = 'e10b1381-5f0a-47ff-8c7b-37bd13d7c974';
const VM_RESERVED = '84b1a508-fc21-49da-979e-96894f1665df';
const UNATTACHED_DISK = '48eda464-1485-4dcf-a674-d0905df5054a';
const SAVINGS_PLAN = 'aaaaaaaa-0000-4000-8000-000000000001'; // made up
const UNRECOGNISED = 'aaaaaaaa-0000-4000-8000-000000000002'; // made up

function rec(
  resourceId: string,
  guid: string,
  p: Partial<AdvisorRecord['properties']> & { category: string },
): AdvisorRecord {
  return {
    id: `${resourceId}/providers/Microsoft.Advisor/recommendations/${guid}`,
    name: guid,
    type: 'Microsoft.Advisor/recommendations',
    properties: { lastUpdated: '2026-11-30T04:12:45.1234567Z', resourceMetadata: { resourceId }, ...p },
  };
}

const lowUsage = 'Right-size or shutdown underutilized virtual machines';

/** Every category Advisor lists, in the order the service returns them; the Cost ones are marked. */
function advisorData(): AdvisorRecord[] {
  return [
    rec(`${RG_ID}/providers/Microsoft.Compute/availabilitySets/ArmAvSet`, 'rec-ha-1', {
      category: 'HighAvailability',
      impact: 'Medium',
      impactedField: 'Microsoft.Compute/availabilitySets',
      impactedValue: 'ArmAvSet',
      recommendationTypeId: 'a1a1a1a1-0000-4000-8000-00000000000a',
      shortDescription: { problem: 'This availability set is not configured for fault tolerance', solution: 'x' },
    }),
    rec(`${RG_ID}/providers/Microsoft.Compute/virtualMachines/VM-Batch-01`, 'rec-cost-shutdown', {
      category: 'Cost',
      impact: 'High',
      impactedField: 'Microsoft.Compute/virtualMachines',
      impactedValue: 'VM-Batch-01',
      recommendationTypeId: VM_LOW_USAGE,
      shortDescription: { problem: lowUsage, solution: lowUsage },
      extendedProperties: {
        recommendationType: 'Shutdown',
        currentSku: 'Standard_D4s_v3',
        targetSku: 'Shutdown',
        savingsAmount: '140.16',
        annualSavingsAmount: '1681.92',
        savingsCurrency: 'USD',
        regionId: 'eastus',
        MaxCpuP95: '1.2',
        MaxMemoryP95: '9.5',
        MaxTotalNetworkP95: '0.4',
        roleName: 'VM-Batch-01',
        subscriptionId: SUB,
      },
    }),
    rec(`${RG_ID}/providers/Microsoft.Compute/virtualMachines/vm-web-02`, 'rec-cost-resize', {
      category: 'Cost',
      impact: 'Medium',
      impactedField: 'Microsoft.Compute/virtualMachines',
      impactedValue: 'vm-web-02',
      recommendationTypeId: VM_LOW_USAGE,
      shortDescription: { problem: lowUsage, solution: lowUsage },
      extendedProperties: {
        recommendationType: 'SkuChange',
        currentSku: 'Standard_D8s_v3',
        targetSku: 'Standard_D4s_v3',
        // Digits a double cannot hold: the saving must arrive exactly as sent.
        savingsAmount: '70.0800000000000000001',
        annualSavingsAmount: '840.96',
        savingsCurrency: 'USD',
        regionId: 'eastus',
        MaxCpuP95: '4.7',
      },
    }),
    rec(`/subscriptions/${SUB}`, 'rec-sec-1', {
      category: 'Security',
      impact: 'High',
      impactedField: 'Microsoft.Subscriptions/subscriptions',
      impactedValue: SUB,
      shortDescription: { problem: 'Monitoring agent is not installed on your machines', solution: 'x' },
      extendedProperties: { savingsAmount: '999', savingsCurrency: 'USD' },
    }),
    rec(`/subscriptions/${SUB}`, 'rec-cost-ri-1', {
      category: 'Cost',
      impact: 'Medium',
      impactedField: 'Microsoft.Subscriptions/subscriptions',
      impactedValue: SUB,
      recommendationTypeId: VM_RESERVED,
      shortDescription: {
        problem: 'Consider virtual machine reserved instance to save over your on-demand costs',
        solution: 'Consider virtual machine reserved instance to save over your on-demand costs',
      },
      extendedProperties: {
        displaySKU: 'Standard_D2s_v3',
        displayQty: '3',
        term: 'P1Y',
        region: 'westeurope',
        scope: 'Single',
        lookbackPeriod: '30',
        reservedResourceType: 'VirtualMachines',
        annualSavingsAmount: '1000',
        savingsCurrency: 'EUR',
      },
    }),
    rec(`/subscriptions/${SUB}`, 'rec-cost-ri-2', {
      category: 'Cost',
      impact: 'Medium',
      impactedField: 'Microsoft.Subscriptions/subscriptions',
      impactedValue: SUB,
      recommendationTypeId: VM_RESERVED,
      shortDescription: {
        problem: 'Consider virtual machine reserved instance to save over your on-demand costs',
        solution: 'Consider virtual machine reserved instance to save over your on-demand costs',
      },
      extendedProperties: {
        displaySKU: 'Standard_E4s_v5',
        displayQty: '1',
        term: 'P3Y',
        region: 'westeurope',
        reservedResourceType: 'VirtualMachines',
        annualSavingsAmount: '1234.56',
        savingsCurrency: 'EUR',
      },
    }),
    rec(`/subscriptions/${SUB}`, 'rec-cost-sp', {
      category: 'Cost',
      impact: 'High',
      impactedField: 'Microsoft.Subscriptions/subscriptions',
      impactedValue: SUB,
      recommendationTypeId: SAVINGS_PLAN,
      shortDescription: {
        problem: 'Consider a compute savings plan to save over your on-demand costs',
        solution: 'Consider a compute savings plan to save over your on-demand costs',
      },
      extendedProperties: {
        commitmentAmount: '2.5',
        term: 'P3Y',
        lookbackPeriod: '30',
        savingsAmount: '312.5',
        annualSavingsAmount: '3750',
        savingsCurrency: 'USD',
        scope: 'Single',
      },
    }),
    rec(`${RG_ID}/providers/Microsoft.Compute/disks/Data-Disk-7`, 'rec-cost-disk', {
      category: 'Cost',
      impact: 'Low',
      impactedField: 'Microsoft.Compute/disks',
      impactedValue: 'Data-Disk-7',
      recommendationTypeId: UNATTACHED_DISK,
      shortDescription: {
        problem: "Review disks that aren't attached to a VM and evaluate if you still need the disks",
        solution: "Review disks that aren't attached to a VM and evaluate if you still need the disks",
      },
      extendedProperties: { regionId: 'eastus' },
    }),
    rec(`/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/cosmo`, 'rec-x', {
      category: 'Cost',
      impact: 'Low',
      impactedField: 'Microsoft.DocumentDB/databaseAccounts',
      impactedValue: 'cosmo',
      recommendationTypeId: UNRECOGNISED,
      shortDescription: {
        problem: 'Configure Azure Cosmos DB autoscale for variable workloads',
        solution: 'Configure Azure Cosmos DB autoscale for variable workloads',
      },
      extendedProperties: { savingsAmount: '12.5', savingsCurrency: 'USD', location: 'northeurope' },
    }),
    rec(`/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/logs`, 'rec-perf', {
      category: 'Performance',
      impact: 'Low',
      impactedField: 'Microsoft.Storage/storageAccounts',
      impactedValue: 'logs',
      shortDescription: { problem: 'Use premium storage', solution: 'x' },
    }),
  ];
}

const COST = advisorData().filter((r) => r.properties.category === 'Cost');

describe('Azure Advisor cost recommendations through @azure/arm-advisor', () => {
  let tls: TestTls;
  let dir: TempHome;

  beforeAll(() => {
    dir = tempHome();
    tls = makeTestTls(dir.path);
    // In-process clients (MSAL's and the SDK's https agents) trust the test CA beside the usual ones.
    setDefaultCACertificates([...getCACertificates('default'), readFileSync(tls.caFile, 'utf8')]);
  });
  afterAll(() => dir?.cleanup());

  async function withFake<T>(
    advisor: { pageSize: number; faults?: AzureFault[] },
    body: (fake: FakeAzure) => Promise<T>,
  ): Promise<T> {
    const fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data: { ActualCost: [], AmortizedCost: [] },
      pageSize: 10,
      advisor: { recommendations: advisorData(), ...advisor },
    });
    try {
      return await body(fake);
    } finally {
      await fake.close();
    }
  }

  const config = (fake: FakeAzure, extra: Record<string, string> = {}) =>
    OcoConfig.load({
      env: isolatedEnv({
        OCO_HOME: dir.path,
        AZURE_CONFIG_DIR: dir.path,
        AZURE_AUTHORITY_HOST: fake.url,
        OCO_AZURE_ARM_ENDPOINT: fake.url,
        AZURE_TENANT_ID: TENANT,
        AZURE_CLIENT_ID: CLIENT,
        AZURE_CLIENT_SECRET: SECRET,
        AZURE_SUBSCRIPTION_ID: SUB,
        ...extra,
      }),
    });

  const advisorRequests = (fake: FakeAzure) => fake.requests.filter((r) => /Microsoft\.Advisor/i.test(r.path));

  it('pages past a 429, sends the Cost filter, and maps every kind of recommendation', async () => {
    await withFake(
      { pageSize: 2, faults: [{ atCall: 2, status: 429, headers: { 'retry-after': '1' } }] },
      async (fake) => {
        const run = createAzureRecommendations({ config: config(fake) });
        expect(run.source).toBe(ADVISOR_SOURCE);
        expect(run.provider).toBe('azure');
        const pages: number[] = [];
        const found = await run.fetch({ onPage: (p) => pages.push(p.pages) });

        // 7 Cost recommendations of 10 in pages of 2: four pages, the second asked twice (429, then the retry).
        const asked = advisorRequests(fake);
        expect(COST).toHaveLength(7);
        expect(asked.map((r) => r.status)).toEqual([200, 429, 200, 200, 200]);
        expect(pages).toEqual([1, 2, 3, 4]);
        expect(run.requests).toBe(asked.length);
        for (const r of asked) {
          expect(r.method).toBe('GET');
          expect(r.query?.['$filter']).toBe("Category eq 'Cost'");
          expect(r.query?.['api-version']).toBe('2020-01-01');
        }
        // The retry is the same page, after the Retry-After the 429 asked for.
        expect(asked[2]!.query?.['$skiptoken']).toBe(asked[1]!.query?.['$skiptoken']);
        expect(asked[1]!.query?.['$skiptoken']).toBeTruthy();
        expect(asked[2]!.at - asked[1]!.at).toBeGreaterThanOrEqual(950);

        // Only the Cost category came back: the filter was applied by the service, not after.
        expect(found).toHaveLength(COST.length);
        const by = new Map(found.map((c) => [String(c.evidence.advisorRecommendation), c]));
        expect([...by.keys()].sort()).toEqual(COST.map((r) => r.name).sort());

        expect(pick(by.get('rec-cost-shutdown')!)).toEqual({
          provider: 'azure',
          account: SUB,
          resourceId: `/subscriptions/${SUB}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-batch-01`,
          resourceType: 'microsoft.compute/virtualmachines',
          region: 'eastus',
          action: 'stop',
          currency: 'USD',
          monthlySavings: '140.16',
          keyFigure: '140.16',
          confidence: 0.8,
          effort: 'low',
          restartNeeded: true,
          rollbackPossible: true,
        });
        const shutdown = by.get('rec-cost-shutdown')!;
        expect(shutdown.title).toBe(`${lowUsage}: VM-Batch-01 (Standard_D4s_v3 → Shutdown)`);
        expect(shutdown.rationale).toContain('Advisor estimates 140.16 USD a month (1681.92 USD a year)');
        expect(shutdown.rationale).toContain('95th-percentile use: CPU 1.2 %, memory 9.5 %, network 0.4 MB');
        expect(shutdown.evidence).toMatchObject({
          mapping: 'shutdown-underutilized-vm',
          recommendationTypeId: VM_LOW_USAGE,
          impact: 'High',
          MaxCpuP95: '1.2',
          lastUpdated: '2026-11-30T04:12:45.123Z',
        });

        expect(pick(by.get('rec-cost-resize')!)).toMatchObject({
          action: 'rightsize',
          monthlySavings: '70.0800000000000000001',
          confidence: 0.6,
          effort: 'medium',
          restartNeeded: true,
          rollbackPossible: true,
          resourceId: `/subscriptions/${SUB}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-web-02`,
        });
        expect(by.get('rec-cost-resize')!.title).toContain('(Standard_D8s_v3 → Standard_D4s_v3)');

        // Reserved instances: annual / 12, exactly; one key per SKU, region and term.
        expect(pick(by.get('rec-cost-ri-1')!)).toMatchObject({
          action: 'purchase-commitment',
          resourceId: 'reservations/virtualmachines/standard_d2s_v3/westeurope/p1y',
          resourceType: 'reservation',
          region: 'westeurope',
          currency: 'EUR',
          monthlySavings: '83.333333',
          effort: 'low',
          restartNeeded: false,
          rollbackPossible: false,
        });
        expect(by.get('rec-cost-ri-1')!.rationale).toContain(
          'Advisor estimates 83.333333 EUR a month (1000 EUR a year), its annual figure / 12.',
        );
        expect(by.get('rec-cost-ri-1')!.title).toContain('3 × Standard_D2s_v3 in westeurope, P1Y');
        expect(pick(by.get('rec-cost-ri-2')!)).toMatchObject({
          resourceId: 'reservations/virtualmachines/standard_e4s_v5/westeurope/p3y',
          monthlySavings: '102.88',
        });

        // A savings plan covers the account's compute: keyed like oco's own commitment-coverage finding.
        expect(pick(by.get('rec-cost-sp')!)).toMatchObject({
          action: 'purchase-commitment',
          resourceId: null,
          resourceType: 'compute-commitment',
          monthlySavings: '312.5',
          confidence: 0.8,
        });

        // No estimate: unknown, never 0.
        const disk = by.get('rec-cost-disk')!;
        expect(pick(disk)).toMatchObject({
          action: 'delete',
          resourceId: `/subscriptions/${SUB}/resourcegroups/rg-web/providers/microsoft.compute/disks/data-disk-7`,
          resourceType: 'microsoft.compute/disks',
          monthlySavings: null,
          keyFigure: '0',
          confidence: 0.4,
          rollbackPossible: false,
        });
        expect(disk.rationale).toContain('Advisor gives no savings estimate.');

        // A type the table does not know: the default action, said in evidence and warnings.
        const other = by.get('rec-x')!;
        expect(pick(other)).toMatchObject({ action: 'rightsize', monthlySavings: '12.5', region: 'northeurope' });
        expect(other.evidence.mapping).toBe(
          `unrecognised Advisor recommendation type ${UNRECOGNISED}: rightsize by default`,
        );
        expect(run.warnings).toEqual([
          `Azure Advisor recommendation type ${UNRECOGNISED} is not in oco's table: imported as rightsize`,
        ]);
        // The secret never reaches a finding.
        expect(JSON.stringify(found)).not.toContain(SECRET);
        run.close();
      },
    );
  });

  it('narrows to the resource group of a resource-group scope with the filter grammar', async () => {
    await withFake({ pageSize: 50 }, async (fake) => {
      const run = createAzureRecommendations({ config: config(fake, { OCO_AZURE_SCOPE: RG_ID }) });
      const found = await run.fetch({});
      expect(advisorRequests(fake).map((r) => r.query?.['$filter'])).toEqual([
        "Category eq 'Cost' and ResourceGroup eq 'RG-Web'",
      ]);
      expect(found.map((c) => c.evidence.advisorRecommendation).sort()).toEqual([
        'rec-cost-disk',
        'rec-cost-resize',
        'rec-cost-shutdown',
      ]);
      expect(run.requests).toBe(1);
    });
  });

  it('a wrong client secret is the typed sign-in error, before any Advisor request', async () => {
    await withFake({ pageSize: 50 }, async (fake) => {
      const run = createAzureRecommendations({ config: config(fake, { AZURE_CLIENT_SECRET: 'wrong' }) });
      const err = await run.fetch({}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OcoError);
      expect(err).toMatchObject({ code: 'OCO_AZURE_AUTH_FAILED', exitCode: 1 });
      expect((err as OcoError).message).toContain('invalid_client');
      expect((err as OcoError).hint).toContain('AZURE_CLIENT_SECRET');
      expect(advisorRequests(fake)).toHaveLength(0);
      expect(run.requests).toBe(0);
    });
  });

  it('403 names the role to grant on the subscription; a refused token says what to check', async () => {
    const forbidden = {
      error: {
        code: 'AuthorizationFailed',
        message:
          `The client '${CLIENT}' with object id '${CLIENT}' does not have authorization to perform action ` +
          `'Microsoft.Advisor/recommendations/read' over scope '/subscriptions/${SUB}' or the scope is invalid.`,
      },
    };
    await withFake({ pageSize: 50, faults: [{ atCall: 1, status: 403, body: forbidden }] }, async (fake) => {
      const run = createAzureRecommendations({ config: config(fake) });
      const err = (await run.fetch({}).catch((e: unknown) => e)) as OcoError;
      expect(err).toBeInstanceOf(OcoError);
      expect(err).toMatchObject({ code: 'OCO_AZURE_API_ERROR', exitCode: 1 });
      expect(err.message).toContain('Azure Advisor: AuthorizationFailed');
      expect(err.message).toContain('(HTTP 403)');
      expect(err.hint).toContain(`Reader role (or Advisor Reader) on subscription ${SUB}`);
      expect(run.requests).toBe(1);
    });
    const refused = { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } };
    await withFake({ pageSize: 50, faults: [{ atCall: 1, status: 401, body: refused }] }, async (fake) => {
      const err = (await createAzureRecommendations({ config: config(fake) })
        .fetch({})
        .catch((e: unknown) => e)) as OcoError;
      expect(err).toMatchObject({ code: 'OCO_AZURE_API_ERROR', exitCode: 1 });
      expect(err.message).toContain('InvalidAuthenticationToken');
      expect(err.hint).toContain('AZURE_TENANT_ID');
    });
  });

  it('throttling that outlasts the retries is the typed unavailable error (exit 3)', async () => {
    const faults = [1, 2, 3, 4, 5].map((n) => ({ atCall: n, status: 429, headers: { 'retry-after': '0' } }));
    await withFake({ pageSize: 50, faults }, async (fake) => {
      const run = createAzureRecommendations({ config: config(fake) });
      const err = (await run.fetch({}).catch((e: unknown) => e)) as OcoError;
      expect(err).toMatchObject({ code: 'OCO_AZURE_API_UNAVAILABLE', exitCode: 3 });
      expect(err.message).toContain('(HTTP 429)');
      // The first attempt and four retries, each counted.
      expect(advisorRequests(fake).map((r) => r.status)).toEqual([429, 429, 429, 429, 429]);
      expect(run.requests).toBe(5);
    });
  });
});

/** The model fields a test compares, money as its exact decimal text. */
function pick(c: Candidate) {
  return {
    provider: c.provider,
    account: c.account,
    resourceId: c.resourceId,
    resourceType: c.resourceType,
    region: c.region,
    action: c.action,
    currency: c.currency,
    monthlySavings: c.monthlySavings?.toFixed() ?? null,
    keyFigure: c.keyFigure.toFixed(),
    confidence: c.confidence,
    effort: c.effort,
    restartNeeded: c.restartNeeded,
    rollbackPossible: c.rollbackPossible,
  };
}

describe('Advisor mapping and configuration', () => {
  it('monthly savings: savingsAmount as sent, else annual / 12, else unknown', () => {
    expect(advisorMonthlySavings({ savingsAmount: '140.16', annualSavingsAmount: '9999' })?.toFixed()).toBe('140.16');
    expect(advisorMonthlySavings({ annualSavingsAmount: '1234.56' })?.toFixed()).toBe('102.88');
    expect(advisorMonthlySavings({ annualSavingsAmount: '100' })?.toFixed()).toBe('8.333333');
    expect(advisorMonthlySavings({ savingsAmount: '1.5E+3' })?.toFixed()).toBe('1500');
    expect(advisorMonthlySavings({})).toBeNull();
    expect(advisorMonthlySavings({ savingsAmount: '', annualSavingsAmount: 'N/A' })).toBeNull();
  });

  it('an amount without a currency is an unknown saving, said in the rationale', () => {
    const [r] = advisorData().filter((x) => x.name === 'rec-cost-resize');
    const c = advisorCandidate(
      {
        ...r!.properties,
        id: r!.id,
        name: r!.name,
        lastUpdated: new Date(r!.properties.lastUpdated!),
        extendedProperties: { savingsAmount: '70.08', recommendationType: 'SkuChange' },
      },
      SUB,
    );
    expect(c.monthlySavings).toBeNull();
    expect(c.rationale).toContain('Advisor gives 70.08 a month without a currency, so the saving is unknown.');
  });

  it('two findings on one key keep the larger saving and count the other', async () => {
    // Two savings-plan recommendations (1- and 3-year terms) for one subscription share the account key.
    const dir = tempHome();
    const tls = makeTestTls(dir.path);
    setDefaultCACertificates([...getCACertificates('default'), readFileSync(tls.caFile, 'utf8')]);
    const sp = (name: string, term: string, amount: string) =>
      rec(`/subscriptions/${SUB}`, name, {
        category: 'Cost',
        impact: 'High',
        impactedField: 'Microsoft.Subscriptions/subscriptions',
        impactedValue: SUB,
        shortDescription: { problem: 'Consider a compute savings plan', solution: 'Consider a compute savings plan' },
        extendedProperties: { term, savingsAmount: amount, savingsCurrency: 'USD', commitmentAmount: '1' },
      });
    const fake = await startFakeAzure({
      tls,
      tenant: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
      subscription: SUB,
      data: { ActualCost: [], AmortizedCost: [] },
      pageSize: 10,
      advisor: { recommendations: [sp('sp-1y', 'P1Y', '100'), sp('sp-3y', 'P3Y', '180.5')], pageSize: 1 },
    });
    try {
      const run = createAzureRecommendations({
        config: OcoConfig.load({
          env: isolatedEnv({
            OCO_HOME: dir.path,
            AZURE_AUTHORITY_HOST: fake.url,
            OCO_AZURE_ARM_ENDPOINT: fake.url,
            AZURE_TENANT_ID: TENANT,
            AZURE_CLIENT_ID: CLIENT,
            AZURE_CLIENT_SECRET: SECRET,
            AZURE_SUBSCRIPTION_ID: SUB,
          }),
        }),
      });
      const found = await run.fetch({});
      expect(found).toHaveLength(1);
      expect(found[0]!.monthlySavings?.toFixed()).toBe('180.5');
      expect(found[0]!.evidence).toMatchObject({ advisorRecommendation: 'sp-3y', term: 'P3Y', folded: 1 });
      expect(run.requests).toBe(2);
    } finally {
      await fake.close();
      dir.cleanup();
    }
  });

  it('configured with the cost credentials and a subscription; says what is missing otherwise', () => {
    const home = tempHome();
    try {
      const cfg = (env: Record<string, string>) =>
        OcoConfig.load({ env: isolatedEnv({ OCO_HOME: home.path, AZURE_CONFIG_DIR: home.path, ...env }) });
      const creds = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: SECRET };
      expect(advisorConfigured(cfg({ ...creds, AZURE_SUBSCRIPTION_ID: SUB }))).toEqual({
        configured: true,
        via: `AZURE_CLIENT_ID ${CLIENT}, scope /subscriptions/${SUB}`,
      });
      expect(azureProvider.recommendationsConfigured?.(cfg({ ...creds, AZURE_SUBSCRIPTION_ID: SUB }))).toMatchObject({
        configured: true,
      });
      const billing = advisorConfigured(
        cfg({ ...creds, OCO_AZURE_SCOPE: '/providers/Microsoft.Billing/billingAccounts/42' }),
      );
      expect(billing.configured).toBe(false);
      expect(billing.missing).toContain('AZURE_SUBSCRIPTION_ID');
      expect(billing.missing).toContain('billing scope');
      const noCreds = advisorConfigured(cfg({ AZURE_SUBSCRIPTION_ID: SUB }));
      expect(noCreds.configured).toBe(false);
      expect(noCreds.missing).toContain('AZURE_CLIENT_SECRET');
      // A billing scope beside a subscription: Advisor answers for the subscription.
      expect(
        advisorConfigured(
          cfg({
            ...creds,
            AZURE_SUBSCRIPTION_ID: SUB,
            OCO_AZURE_SCOPE: '/providers/Microsoft.Billing/billingAccounts/42',
          }),
        ).configured,
      ).toBe(true);
      expect(azureProvider.recommendations).toBeTypeOf('function');
    } finally {
      home.cleanup();
    }
  });

  it('the fake applies the filter grammar as the service documents it', () => {
    const data = advisorData();
    const keep = parseAdvisorFilter("Category eq 'Cost' and ResourceGroup eq 'rg-web' or Category eq 'Security'");
    expect(typeof keep).toBe('function');
    expect(data.filter(keep as (r: AdvisorRecord) => boolean).map((r) => r.name)).toEqual([
      'rec-cost-shutdown',
      'rec-cost-resize',
      'rec-sec-1',
      'rec-cost-disk',
    ]);
    expect(parseAdvisorFilter("Impact eq 'High'")).toContain("'Impact' is not a filterable property");
    expect(parseAdvisorFilter('Category = Cost')).toContain('cannot parse');
  });
});
