import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { OcoError } from '../../src/core/base/errors.js';
import type { Candidate } from '../../src/core/base/recommend/model.js';
import { gcpProvider } from '../../src/core/cloud-costs/providers/gcp/fetch.js';
import {
  createGcpRecommendations,
  recommenderLocations,
} from '../../src/core/cloud-costs/providers/gcp/recommendations.js';
import { startFakeGcp, type ExportRow, type FakeGcp } from '../fakes/gcp/server.js';
import type { RecommendationJson } from '../fakes/gcp/recommender.js';

/**
 * GCP Recommender import through the real @google-cloud/recommender client (REST transport) against the fake's
 * Recommender API: mapping per recommender, exact savings, the ACTIVE filter, paging, 429 retried by the client,
 * 403 on one parent as a warning, bad credentials, requests counted.
 */

const EMAIL = 'oco-recs@acme-billing.iam.gserviceaccount.com';
const TABLE = 'acme-billing.billing_export.gcp_billing_export_resource_v1_000000_AAAAAA_BBBBBB';
const PROJECTS = { 'acme-prod': '123456789012', 'acme-dev': '210987654321', 'acme-billing': '555555555555' };
const MT = 'google.compute.instance.MachineTypeRecommender';
const IDLE_VM = 'google.compute.instance.IdleResourceRecommender';
const DISK = 'google.compute.disk.IdleResourceRecommender';
const ADDRESS = 'google.compute.address.IdleResourceRecommender';
const IMAGE = 'google.compute.image.IdleResourceRecommender';
const CUD = 'google.compute.commitment.UsageCommitmentRecommender';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof keys) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyJson = (tokenUri: string, privateKey = pem(keys)) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'acme-billing',
    private_key_id: 'k1',
    private_key: privateKey,
    client_email: EMAIL,
    token_uri: tokenUri,
  });

const parent = (project: string, location: string, recommender: string) =>
  `projects/${project}/locations/${location}/recommenders/${recommender}`;
const compute = (path: string) => `//compute.googleapis.com/projects/${path}`;

let seq = 0;
/** A recommendation as the REST API writes it: name with the project number, int64 units as a string. */
function rec(
  project: keyof typeof PROJECTS,
  location: string,
  recommender: string,
  p: {
    description: string;
    subtype: string;
    priority: string;
    cost?: { units?: string; nanos?: number; currencyCode?: string } | null;
    local?: { units?: string; nanos?: number; currencyCode: string };
    duration?: string;
    category?: string;
    state?: string;
    operations: Array<Record<string, unknown>>;
  },
): RecommendationJson {
  const id = `rec-${String(++seq).padStart(4, '0')}`;
  return {
    name: `projects/${PROJECTS[project]}/locations/${location}/recommenders/${recommender}/recommendations/${id}`,
    description: p.description,
    recommenderSubtype: p.subtype,
    lastRefreshTime: '2026-12-02T07:41:18.123456Z',
    primaryImpact: {
      category: p.category ?? 'COST',
      ...(p.cost === null
        ? {}
        : {
            costProjection: {
              cost: { currencyCode: 'USD', ...(p.cost ?? { units: '-1' }) },
              duration: p.duration ?? '2592000s',
              ...(p.local ? { costInLocalCurrency: p.local } : {}),
            },
          }),
    },
    priority: p.priority,
    content: { operationGroups: [{ operations: p.operations }] },
    stateInfo: { state: p.state ?? 'ACTIVE' },
    etag: `"${id}"`,
    targetResources: [...new Set(p.operations.map((o) => o.resource as string).filter(Boolean))],
  };
}

const machineType = (project: keyof typeof PROJECTS, zone: string, vm: string, from: string, to: string) => {
  const resource = compute(`${project}/zones/${zone}/instances/${vm}`);
  const common = { resourceType: 'compute.googleapis.com/Instance', resource, path: '/machineType' };
  return [
    { action: 'test', ...common, valueMatcher: { matchesPattern: `.*zones/${zone}/machineTypes/${from}` } },
    { action: 'replace', ...common, value: `zones/${zone}/machineTypes/${to}` },
  ];
};

function fixtures(): Record<string, RecommendationJson[]> {
  const z = 'us-central1-a';
  return {
    [parent('acme-prod', z, MT)]: [
      rec('acme-prod', z, MT, {
        description: 'Save cost by changing machine type from e2-standard-4 to e2-standard-2.',
        subtype: 'CHANGE_MACHINE_TYPE',
        priority: 'P2',
        cost: { units: '-48', nanos: -910000000 },
        operations: machineType('acme-prod', z, 'web-1', 'e2-standard-4', 'e2-standard-2'),
      }),
      // A grown VM costs more: not a saving, not imported.
      rec('acme-prod', z, MT, {
        description: 'Improve performance by changing machine type from e2-small to e2-medium.',
        subtype: 'CHANGE_MACHINE_TYPE',
        priority: 'P3',
        category: 'PERFORMANCE',
        cost: { units: '12', nanos: 230000000 },
        operations: machineType('acme-prod', z, 'api-1', 'e2-small', 'e2-medium'),
      }),
      // Dismissed and claimed ones exist in the service; the ACTIVE filter leaves them out.
      rec('acme-prod', z, MT, {
        description: 'Save cost by changing machine type from n2-standard-8 to n2-standard-4.',
        subtype: 'CHANGE_MACHINE_TYPE',
        priority: 'P1',
        state: 'DISMISSED',
        cost: { units: '-140' },
        operations: machineType('acme-prod', z, 'batch-1', 'n2-standard-8', 'n2-standard-4'),
      }),
      rec('acme-prod', z, MT, {
        description: 'Save cost by changing machine type from n2-standard-4 to n2-standard-2.',
        subtype: 'CHANGE_MACHINE_TYPE',
        priority: 'P2',
        state: 'CLAIMED',
        cost: { units: '-70' },
        operations: machineType('acme-prod', z, 'batch-2', 'n2-standard-4', 'n2-standard-2'),
      }),
    ],
    [parent('acme-prod', z, IDLE_VM)]: [
      rec('acme-prod', z, IDLE_VM, {
        description: "Save cost by stopping Idle VM 'legacy-1'.",
        subtype: 'STOP_VM',
        priority: 'P1',
        // Priced over a week: 10.5 a week is 45 a month.
        cost: { units: '-10', nanos: -500000000 },
        duration: '604800s',
        operations: [
          {
            action: 'test',
            resourceType: 'compute.googleapis.com/Instance',
            resource: compute(`acme-prod/zones/${z}/instances/legacy-1`),
            path: '/status',
            value: 'RUNNING',
          },
          {
            action: 'replace',
            resourceType: 'compute.googleapis.com/Instance',
            resource: compute(`acme-prod/zones/${z}/instances/legacy-1`),
            path: '/status',
            value: 'TERMINATED',
          },
        ],
      }),
    ],
    [parent('acme-prod', z, DISK)]: [
      rec('acme-prod', z, DISK, {
        description: "Save cost by snapshotting and then deleting idle persistent disk 'scratch-1'.",
        subtype: 'SNAPSHOT_AND_DELETE_DISK',
        priority: 'P4',
        // One nano over a unit: the saving is exact to the nano.
        cost: { units: '-1', nanos: -1 },
        operations: [
          {
            action: 'add',
            resourceType: 'compute.googleapis.com/Snapshot',
            resource: compute('acme-prod/global/snapshots/$snapshot-name'),
            path: '/',
            value: { name: '$snapshot-name', source_disk: compute(`acme-prod/zones/${z}/disks/scratch-1`) },
          },
          {
            action: 'remove',
            resourceType: 'compute.googleapis.com/Disk',
            resource: compute(`acme-prod/zones/${z}/disks/scratch-1`),
            path: '/',
          },
        ],
      }),
    ],
    [parent('acme-prod', 'us-central1', ADDRESS)]: [
      rec('acme-prod', 'us-central1', ADDRESS, {
        description: "Save cost by deleting idle IP address 'old-lb-ip'.",
        subtype: 'DELETE_ADDRESS',
        priority: 'P3',
        // The billing account is in EUR: its local-currency projection is what the cost rows compare with.
        cost: { units: '-7', nanos: -300000000 },
        local: { currencyCode: 'EUR', units: '-6', nanos: -741234567 },
        operations: [
          {
            action: 'remove',
            resourceType: 'compute.googleapis.com/Address',
            resource: compute('acme-prod/regions/us-central1/addresses/old-lb-ip'),
            path: '/',
          },
        ],
      }),
    ],
    [parent('acme-prod', 'global', IMAGE)]: [
      rec('acme-prod', 'global', IMAGE, {
        description: "Save cost by deleting idle image 'golden-2024'.",
        subtype: 'DELETE_IMAGE',
        priority: 'P4',
        cost: { nanos: -850000000 },
        operations: [
          {
            action: 'remove',
            resourceType: 'compute.googleapis.com/Image',
            resource: compute('acme-prod/global/images/golden-2024'),
            path: '/',
          },
        ],
      }),
    ],
    [parent('acme-prod', 'us-central1', CUD)]: [
      rec('acme-prod', 'us-central1', CUD, {
        description: 'Save cost by purchasing a 1-year commitment for 8 vCPUs and 32 GB of memory (E2).',
        subtype: 'GENERAL_PURPOSE_E2',
        priority: 'P2',
        cost: { units: '-123', nanos: -456789000 },
        operations: [
          {
            action: 'add',
            resourceType: 'compute.googleapis.com/Commitment',
            resource: compute('acme-prod/regions/us-central1/commitments/-'),
            path: '/',
            value: {
              plan: 'TWELVE_MONTH',
              type: 'GENERAL_PURPOSE_E2',
              resources: [
                { type: 'VCPU', amount: '8' },
                { type: 'MEMORY', amount: '32768' },
              ],
            },
          },
        ],
      }),
    ],
    // acme-dev: 7 idle disks in the zone (pages of 3) and 2 dismissed ones among them.
    [parent('acme-dev', z, DISK)]: Array.from({ length: 9 }, (_, i) =>
      rec('acme-dev', z, DISK, {
        description: `Save cost by deleting idle persistent disk 'tmp-${i}'.`,
        subtype: 'DELETE_DISK',
        priority: 'P3',
        state: i === 2 || i === 5 ? 'DISMISSED' : 'ACTIVE',
        cost: { units: `-${i + 1}`, nanos: -250000000 },
        operations: [
          {
            action: 'remove',
            resourceType: 'compute.googleapis.com/Disk',
            resource: compute(`acme-dev/zones/${z}/disks/tmp-${i}`),
            path: '/',
          },
        ],
      }),
    ),
  };
}

/** One export row per project, for the billing account's project list. */
const exportRow = (project: string): ExportRow => ({
  billing_account_id: '000000-AAAAAA-BBBBBB',
  service: { id: '6F81-5844-456A', description: 'Compute Engine' },
  sku: { id: 'CP-N2-CORE', description: 'N2 core' },
  usage_start_time: '2026-11-01T00:00:00Z',
  project: { id: project, name: project },
  labels: [],
  location: { region: 'us-central1' },
  cost: '1',
  currency: 'USD',
  usage: { amount_in_pricing_units: '1', pricing_unit: 'hour' },
  credits: [],
});

let fake: FakeGcp;
const env = (extra: Record<string, string> = {}) => ({
  GCP_CREDENTIALS_JSON: keyJson(`${fake.url}/token`),
  OCO_GCP_RECOMMENDER_ENDPOINT: fake.url,
  OCO_GCP_RECOMMENDER_LOCATIONS: 'us-central1-a',
  OCO_GCP_PROJECTS: 'acme-prod,acme-dev',
  ...extra,
});
const run = (extra: Record<string, string> = {}) =>
  createGcpRecommendations({ config: OcoConfig.load({ env: env(extra) }) });
const find = (cs: Candidate[], resource: string) => cs.find((c) => c.resourceId?.endsWith(resource));
const recommenderRequests = () => fake.requests.filter((r) => r.path.includes('/recommenders/'));

beforeAll(async () => {
  fake = await startFakeGcp({
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    clientEmail: EMAIL,
    table: TABLE,
    rows: ['acme-prod', 'acme-dev', 'acme-billing'].map(exportRow),
    pageSize: 100,
    recommender: { projects: PROJECTS, recommendations: fixtures(), pageSize: 3 },
  });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.recommender.reset();
  fake.requests.length = 0;
  fake.recommender.calls.length = 0;
});

describe('GCP Recommender import', () => {
  it('maps each recommender to its action, with exact monthly savings, only ACTIVE ones', async () => {
    const source = run();
    const warnings: string[] = [];
    const found = await source.fetch({ logger: { warn: (m) => warnings.push(m) } });
    source.close();
    expect(source.provider).toBe('gcp');
    expect(source.source).toBe('gcp-recommender');
    expect(warnings).toEqual([]);
    expect(source.warnings).toEqual([]);
    // acme-prod: one per recommender (the upsizing and the dismissed/claimed left out); acme-dev: 7 active disks.
    expect(found).toHaveLength(6 + 7);

    const rightsize = find(found, '/instances/web-1')!;
    expect(rightsize).toMatchObject({
      provider: 'gcp',
      account: 'acme-prod',
      resourceId: '//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/instances/web-1',
      resourceType: 'compute.googleapis.com/Instance',
      region: 'us-central1',
      action: 'rightsize',
      title: 'Save cost by changing machine type from e2-standard-4 to e2-standard-2.',
      currency: 'USD',
      confidence: 0.8,
      restartNeeded: true,
    });
    expect(rightsize.monthlySavings!.toFixed()).toBe('48.91');
    expect(rightsize.keyFigure.toFixed()).toBe('48.91');
    expect(rightsize.rationale).toContain(MT);
    expect(rightsize.rationale).toContain('48.91 USD a month');
    expect(rightsize.evidence).toMatchObject({
      recommender: MT,
      subtype: 'CHANGE_MACHINE_TYPE',
      priority: 'P2',
      zone: 'us-central1-a',
      projectedCost: '-48.91',
      projectionSeconds: '2592000',
    });
    expect(find(found, '/instances/api-1')).toBeUndefined();
    expect(find(found, '/instances/batch-1')).toBeUndefined();
    expect(find(found, '/instances/batch-2')).toBeUndefined();

    const stop = find(found, '/instances/legacy-1')!;
    expect(stop).toMatchObject({ action: 'stop', confidence: 0.9, region: 'us-central1' });
    // 10.5 over 604800 s (7 days) → 45 over 30 days.
    expect(stop.monthlySavings!.toFixed()).toBe('45');

    const disk = find(found, 'acme-prod/zones/us-central1-a/disks/scratch-1')!;
    expect(disk).toMatchObject({
      action: 'delete',
      resourceType: 'compute.googleapis.com/Disk',
      confidence: 0.4,
      rollbackPossible: true,
    });
    expect(disk.monthlySavings!.toFixed()).toBe('1.000000001');

    const address = find(found, '/addresses/old-lb-ip')!;
    expect(address).toMatchObject({ action: 'delete', currency: 'EUR', region: 'us-central1', confidence: 0.6 });
    expect(address.monthlySavings!.toFixed()).toBe('6.741234567');

    const image = find(found, '/images/golden-2024')!;
    expect(image).toMatchObject({ action: 'delete', region: null, rollbackPossible: false });
    expect(image.monthlySavings!.toFixed()).toBe('0.85');

    const cud = found.find((c) => c.action === 'purchase-commitment')!;
    expect(cud).toMatchObject({
      account: 'acme-prod',
      region: 'us-central1',
      resourceId:
        '//compute.googleapis.com/projects/acme-prod/regions/us-central1/commitments/new-general-purpose-e2-twelve-month',
    });
    expect(cud.monthlySavings!.toFixed()).toBe('123.456789');

    const dev = found.filter((c) => c.account === 'acme-dev');
    expect(dev.map((c) => c.resourceId!.split('/').at(-1))).toEqual([
      'tmp-0',
      'tmp-1',
      'tmp-3',
      'tmp-4',
      'tmp-6',
      'tmp-7',
      'tmp-8',
    ]);
    expect(dev.map((c) => c.monthlySavings!.toFixed())).toEqual([
      '1.25',
      '2.25',
      '4.25',
      '5.25',
      '7.25',
      '8.25',
      '9.25',
    ]);

    // Every list call carried the ACTIVE filter as the API spells it.
    expect(new Set(fake.recommender.calls.map((c) => c.filter))).toEqual(new Set(['stateInfo.state = ACTIVE']));
  });

  it('asks each recommender at the locations it serves: zones, their regions, global', async () => {
    const source = run({
      OCO_GCP_PROJECTS: 'acme-prod',
      OCO_GCP_RECOMMENDER_LOCATIONS: 'us-central1-a,europe-west1-b',
    });
    await source.fetch({});
    const parents = fake.recommender.calls.map((c) => c.parent.replace('projects/acme-prod/locations/', ''));
    const at = (id: string) => parents.filter((p) => p.endsWith(id)).map((p) => p.split('/')[0]);
    expect(at(MT)).toEqual(['europe-west1-b', 'us-central1-a']);
    expect(at(IDLE_VM)).toEqual(['europe-west1-b', 'us-central1-a']);
    expect(at(DISK)).toEqual(['europe-west1-b', 'us-central1-a', 'europe-west1', 'us-central1']);
    expect(at(ADDRESS)).toEqual(['europe-west1', 'us-central1', 'global']);
    expect(at(IMAGE)).toEqual(['global']);
    expect(at(CUD)).toEqual(['europe-west1', 'us-central1']);
    expect(recommenderLocations('us-east1-b, us-east1-c ,asia-east1')).toEqual({
      zone: ['us-east1-b', 'us-east1-c'],
      region: ['asia-east1', 'us-east1'],
      global: ['global'],
    });
  });

  it('walks every page: pageToken → nextPageToken until the last page', async () => {
    const source = run({ OCO_GCP_PROJECTS: 'acme-dev' });
    const pages: number[] = [];
    const found = await source.fetch({ onPage: ({ pages: p }) => pages.push(p) });
    expect(found).toHaveLength(7);
    const disk = fake.recommender.calls.filter((c) => c.parent === parent('acme-dev', 'us-central1-a', DISK));
    // 7 ACTIVE at 3 a page: 3 pages, the 2nd and 3rd with the token of the one before.
    expect(disk.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(disk[0]!.pageToken).toBeNull();
    expect(disk[1]!.pageToken).toBeTruthy();
    expect(disk[2]!.pageToken).toBeTruthy();
    expect(disk[2]!.pageToken).not.toBe(disk[1]!.pageToken);
    expect(pages.at(-1)).toBe(fake.recommender.calls.length);
  });

  it('retries 429 RESOURCE_EXHAUSTED with the client’s backoff and imports everything', async () => {
    fake.recommender.throttle(2);
    const source = run({ OCO_GCP_PROJECTS: 'acme-dev' });
    const found = await source.fetch({});
    expect(found).toHaveLength(7);
    const statuses = fake.recommender.calls.map((c) => c.status);
    expect(statuses.slice(0, 3)).toEqual([429, 429, 200]);
    // The retried first call asked the same parent three times.
    expect(new Set(fake.recommender.calls.slice(0, 3).map((c) => c.parent)).size).toBe(1);
    expect(source.warnings).toEqual([]);
  }, 30_000);

  it('a 403 on one recommender is a warning; the other recommenders and projects still import', async () => {
    fake.recommender.refuse({ project: 'acme-prod', recommender: MT, reason: 'IAM_PERMISSION_DENIED' });
    fake.recommender.refuse({ project: 'acme-dev', reason: 'SERVICE_DISABLED' });
    const source = run();
    const logged: string[] = [];
    const found = await source.fetch({ logger: { warn: (m) => logged.push(m) } });
    expect(found.map((c) => c.action).sort()).toEqual(['delete', 'delete', 'delete', 'purchase-commitment', 'stop']);
    expect(source.warnings).toHaveLength(2);
    expect(source.warnings[0]).toContain(`${MT} in acme-prod/us-central1-a: PERMISSION_DENIED`);
    expect(source.warnings[0]).toContain('recommender.computeinstanceRecommendations.list');
    // The API off in a project is said once, and that project is not asked again.
    expect(source.warnings[1]).toMatch(/^project acme-dev: Recommender API PERMISSION_DENIED: .*has not been used/);
    expect(logged).toEqual(source.warnings);
    expect(fake.recommender.calls.filter((c) => c.parent.startsWith('projects/acme-dev/'))).toHaveLength(1);
  });

  it('refused everywhere is a typed error with what to grant', async () => {
    fake.recommender.refuse({ reason: 'IAM_PERMISSION_DENIED' });
    const source = run({ OCO_GCP_PROJECTS: 'acme-prod' });
    const err = await source.fetch({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OcoError);
    expect((err as OcoError).code).toBe('OCO_GCP_API_ERROR');
    expect((err as OcoError).exitCode).toBe(1);
    expect((err as OcoError).message).toContain('PERMISSION_DENIED for every project, recommender and location');
    expect((err as OcoError).hint).toContain('roles/recommender.computeViewer');
    expect((err as OcoError).hint).toContain('recommender.googleapis.com');
    expect(source.warnings).toHaveLength(8);
  });

  it('an unknown project is refused (403) like any project the key cannot see: a warning', async () => {
    const source = run({ OCO_GCP_PROJECTS: 'acme-prod,no-such-project' });
    const found = await source.fetch({});
    expect(found).toHaveLength(6);
    expect(source.warnings.length).toBe(8);
    expect(source.warnings.every((w) => w.includes('no-such-project') && w.includes('PERMISSION_DENIED'))).toBe(true);
  });

  it('a key the token endpoint refuses is OCO_GCP_AUTH_FAILED, a malformed one OCO_GCP_BAD_CREDENTIALS', async () => {
    const wrong = run({ GCP_CREDENTIALS_JSON: keyJson(`${fake.url}/token`, pem(other)) });
    const err = await wrong.fetch({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OcoError);
    expect((err as OcoError).code).toBe('OCO_GCP_AUTH_FAILED');
    expect((err as OcoError).message).toContain('invalid_grant');
    expect((err as OcoError).hint).toContain('create a new key');
    expect(recommenderRequests().every((r) => r.status !== 200)).toBe(true);

    const bad = (() => {
      try {
        run({ GCP_CREDENTIALS_JSON: '{"type":"authorized_user"}' });
      } catch (e) {
        return e;
      }
    })();
    expect((bad as OcoError).code).toBe('OCO_GCP_BAD_CREDENTIALS');
    expect((bad as OcoError).exitCode).toBe(2);
  });

  it('an endpoint nobody answers is OCO_GCP_UNREACHABLE (exit 3)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const source = run({ OCO_GCP_PROJECTS: 'acme-prod', OCO_GCP_RECOMMENDER_ENDPOINT: `http://127.0.0.1:${port}` });
    const err = await source.fetch({}).catch((e: unknown) => e);
    expect((err as OcoError).code).toBe('OCO_GCP_UNREACHABLE');
    expect((err as OcoError).exitCode).toBe(3);
    expect((err as OcoError).message).toContain('ECONNREFUSED');
  });

  it('counts every HTTP request it makes: token, pages, retries', async () => {
    fake.recommender.throttle(1);
    const source = run();
    await source.fetch({});
    expect(fake.requests.filter((r) => r.path === '/token')).toHaveLength(1);
    expect(source.requests).toBe(fake.requests.length);
    // 8 parents per project, acme-dev's disks 3 pages, one retry.
    expect(recommenderRequests()).toHaveLength(16 + 2 + 1);
    // Recommender needs the cloud-platform scope; cost ingest's tokens do not carry it.
    expect(fake.requests.filter((r) => r.status === 403)).toHaveLength(0);
  }, 30_000);

  it('without OCO_GCP_PROJECTS, asks every project of the billing export’s billing account', async () => {
    const source = run({ OCO_GCP_PROJECTS: '', OCO_GCP_BILLING_TABLE: TABLE, OCO_GCP_BILLING_ENDPOINT: fake.url });
    const found = await source.fetch({});
    expect(new Set(found.map((c) => c.account))).toEqual(new Set(['acme-prod', 'acme-dev']));
    const asked = new Set(fake.recommender.calls.map((c) => c.parent.split('/')[1]));
    expect(asked).toEqual(new Set(['acme-billing', 'acme-dev', 'acme-prod']));
    expect(source.requests).toBe(fake.requests.length);
  });

  it('says what is missing before any call, and rejects a location that is not a zone or region', () => {
    const status = (e: Record<string, string>) => gcpProvider.recommendationsConfigured!(OcoConfig.load({ env: e }));
    expect(status({})).toMatchObject({
      configured: false,
      missing: expect.stringContaining('GOOGLE_APPLICATION_CREDENTIALS'),
    });
    expect(status({ GCP_CREDENTIALS_JSON: '{}' })).toMatchObject({
      configured: false,
      missing: expect.stringContaining('OCO_GCP_RECOMMENDER_LOCATIONS'),
    });
    expect(status({ GCP_CREDENTIALS_JSON: '{}', OCO_GCP_RECOMMENDER_LOCATIONS: 'us-central1-a' })).toEqual({
      configured: true,
      via: "GCP_CREDENTIALS_JSON, the key's project",
    });
    expect(
      status({ GCP_CREDENTIALS_JSON: '{}', OCO_GCP_RECOMMENDER_LOCATIONS: 'us-central1-a', OCO_GCP_PROJECTS: 'a,b' }),
    ).toEqual({ configured: true, via: 'GCP_CREDENTIALS_JSON, projects a, b' });
    const err = (() => {
      try {
        run({ OCO_GCP_RECOMMENDER_LOCATIONS: 'us-central1-a,Iowa' });
      } catch (e) {
        return e as OcoError;
      }
    })();
    expect(err?.code).toBe('OCO_CONFIG_INVALID');
    expect(err?.message).toContain('"Iowa" is not a GCP zone or region');
    expect(gcpProvider.recommendations).toBeTypeOf('function');
  });
});
