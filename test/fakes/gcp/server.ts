/**
 * A local Google OAuth token endpoint (the service-account key's token_uri: JWT-bearer
 * grant, RS256 signature verified against the key's public half) and a BigQuery REST API:
 * jobs.query (POST /bigquery/v2/projects/P/queries) answering the first page, then
 * getQueryResults (GET .../queries/JOB?pageToken=) for the rest, rows in the f/v format.
 *
 * BigQuery's SQL engine cannot run here, so the fake parses and evaluates the query oco
 * sends (sql.ts: the GoogleSQL subset it uses, with BigQuery's FLOAT64, NUMERIC and
 * BIGNUMERIC semantics) over raw export rows (the fixture's shape, FLOAT64 values as their
 * literals), with the query's own named, typed parameters. The table is ingestion-time
 * partitioned like the billing export (each row has the day it was loaded, later than its
 * usage for late-reported lines, or none while in the streaming buffer) and, when the
 * table requires a partition filter, a query without one is refused as BigQuery does.
 * Result pages: maxResults, capped at the fake's pageSize (BigQuery's own cap is 10 MB
 * a response, also enforced), and an opaque pageToken bound to its job.
 *
 * It also serves the Cloud Billing Catalog API as its REST surface answers: GET /v1/services
 * and GET /v1/services/{id}/skus, pageSize (default and cap 5000, here a smaller cap so real
 * page walks happen) and an opaque pageToken → nextPageToken (absent on the last page),
 * currencyCode converting every unitPrice from USD at a fixed rate (rounded to nanos, rate in
 * currencyConversionRate), 404 NOT_FOUND for an unknown service, and on request the 403
 * PERMISSION_DENIED a project without the Cloud Billing API gets.
 *
 * And the Recommender API v1 (recommender.ts): GET /v1/projects/P/locations/L/recommenders/R/recommendations
 * with its filter (AIP-160), pageSize/pageToken, enums as numbers when the client asks for them, the
 * cloud-platform scope required, and on request 429 RESOURCE_EXHAUSTED and 403 PERMISSION_DENIED.
 */
import { createPublicKey, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '../../../src/core/base/money.js';
import { recommenderRoute, type FakeRecommender, type RecommenderControl } from './recommender.js';
import {
  evaluate,
  hasPartitionFilter,
  isAggregate,
  parseQuery,
  roundTripDoubleToString,
  SqlError,
  type Env,
  type Query,
  type Schema,
  type Value,
  Exact,
} from './sql.js';

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
  /**
   * The UTC day the export loaded the line (its `_PARTITIONTIME`): the usage day when absent,
   * later for late-reported usage, null while the line is still in the streaming buffer.
   */
  partition?: string | null;
}

export interface FakeGcpOptions {
  publicKeyPem: string;
  clientEmail: string;
  table: string;
  rows: ExportRow[];
  pageSize: number;
  catalog?: FakeCatalog;
  /** The table's require_partition_filter option (off by default, as on a new export table). */
  requirePartitionFilter?: boolean;
  recommender?: FakeRecommender;
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
  /** Recommender's failure switches: throttling, refusals per parent. */
  recommender: RecommenderControl;
  close(): Promise<void>;
}

/** The billing export's columns the fake holds, with their BigQuery types; the resource and price columns exist only in the detailed export. */
const EXPORT_TYPES: Record<string, string> = {
  billing_account_id: 'STRING',
  'service.id': 'STRING',
  'service.description': 'STRING',
  'sku.id': 'STRING',
  'sku.description': 'STRING',
  usage_start_time: 'TIMESTAMP',
  'project.id': 'STRING',
  'project.name': 'STRING',
  labels: 'ARRAY',
  'labels[].key': 'STRING',
  'labels[].value': 'STRING',
  'location.region': 'STRING',
  cost: 'FLOAT64',
  currency: 'STRING',
  'usage.amount_in_pricing_units': 'FLOAT64',
  'usage.pricing_unit': 'STRING',
  credits: 'ARRAY',
  'credits[].amount': 'FLOAT64',
};
const DETAILED_TYPES: Record<string, string> = {
  'resource.name': 'STRING',
  'resource.global_name': 'STRING',
  'price.effective_price': 'FLOAT64',
  'price.tier_start_amount': 'FLOAT64',
  'price.unit': 'STRING',
  'price.pricing_unit_quantity': 'FLOAT64',
};
/** BigQuery's limit on one page of results, whatever maxResults says. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** A query parameter as jobs.query carries it (parameterType + parameterValue), typed. */
function parameter(p: { parameterType?: { type?: string }; parameterValue?: { value?: string | null } }): Value {
  const raw = p.parameterValue?.value;
  if (raw === null || raw === undefined) return null;
  switch (p.parameterType?.type) {
    case 'STRING':
      return { t: 'STRING', v: raw };
    case 'DATE':
      if (!/^\d{4}-\d\d-\d\d$/.test(raw)) throw new SqlError(`Invalid date: '${raw}'`);
      return { t: 'DATE', v: raw };
    case 'INT64':
      return { t: 'INT64', v: new Exact(raw) };
    case 'FLOAT64':
      return { t: 'FLOAT64', v: Number(raw) };
    default:
      throw new SqlError(`the fake does not take ${p.parameterType?.type} parameters`);
  }
}

/** A result cell in the REST f/v form: every scalar as a string. */
function wire(v: Value): string | null {
  if (v === null) return null;
  switch (v.t) {
    case 'FLOAT64':
      return roundTripDoubleToString(v.v);
    case 'INT64':
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return v.v.toFixed();
    case 'TIMESTAMP':
      return String(v.v / 1000);
    case 'ARRAY':
      throw new SqlError('the fake returns scalar columns only');
    default:
      return String(v.v);
  }
}

/**
 * Runs a parsed query over the rows: WHERE, then GROUP BY the non-aggregated SELECT items
 * (each must be named in GROUP BY), aggregates over each group, ORDER BY the named items.
 */
function run(
  q: Query,
  envs: Env[],
): { schema: Array<{ name: string; type: string }>; rows: Array<{ f: Array<{ v: string | null }> }> } {
  const kept = q.where
    ? envs.filter((e) => {
        const v = evaluate(q.where!, e);
        return v !== null && v.t === 'BOOL' && v.v;
      })
    : envs;
  const aggregated = q.select.some((s) => isAggregate(s.expr)) || q.groupBy.length > 0;
  const aliases = new Set(q.select.map((s) => s.alias));
  for (const g of q.groupBy)
    if (!aliases.has(g)) throw new SqlError(`Unrecognized name: ${g} (the fake groups by SELECT aliases)`);
  const keys = q.select.filter((s) => !isAggregate(s.expr));
  if (aggregated) {
    for (const k of keys)
      if (!q.groupBy.includes(k.alias))
        throw new SqlError(`SELECT list expression references ${k.alias} which is neither grouped nor aggregated`);
  }
  let out: Value[][];
  if (!aggregated) out = kept.map((e) => q.select.map((s) => evaluate(s.expr, e)));
  else {
    const groups = new Map<string, Env[]>();
    for (const e of kept) {
      const id = JSON.stringify(keys.map((k) => wire(evaluate(k.expr, e))));
      const g = groups.get(id);
      if (g) g.push(e);
      else groups.set(id, [e]);
    }
    out = [...groups.values()].map((g) =>
      q.select.map((s) => (isAggregate(s.expr) ? evaluate(s.expr, g[0]!, g) : evaluate(s.expr, g[0]!))),
    );
  }
  for (const name of [...q.orderBy].reverse()) {
    const i = q.select.findIndex((s) => s.alias === name);
    if (i < 0) throw new SqlError(`Unrecognized name: ${name}`);
    out.sort((a, b) => String(wire(a[i]!)).localeCompare(String(wire(b[i]!))));
  }
  const schema = q.select.map((s, i) => ({ name: s.alias, type: out.find((r) => r[i] !== null)?.[i]?.t ?? 'STRING' }));
  return { schema, rows: out.map((r) => ({ f: r.map((v) => ({ v: wire(v) })) })) };
}

function b64json(s: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startFakeGcp(o: FakeGcpOptions): Promise<FakeGcp> {
  const key: KeyObject = createPublicKey(o.publicKeyPem);
  const requests: GcpRequestLog[] = [];
  const tokens = new Set<string>();
  const scopes = new Map<string, string>();
  const recommender = recommenderRoute(o.recommender);
  let catalogRefused = false;
  const jobs = new Map<
    string,
    { schema: Array<{ name: string; type: string }>; rows: Array<{ f: Array<{ v: string | null }> }> }
  >();
  let base = '';

  function reply(res: ServerResponse, log: GcpRequestLog, status: number, body: object): void {
    log.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }
  const bqError = (res: ServerResponse, log: GcpRequestLog, status: number, reason: string, message: string) =>
    reply(res, log, status, {
      error: {
        code: status,
        message,
        errors: [{ message, domain: 'global', reason }],
        status: reason === 'notFound' ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
      },
    });

  /** A page token: opaque to the client, bound to its job (BigQuery refuses another job's token). */
  const token = (jobId: string, offset: number) => Buffer.from(`${jobId}|${offset}`).toString('base64url');
  function page(
    res: ServerResponse,
    log: GcpRequestLog,
    project: string,
    jobId: string,
    pageToken: string | null,
    maxResults: number,
    kind: string,
  ): void {
    const job = jobs.get(jobId);
    if (!job) return bqError(res, log, 404, 'notFound', `Not found: Job ${project}:${jobId}`);
    let start = 0;
    if (pageToken !== null) {
      const [forJob, offset] = Buffer.from(pageToken, 'base64url').toString('utf8').split('|');
      if (forJob !== jobId || !/^\d+$/.test(offset ?? ''))
        return bqError(res, log, 400, 'invalid', `Invalid page token: ${pageToken}`);
      start = Number(offset);
    }
    const max = Math.min(maxResults, o.pageSize);
    const rows: typeof job.rows = [];
    let bytes = 0;
    for (const r of job.rows.slice(start, start + max)) {
      bytes += JSON.stringify(r).length + 1;
      if (bytes > MAX_RESPONSE_BYTES && rows.length) break;
      rows.push(r);
    }
    const end = start + rows.length;
    reply(res, log, 200, {
      kind,
      jobReference: { projectId: project, jobId, location: 'US' },
      jobComplete: true,
      schema: { fields: job.schema },
      rows,
      totalRows: String(job.rows.length),
      ...(end < job.rows.length ? { pageToken: token(jobId, end) } : {}),
      cacheHit: false,
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', base);
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== '$alt'));
    const log: GcpRequestLog = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      status: 0,
      authorization: req.headers.authorization,
    };
    requests.push(log);
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(raw);
      const jwt = form.get('assertion') ?? '';
      const [h, c, sig] = jwt.split('.');
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !h || !c || !sig)
        return reply(res, log, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      const valid = createVerify('RSA-SHA256').update(`${h}.${c}`).verify(key, Buffer.from(sig, 'base64url'));
      const claims = b64json(c);
      if (!valid) return reply(res, log, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      if (
        claims.iss !== o.clientEmail ||
        claims.aud !== `${base}/token` ||
        !/bigquery|cloud-platform/.test(String(claims.scope)) ||
        Number(claims.exp) < Date.now() / 1000
      ) {
        return reply(res, log, 400, {
          error: 'invalid_grant',
          error_description: 'Invalid JWT: iss, aud, scope or exp',
        });
      }
      const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      scopes.set(token, String(claims.scope));
      return reply(res, log, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    if (!tokens.has(String(req.headers.authorization).replace(/^Bearer /, ''))) {
      return reply(res, log, 401, {
        error: {
          code: 401,
          message: 'Request is missing required authentication credential.',
          errors: [{ reason: 'required', message: 'Login Required.' }],
          status: 'UNAUTHENTICATED',
        },
      });
    }
    if (recommender.matches(url)) {
      const scope = scopes.get(String(req.headers.authorization).replace(/^Bearer /, '')) ?? '';
      const answer = recommender.handle(req.method ?? '', url, scope);
      return reply(res, log, answer.status, answer.body);
    }
    // Cloud Billing API v1 (REST, as the client's fallback transport sends it).
    const billingInfo = /^\/v1\/projects\/([^/]+)\/billingInfo$/.exec(url.pathname);
    if (req.method === 'GET' && billingInfo) {
      const p = billingInfo[1]!;
      const account = o.rows.find((r) => r.project.id === p || p === o.table.split('.')[0])?.billing_account_id;
      if (!account)
        return reply(res, log, 404, { error: { code: 404, message: `Project ${p} not found`, status: 'NOT_FOUND' } });
      return reply(res, log, 200, {
        name: `projects/${p}/billingInfo`,
        projectId: p,
        billingAccountName: `billingAccounts/${account}`,
        billingEnabled: true,
      });
    }
    const accountProjects = /^\/v1\/billingAccounts\/([^/]+)\/projects$/.exec(url.pathname);
    if (req.method === 'GET' && accountProjects) {
      const ids = [
        ...new Set(o.rows.filter((r) => r.billing_account_id === accountProjects[1]).map((r) => r.project.id)),
      ].sort();
      return reply(res, log, 200, {
        projectBillingInfo: ids.map((id) => ({
          name: `projects/${id}/billingInfo`,
          projectId: id,
          billingAccountName: `billingAccounts/${accountProjects[1]}`,
          billingEnabled: true,
        })),
      });
    }
    if (req.method === 'GET' && /^\/v1\/services(?:\/[^/]+\/skus)?$/.test(url.pathname)) return catalog(res, log, url);
    const m = /^\/bigquery\/v2\/projects\/([^/]+)\/(queries|jobs)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return bqError(res, log, 404, 'notFound', `Not found: ${url.pathname}`);
    const [, project, kind, jobId] = m as unknown as [string, string, string, string | undefined];
    if (req.method === 'GET' && kind === 'queries' && jobId) {
      const maxResults = url.searchParams.get('maxResults');
      if (maxResults !== null && !/^\d+$/.test(maxResults))
        return bqError(res, log, 400, 'invalid', `Invalid value for maxResults: ${maxResults}`);
      return page(
        res,
        log,
        project,
        jobId,
        url.searchParams.get('pageToken'),
        maxResults === null ? o.pageSize : Number(maxResults),
        'bigquery#getQueryResultsResponse',
      );
    }
    if (req.method === 'GET' && kind === 'jobs' && jobId) {
      return reply(res, log, 200, {
        kind: 'bigquery#job',
        id: `${project}:US.${jobId}`,
        jobReference: { projectId: project, jobId, location: 'US' },
        status: { state: 'DONE' },
        configuration: { jobType: 'QUERY' },
      });
    }
    if (req.method !== 'POST' || kind !== 'queries' || jobId)
      return bqError(res, log, 400, 'invalid', `unsupported ${req.method} ${url.pathname}`);
    const body = JSON.parse(raw) as {
      query: string;
      useLegacySql?: boolean;
      maxResults?: number;
      queryParameters?: Array<{ name: string; parameterType?: { type?: string }; parameterValue?: { value?: string } }>;
    };
    log.body = body as unknown as Record<string, unknown>;
    if (body.useLegacySql !== false) return bqError(res, log, 400, 'invalidQuery', 'oco queries use standard SQL');
    if (body.maxResults !== undefined && (!Number.isInteger(body.maxResults) || body.maxResults < 0))
      return bqError(res, log, 400, 'invalid', `Invalid value for maxResults: ${body.maxResults}`);
    const tableRef = /FROM\s+`([^`]+)`/i.exec(body.query)?.[1];
    if (tableRef !== o.table)
      return bqError(
        res,
        log,
        404,
        'notFound',
        `Not found: Table ${tableRef?.replace(/\.(?=[^.]+\.[^.]+$)/, ':')} was not found in location US`,
      );
    let result: ReturnType<typeof run>;
    try {
      const q = parseQuery(body.query);
      if (o.requirePartitionFilter && !hasPartitionFilter(q.where)) {
        throw new SqlError(
          `Cannot query over table '${o.table}' without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME' that can be used for partition elimination`,
        );
      }
      const params = Object.fromEntries((body.queryParameters ?? []).map((p) => [p.name, parameter(p)]));
      const schema: Schema = {
        types: /gcp_billing_export_resource_v1_/i.test(o.table) ? { ...EXPORT_TYPES, ...DETAILED_TYPES } : EXPORT_TYPES,
        read: (row, path) =>
          path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | null | undefined)?.[k], row),
      };
      result = run(
        q,
        o.rows.map((row) => ({
          schema,
          row,
          params,
          partition: row.partition === undefined ? row.usage_start_time.slice(0, 10) : row.partition,
        })),
      );
    } catch (err) {
      if (err instanceof SqlError) return bqError(res, log, 400, 'invalidQuery', err.message);
      throw err;
    }
    const id = `job_${randomBytes(6).toString('hex')}`;
    jobs.set(id, result);
    return page(res, log, project, id, null, body.maxResults ?? o.pageSize, 'bigquery#queryResponse');
  }

  /** Catalog errors in the google.rpc.Status JSON the REST API sends. */
  const rpcError = (
    res: ServerResponse,
    log: GcpRequestLog,
    code: number,
    status: string,
    message: string,
    details: object[] = [],
  ) => reply(res, log, code, { error: { code, message, status, ...(details.length ? { details } : {}) } });

  function catalog(res: ServerResponse, log: GcpRequestLog, url: URL): void {
    if (catalogRefused) {
      return rpcError(
        res,
        log,
        403,
        'PERMISSION_DENIED',
        'Cloud Billing API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudbilling.googleapis.com/overview?project=123456789012 then retry.',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'SERVICE_DISABLED',
            domain: 'googleapis.com',
            metadata: { service: 'cloudbilling.googleapis.com', consumer: 'projects/123456789012' },
          },
        ],
      );
    }
    const cat = o.catalog ?? { services: [], skus: {}, pageSize: 5000 };
    const serviceId = /^\/v1\/services\/([^/]+)\/skus$/.exec(url.pathname)?.[1];
    const q = log.query;
    const size = q.pageSize === undefined ? 5000 : Number(q.pageSize);
    if (!Number.isInteger(size) || size < 0)
      return rpcError(res, log, 400, 'INVALID_ARGUMENT', `Invalid value for page_size: ${q.pageSize}`);
    const perPage = Math.min(size || 5000, 5000, cat.pageSize);
    // An opaque token bound to the list it came from, as the API's are.
    const list = serviceId ? `skus:${serviceId}:${q.currencyCode ?? 'USD'}` : 'services';
    let start = 0;
    if (q.pageToken) {
      const [forList, offset] = Buffer.from(q.pageToken, 'base64url').toString('utf8').split('|');
      if (forList !== list || !/^\d+$/.test(offset ?? ''))
        return rpcError(res, log, 400, 'INVALID_ARGUMENT', 'Invalid page token.');
      start = Number(offset);
    }
    const nextToken = (total: number) =>
      start + perPage < total ? { nextPageToken: Buffer.from(`${list}|${start + perPage}`).toString('base64url') } : {};
    if (!serviceId) {
      const services = cat.services.map((x) => ({
        name: `services/${x.serviceId}`,
        serviceId: x.serviceId,
        displayName: x.displayName,
        businessEntityName: 'businessEntities/GCP',
      }));
      return reply(res, log, 200, { services: services.slice(start, start + perPage), ...nextToken(services.length) });
    }
    const skus = cat.skus[serviceId];
    if (!skus || !cat.services.some((x) => x.serviceId === serviceId))
      return rpcError(res, log, 404, 'NOT_FOUND', `Service services/${serviceId} not found.`);
    const currency = q.currencyCode ?? 'USD';
    const rate = currency === 'USD' ? '1' : cat.rates?.[currency];
    if (!rate) return rpcError(res, log, 400, 'INVALID_ARGUMENT', `Unsupported currency code: ${currency}`);
    const priced = skus.slice(start, start + perPage).map((sku) => ({
      ...sku,
      pricingInfo: sku.pricingInfo.map((p) => ({
        ...p,
        currencyConversionRate: Number(rate),
        pricingExpression: {
          ...p.pricingExpression,
          tieredRates: p.pricingExpression.tieredRates.map((t) => ({
            ...t,
            unitPrice: convert(t.unitPrice, currency, rate),
          })),
        },
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
    recommender: recommender.control,
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
