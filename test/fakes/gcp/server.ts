/**
 * A local Google OAuth token endpoint (the service-account key's token_uri: JWT-bearer
 * grant, RS256 signature verified against the key's public half) and a BigQuery REST API:
 * jobs.query (POST /bigquery/v2/projects/P/queries) answering the first page, then
 * getQueryResults (GET .../queries/JOB?pageToken=) for the rest, rows in the f/v format.
 *
 * BigQuery's SQL engine cannot run here, so the fake evaluates the one query oco sends
 * over raw export rows (the fixture's shape): it checks the table, the named @from/@to
 * parameters and the output columns, and aggregates the way the SQL says (NUMERIC
 * casts round to 9 decimal places, credits summed, labels as TO_JSON_STRING).
 *
 * It also serves the Cloud Billing Catalog API as its REST surface answers: GET /v1/services
 * and GET /v1/services/{id}/skus, pageSize (default and cap 5000, here a smaller cap so real
 * page walks happen) and an opaque pageToken → nextPageToken (absent on the last page),
 * currencyCode converting every unitPrice from USD at a fixed rate (rounded to nanos, rate in
 * currencyConversionRate), 404 NOT_FOUND for an unknown service, and on request the 403
 * PERMISSION_DENIED a project without the Cloud Billing API gets.
 */
import { createPublicKey, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '../../../src/core/money.js';

/** google.type.Money as the REST API writes it: int64 units as a string. */
export interface CatalogMoney {
  currencyCode: string;
  units: string;
  nanos: number;
}
/** A Catalog Sku in its JSON form (the subset oco and the fake use; the rest is passed through). */
export interface CatalogSku {
  name: string;
  skuId: string;
  description: string;
  category: { serviceDisplayName: string; resourceFamily: string; resourceGroup: string; usageType: string };
  serviceRegions: string[];
  pricingInfo: Array<{
    effectiveTime: string;
    summary: string;
    pricingExpression: {
      usageUnit: string;
      usageUnitDescription: string;
      baseUnit: string;
      baseUnitDescription: string;
      baseUnitConversionFactor: number;
      displayQuantity: number;
      tieredRates: Array<{ startUsageAmount: number; unitPrice: CatalogMoney }>;
    };
    aggregationInfo?: { aggregationLevel: string; aggregationInterval: string; aggregationCount: number };
    currencyConversionRate: number;
  }>;
  serviceProviderName: string;
  geoTaxonomy?: { type: string; regions?: string[] };
}
export interface FakeCatalog {
  services: Array<{ serviceId: string; displayName: string }>;
  /** SKUs per service id, prices in USD. */
  skus: Record<string, CatalogSku[]>;
  /** Largest page the fake returns, below the API's 5000 so tests walk pages. */
  pageSize: number;
  /** Units of currency per USD (decimal text) for currencyCode; USD is 1. */
  rates?: Record<string, string>;
}

export interface ExportRow {
  billing_account_id: string;
  service: { id: string; description: string };
  sku: { id: string; description: string };
  usage_start_time: string;
  project: { id: string; name: string };
  labels: Array<{ key: string; value: string }>;
  location: { region: string | null };
  resource?: { name: string; global_name: string };
  cost: string; // the FLOAT64 as its literal
  currency: string;
  usage: { amount_in_pricing_units: string; pricing_unit: string };
  credits: Array<{ amount: string }>;
  /** Detailed export only (from May 2023): the tier the line was priced in. */
  price?: { effective_price: string; tier_start_amount: string; unit: string; pricing_unit_quantity: string };
}

export interface FakeGcpOptions {
  publicKeyPem: string;
  clientEmail: string;
  table: string;
  rows: ExportRow[];
  pageSize: number;
  catalog?: FakeCatalog;
}

export interface GcpRequestLog {
  method: string;
  path: string;
  /** Query parameters other than the REST client's $alt. */
  query: Record<string, string>;
  status: number;
  authorization?: string;
  body?: Record<string, unknown>;
}

export interface FakeGcp {
  url: string;
  requests: GcpRequestLog[];
  /** Makes every Catalog call answer as a project without the Cloud Billing API does (403), or normally again. */
  refuseCatalog(refuse: boolean): void;
  close(): Promise<void>;
}

const OUTPUT: Record<string, (r: ExportRow) => string | null> = {
  day: (r) => r.usage_start_time.slice(0, 10),
  billing_account_id: (r) => r.billing_account_id,
  service: (r) => r.service.description,
  service_id: (r) => r.service.id,
  sku_id: (r) => r.sku.id,
  project_id: (r) => r.project.id,
  project_name: (r) => r.project.name,
  region: (r) => r.location.region,
  resource_id: (r) => r.resource?.global_name ?? null,
  resource_name: (r) => r.resource?.name ?? null,
  // CAST(CAST(price.tier_start_amount AS NUMERIC) AS STRING): plain decimal text, NULL without price.
  tier_start: (r) => (r.price ? numeric(r.price.tier_start_amount).toFixed() : null),
  currency: (r) => r.currency,
  labels: (r) => JSON.stringify(r.labels),
  pricing_unit: (r) => r.usage.pricing_unit,
};
const SUMS: Record<string, (r: ExportRow) => Money> = {
  cost: (r) => numeric(r.cost),
  credits: (r) => r.credits.reduce((s, c) => s.plus(numeric(c.amount)), new Money(0)),
  pricing_quantity: (r) => numeric(r.usage.amount_in_pricing_units),
};
/** CAST(x AS NUMERIC): 9 decimal places, rounded half away from zero. */
const numeric = (v: string) => new Money(v).toDecimalPlaces(9, Money.ROUND_HALF_UP);

function b64json(s: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startFakeGcp(o: FakeGcpOptions): Promise<FakeGcp> {
  const key: KeyObject = createPublicKey(o.publicKeyPem);
  const requests: GcpRequestLog[] = [];
  const tokens = new Set<string>();
  let catalogRefused = false;
  const jobs = new Map<string, { schema: Array<{ name: string; type: string }>; rows: Array<{ f: Array<{ v: string | null }> }> }>();
  let base = '';

  function reply(res: ServerResponse, log: GcpRequestLog, status: number, body: object): void {
    log.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }
  const bqError = (res: ServerResponse, log: GcpRequestLog, status: number, reason: string, message: string) =>
    reply(res, log, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: reason === 'notFound' ? 'NOT_FOUND' : 'INVALID_ARGUMENT' } });

  function page(res: ServerResponse, log: GcpRequestLog, project: string, jobId: string, start: number, max: number, kind: string): void {
    const job = jobs.get(jobId);
    if (!job) return bqError(res, log, 404, 'notFound', `Not found: Job ${project}:${jobId}`);
    const rows = job.rows.slice(start, start + max);
    const next = start + max < job.rows.length ? String(start + max) : undefined;
    reply(res, log, 200, {
      kind, jobReference: { projectId: project, jobId, location: 'US' }, jobComplete: true, schema: { fields: job.schema },
      rows, totalRows: String(job.rows.length), ...(next ? { pageToken: next } : {}), cacheHit: false,
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', base);
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== '$alt'));
    const log: GcpRequestLog = { method: req.method ?? '', path: url.pathname, query, status: 0, authorization: req.headers.authorization };
    requests.push(log);
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(raw);
      const jwt = form.get('assertion') ?? '';
      const [h, c, sig] = jwt.split('.');
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !h || !c || !sig) return reply(res, log, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      const valid = createVerify('RSA-SHA256').update(`${h}.${c}`).verify(key, Buffer.from(sig, 'base64url'));
      const claims = b64json(c);
      if (!valid) return reply(res, log, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      if (claims.iss !== o.clientEmail || claims.aud !== `${base}/token` || !String(claims.scope).includes('bigquery') || Number(claims.exp) < Date.now() / 1000) {
        return reply(res, log, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: iss, aud, scope or exp' });
      }
      const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return reply(res, log, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    if (!tokens.has(String(req.headers.authorization).replace(/^Bearer /, ''))) {
      return reply(res, log, 401, { error: { code: 401, message: 'Request is missing required authentication credential.', errors: [{ reason: 'required', message: 'Login Required.' }], status: 'UNAUTHENTICATED' } });
    }
    // Cloud Billing API v1 (REST, as the client's fallback transport sends it).
    const billingInfo = /^\/v1\/projects\/([^/]+)\/billingInfo$/.exec(url.pathname);
    if (req.method === 'GET' && billingInfo) {
      const p = billingInfo[1]!;
      const account = o.rows.find((r) => r.project.id === p || p === o.table.split('.')[0])?.billing_account_id;
      if (!account) return reply(res, log, 404, { error: { code: 404, message: `Project ${p} not found`, status: 'NOT_FOUND' } });
      return reply(res, log, 200, { name: `projects/${p}/billingInfo`, projectId: p, billingAccountName: `billingAccounts/${account}`, billingEnabled: true });
    }
    const accountProjects = /^\/v1\/billingAccounts\/([^/]+)\/projects$/.exec(url.pathname);
    if (req.method === 'GET' && accountProjects) {
      const ids = [...new Set(o.rows.filter((r) => r.billing_account_id === accountProjects[1]).map((r) => r.project.id))].sort();
      return reply(res, log, 200, { projectBillingInfo: ids.map((id) => ({ name: `projects/${id}/billingInfo`, projectId: id, billingAccountName: `billingAccounts/${accountProjects[1]}`, billingEnabled: true })) });
    }
    if (req.method === 'GET' && /^\/v1\/services(?:\/[^/]+\/skus)?$/.test(url.pathname)) return catalog(res, log, url);
    const m = /^\/bigquery\/v2\/projects\/([^/]+)\/(queries|jobs)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return bqError(res, log, 404, 'notFound', `Not found: ${url.pathname}`);
    const [, project, kind, jobId] = m as unknown as [string, string, string, string | undefined];
    if (req.method === 'GET' && kind === 'queries' && jobId) {
      return page(res, log, project, jobId, Number(url.searchParams.get('pageToken') ?? 0), Math.min(Number(url.searchParams.get('maxResults') ?? o.pageSize), o.pageSize), 'bigquery#getQueryResultsResponse');
    }
    if (req.method === 'GET' && kind === 'jobs' && jobId) {
      return reply(res, log, 200, { kind: 'bigquery#job', id: `${project}:US.${jobId}`, jobReference: { projectId: project, jobId, location: 'US' }, status: { state: 'DONE' }, configuration: { jobType: 'QUERY' } });
    }
    if (req.method !== 'POST' || kind !== 'queries' || jobId) return bqError(res, log, 400, 'invalid', `unsupported ${req.method} ${url.pathname}`);
    const body = JSON.parse(raw) as { query: string; useLegacySql?: boolean; maxResults?: number; queryParameters?: Array<{ name: string; parameterValue: { value: string } }> };
    log.body = body as unknown as Record<string, unknown>;
    if (body.useLegacySql !== false) return bqError(res, log, 400, 'invalidQuery', 'oco queries use standard SQL');
    const tableRef = /FROM `([^`]+)`/.exec(body.query)?.[1];
    if (tableRef !== o.table) return bqError(res, log, 404, 'notFound', `Not found: Table ${tableRef?.replace(/\.(?=[^.]+\.[^.]+$)/, ':')} was not found in location US`);
    const params = Object.fromEntries((body.queryParameters ?? []).map((p) => [p.name, p.parameterValue.value]));
    if (!params.from || !params.to) return bqError(res, log, 400, 'invalidQuery', 'Query parameter @from / @to not found');
    const select = body.query.slice(body.query.indexOf('SELECT') + 6, body.query.indexOf('FROM `'));
    const aliases = select.split(/,\n/).map((e) => (/ AS (\w+)\s*$/.exec(e.trim())?.[1] ?? e.trim()));
    const unknown = aliases.filter((a) => !(a in OUTPUT) && !(a in SUMS));
    if (unknown.length) return bqError(res, log, 400, 'invalidQuery', `Unrecognized name: ${unknown[0]}`);
    const groups = new Map<string, { keys: Record<string, string | null>; sums: Record<string, Money> }>();
    for (const r of o.rows) {
      const day = r.usage_start_time.slice(0, 10);
      if (day < params.from || day >= params.to) continue;
      const keys = Object.fromEntries(aliases.filter((a) => a in OUTPUT && a !== 'pricing_unit').map((a) => [a, OUTPUT[a]!(r)]));
      const id = JSON.stringify(keys);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { keys: { ...keys, pricing_unit: OUTPUT.pricing_unit!(r) }, sums: {} }));
      for (const a of aliases) if (a in SUMS) g.sums[a] = (g.sums[a] ?? new Money(0)).plus(SUMS[a]!(r));
    }
    const rows = [...groups.values()]
      .sort((a, b) => String(a.keys.day).localeCompare(String(b.keys.day)))
      .map((g) => ({ f: aliases.map((a) => ({ v: a in SUMS ? g.sums[a]!.toFixed() : (g.keys[a] ?? null) })) }));
    const id = `job_${randomBytes(6).toString('hex')}`;
    jobs.set(id, { schema: aliases.map((a) => ({ name: a, type: 'STRING' })), rows });
    return page(res, log, project, id, 0, Math.min(body.maxResults ?? o.pageSize, o.pageSize), 'bigquery#queryResponse');
  }

  /** Catalog errors in the google.rpc.Status JSON the REST API sends. */
  const rpcError = (res: ServerResponse, log: GcpRequestLog, code: number, status: string, message: string, details: object[] = []) =>
    reply(res, log, code, { error: { code, message, status, ...(details.length ? { details } : {}) } });

  function catalog(res: ServerResponse, log: GcpRequestLog, url: URL): void {
    if (catalogRefused) {
      return rpcError(res, log, 403, 'PERMISSION_DENIED', 'Cloud Billing API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudbilling.googleapis.com/overview?project=123456789012 then retry.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: 'cloudbilling.googleapis.com', consumer: 'projects/123456789012' } },
      ]);
    }
    const cat = o.catalog ?? { services: [], skus: {}, pageSize: 5000 };
    const serviceId = /^\/v1\/services\/([^/]+)\/skus$/.exec(url.pathname)?.[1];
    const q = log.query;
    const size = q.pageSize === undefined ? 5000 : Number(q.pageSize);
    if (!Number.isInteger(size) || size < 0) return rpcError(res, log, 400, 'INVALID_ARGUMENT', `Invalid value for page_size: ${q.pageSize}`);
    const perPage = Math.min(size || 5000, 5000, cat.pageSize);
    // An opaque token bound to the list it came from, as the API's are.
    const list = serviceId ? `skus:${serviceId}:${q.currencyCode ?? 'USD'}` : 'services';
    let start = 0;
    if (q.pageToken) {
      const [forList, offset] = Buffer.from(q.pageToken, 'base64url').toString('utf8').split('|');
      if (forList !== list || !/^\d+$/.test(offset ?? '')) return rpcError(res, log, 400, 'INVALID_ARGUMENT', 'Invalid page token.');
      start = Number(offset);
    }
    const nextToken = (total: number) => (start + perPage < total ? { nextPageToken: Buffer.from(`${list}|${start + perPage}`).toString('base64url') } : {});
    if (!serviceId) {
      const services = cat.services.map((x) => ({ name: `services/${x.serviceId}`, serviceId: x.serviceId, displayName: x.displayName, businessEntityName: 'businessEntities/GCP' }));
      return reply(res, log, 200, { services: services.slice(start, start + perPage), ...nextToken(services.length) });
    }
    const skus = cat.skus[serviceId];
    if (!skus || !cat.services.some((x) => x.serviceId === serviceId)) return rpcError(res, log, 404, 'NOT_FOUND', `Service services/${serviceId} not found.`);
    const currency = q.currencyCode ?? 'USD';
    const rate = currency === 'USD' ? '1' : cat.rates?.[currency];
    if (!rate) return rpcError(res, log, 400, 'INVALID_ARGUMENT', `Unsupported currency code: ${currency}`);
    const priced = skus.slice(start, start + perPage).map((sku) => ({
      ...sku,
      pricingInfo: sku.pricingInfo.map((p) => ({
        ...p,
        currencyConversionRate: Number(rate),
        pricingExpression: { ...p.pricingExpression, tieredRates: p.pricingExpression.tieredRates.map((t) => ({ ...t, unitPrice: convert(t.unitPrice, currency, rate) })) },
      })),
    }));
    return reply(res, log, 200, { skus: priced, ...nextToken(skus.length) });
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (raw.length < 1 << 20) raw += c;
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    refuseCatalog: (refuse) => {
      catalogRefused = refuse;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A USD google.type.Money in another currency, rounded half-up to nanos; units and nanos keep one sign. */
function convert(m: CatalogMoney, currency: string, rate: string): CatalogMoney {
  if (currency === 'USD') return m;
  const usd = new Money(m.units).plus(new Money(m.nanos).dividedBy(1e9));
  const v = usd.times(rate).toDecimalPlaces(9, Money.ROUND_HALF_UP);
  const units = v.truncated();
  return { currencyCode: currency, units: units.toFixed(), nanos: v.minus(units).times(1e9).toNumber() };
}
