/**
 * A local Microsoft Entra ID (AAD) authority and Resource Manager Cost Management Query
 * API on one HTTPS server: OpenID discovery and the client-credentials token endpoint
 * MSAL calls, then POST .../providers/Microsoft.CostManagement/query with positional
 * rows[][], costs as raw JSON number literals, nextLink pages that must be re-posted
 * with the same body, and 429s carrying the Cost Management retry-after headers.
 *
 * The same server answers Azure Advisor's Recommendations - List (GET /subscriptions/S/providers/
 * Microsoft.Advisor/recommendations) as the service does: recommendations of every category, narrowed
 * by the $filter grammar Advisor documents (Category, ResourceGroup, ResourceId, RecommendationTypeGuid
 * with eq, and, or; anything else is a 400), pages linked by an absolute nextLink that carries the
 * api-version, filter and an opaque $skiptoken, 429s with Retry-After, and ARM's 401/403 bodies.
 *
 * The time period is cut as the service cuts it, per Microsoft's Cost Management query
 * guardrails (Time Period Validation): a Daily query answers for at most one month,
 * `from` moved up to `to` - 1 month + 1 day without an error; a `to` in the future is
 * moved back to today; a period over 37 months is refused with HTTP 400.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestTls } from './tls.js';

export interface AzureRow {
  cost: string; // a JSON number literal, sent as is
  day: number; // yyyymmdd
  service: string;
  second: string | null;
  currency: string;
}

export interface AzureFault {
  atCall: number;
  status: number;
  headers?: Record<string, string>;
  body?: object;
}

/** One Advisor recommendation exactly as the service sends it (id, name, type, properties{…}). */
export interface AdvisorRecord {
  id: string;
  name: string;
  type: 'Microsoft.Advisor/recommendations';
  properties: {
    category: string;
    impact?: string;
    impactedField?: string;
    impactedValue?: string;
    lastUpdated?: string;
    recommendationTypeId?: string;
    shortDescription?: { problem?: string; solution?: string };
    extendedProperties?: Record<string, string>;
    resourceMetadata?: { resourceId?: string; source?: string; singular?: string; plural?: string };
    [more: string]: unknown;
  };
}

export interface FakeAdvisorOptions {
  recommendations: AdvisorRecord[];
  pageSize: number;
  /** By Advisor request number (1-based, retries included). */
  faults?: AzureFault[];
}

export interface FakeAzureOptions {
  tls: TestTls;
  tenant: string;
  clientId: string;
  clientSecret: string;
  subscription: string;
  data: Record<'ActualCost' | 'AmortizedCost', AzureRow[]>;
  pageSize: number;
  faults?: AzureFault[];
  /** The service's today (YYYY-MM-DD), for the future-`to` rule; the real UTC day by default. */
  today?: string;
  /** A service that cuts Daily periods harder than documented (to this many days): what oco's completeness check is for. */
  dailyLimitDays?: number;
  advisor?: FakeAdvisorOptions;
}

export interface AzureRequestLog {
  path: string;
  status: number;
  at: number;
  method?: string;
  /** The query string's parameters, decoded. */
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** The days the answer covers after the service's period rules, both inclusive. */
  served?: { from: string; to: string };
}

/** Calendar months back from a day, clamped to the month's end (Mar 31 - 1 month = Feb 28/29), as .NET AddMonths. */
function monthsBefore(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 - months, 1));
  const days = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d, days)))
    .toISOString()
    .slice(0, 10);
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** What the service does to a custom Daily period (the only granularity the fake serves): the days it answers for, or why it refuses. */
export function servedPeriod(
  from: string,
  to: string,
  today: string,
  dailyLimitDays?: number,
): { from: string; to: string } | { error: string } {
  if (from < monthsBefore(to, 37))
    return { error: `Invalid query definition: the time period exceeds the maximum of 37 months` };
  const end = to > today ? today : to;
  let earliest = nextDay(monthsBefore(end, 1));
  if (dailyLimitDays) {
    const harder = new Date(Date.parse(`${end}T00:00:00Z`) - (dailyLimitDays - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    if (harder > earliest) earliest = harder;
  }
  return { from: from < earliest ? earliest : from, to: end };
}

export interface FakeAzure {
  url: string;
  requests: AzureRequestLog[];
  tokensIssued: number;
  /** A token the fake ARM accepts, as Entra ID would issue one to the Azure CLI after az login. */
  issueToken(): string;
  close(): Promise<void>;
}

export async function startFakeAzure(o: FakeAzureOptions): Promise<FakeAzure> {
  const requests: AzureRequestLog[] = [];
  const tokens = new Set<string>();
  let queryCalls = 0;
  let advisorCalls = 0;
  const firstBodies = new Map<string, string>();
  let base = '';
  const state = { tokensIssued: 0 };

  const json = (res: ServerResponse, status: number, body: object | string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', base);
    const log: AzureRequestLog = {
      path: url.pathname,
      status: 0,
      at: Date.now(),
      method: req.method,
      query: Object.fromEntries(url.searchParams),
    };
    requests.push(log);
    const reply = (status: number, body: object | string, headers?: Record<string, string>) => {
      log.status = status;
      json(res, status, body, headers);
    };
    const t = o.tenant;
    if (req.method === 'GET' && url.pathname === `/${t}/v2.0/.well-known/openid-configuration`) {
      return reply(200, {
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        issuer: `${base}/${t}/v2.0`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'token'],
      });
    }
    if (req.method === 'POST' && url.pathname === `/${t}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'client_credentials')
        return reply(400, {
          error: 'unsupported_grant_type',
          error_description: 'AADSTS70003: grant type not supported here',
        });
      if (form.get('client_id') !== o.clientId || form.get('client_secret') !== o.clientSecret) {
        return reply(401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
        });
      }
      const token = randomBytes(24).toString('hex');
      tokens.add(token);
      state.tokensIssued++;
      return reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.advisor\/recommendations$/i.test(url.pathname))
      return advisorList(req, url, reply);
    const queryPath = `/subscriptions/${o.subscription}/providers/Microsoft.CostManagement/query`;
    if (url.pathname.toLowerCase() !== queryPath.toLowerCase() || req.method !== 'POST') {
      return reply(404, { error: { code: 'NotFound', message: `No route for ${req.method} ${url.pathname}` } });
    }
    if (!tokens.has(String(req.headers.authorization).replace(/^Bearer /, ''))) {
      return reply(401, {
        error: {
          code: 'AuthenticationFailed',
          message: 'Authentication failed. The access token is missing or invalid.',
        },
      });
    }
    if (!url.searchParams.get('api-version'))
      return reply(400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter (?api-version=) is required for all requests.',
        },
      });
    let body: {
      type?: string;
      timeframe?: string;
      timePeriod?: { from: string; to: string };
      dataset?: {
        granularity?: string;
        grouping?: Array<{ type: string; name: string }>;
        aggregation?: Record<string, { name: string; function: string }>;
      };
    };
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(400, { error: { code: 'BadRequest', message: 'Invalid request body' } });
    }
    log.body = body as Record<string, unknown>;
    queryCalls++;
    const fault = o.faults?.find((f) => f.atCall === queryCalls);
    if (fault)
      return reply(
        fault.status,
        fault.body ?? { error: { code: '429', message: 'Too many requests. Please retry.' } },
        fault.headers,
      );
    const type = body.type as 'ActualCost' | 'AmortizedCost';
    const grouping = body.dataset?.grouping ?? [];
    if (
      !o.data[type] ||
      body.timeframe !== 'Custom' ||
      !body.timePeriod ||
      body.dataset?.granularity !== 'Daily' ||
      grouping.length > 2
    ) {
      return reply(400, {
        error: {
          code: 'BadRequest',
          message: `Invalid query definition: type ${type}, timeframe ${body.timeframe}, ${grouping.length} groupings (at most 2)`,
        },
      });
    }
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    if (skip === 0) firstBodies.set(type, raw);
    else if (firstBodies.get(type) !== raw)
      return reply(400, { error: { code: 'BadRequest', message: 'The request body changed between pages' } });
    const period = servedPeriod(
      body.timePeriod.from.slice(0, 10),
      body.timePeriod.to.slice(0, 10),
      o.today ?? new Date().toISOString().slice(0, 10),
      o.dailyLimitDays,
    );
    if ('error' in period) return reply(400, { error: { code: 'BadRequest', message: period.error } });
    log.served = period;
    const from = Number(period.from.replace(/-/g, ''));
    const to = Number(period.to.replace(/-/g, ''));
    const rows = o.data[type].filter((r) => r.day >= from && r.day <= to);
    const page = rows.slice(skip, skip + o.pageSize);
    const next =
      skip + o.pageSize < rows.length
        ? `${base}${url.pathname}?api-version=${url.searchParams.get('api-version')}&$skiptoken=${skip + o.pageSize}`
        : null;
    const second = grouping[1]?.name ?? 'ResourceId';
    // Built by hand so cost literals reach the client exactly as written, digits a double cannot hold included.
    const rowText = page
      .map(
        (r) =>
          `[${r.cost},${r.day},${JSON.stringify(r.service)},${JSON.stringify(r.second)},${JSON.stringify(r.currency)}]`,
      )
      .join(',');
    const text =
      `{"id":"${queryPath}/query/fake","name":"fake","type":"Microsoft.CostManagement/query","properties":{"nextLink":${JSON.stringify(next)},` +
      `"columns":[{"name":"Cost","type":"Number"},{"name":"UsageDate","type":"Number"},{"name":"ServiceName","type":"String"},{"name":${JSON.stringify(second)},"type":"String"},{"name":"Currency","type":"String"}],` +
      `"rows":[${rowText}]}}`;
    return reply(200, text);
  }

  /** Recommendations - List: auth, api-version, $filter, faults, then one page. */
  function advisorList(
    req: IncomingMessage,
    url: URL,
    reply: (status: number, body: object | string, headers?: Record<string, string>) => void,
  ): void {
    if (req.method !== 'GET')
      return reply(405, { error: { code: 'MethodNotAllowed', message: `${req.method} is not supported here` } });
    if (!tokens.has(String(req.headers.authorization).replace(/^Bearer /, '')))
      return reply(401, {
        error: {
          code: 'InvalidAuthenticationToken',
          message: 'The access token is invalid.',
        },
      });
    const sub = url.pathname.split('/')[2]!;
    if (sub.toLowerCase() !== o.subscription.toLowerCase())
      return reply(404, {
        error: { code: 'SubscriptionNotFound', message: `The subscription '${sub}' could not be found.` },
      });
    const version = url.searchParams.get('api-version');
    if (!version)
      return reply(400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter (?api-version=) is required for all requests.',
        },
      });
    if (!ADVISOR_API_VERSIONS.includes(version))
      return reply(400, {
        error: {
          code: 'InvalidApiVersionParameter',
          message: `The api-version '${version}' is invalid. The supported versions are '${ADVISOR_API_VERSIONS.join("','")}'.`,
        },
      });
    const filter = url.searchParams.get('$filter');
    let keep: (r: AdvisorRecord) => boolean = () => true;
    if (filter !== null) {
      const parsed = parseAdvisorFilter(filter);
      if (typeof parsed === 'string') return reply(400, { error: { code: 'BadRequest', message: parsed } });
      keep = parsed;
    }
    advisorCalls++;
    const fault = o.advisor?.faults?.find((f) => f.atCall === advisorCalls);
    if (fault)
      return reply(
        fault.status,
        fault.body ?? { error: { code: 'TooManyRequests', message: 'Too many requests. Please retry.' } },
        fault.headers,
      );
    const all = (o.advisor?.recommendations ?? []).filter(keep);
    const token = url.searchParams.get('$skiptoken');
    const skip =
      token === null
        ? 0
        : Number(
            Buffer.from(token, 'base64url')
              .toString('utf8')
              .replace(/^offset:/, ''),
          );
    if (!Number.isInteger(skip) || skip < 0)
      return reply(400, { error: { code: 'BadRequest', message: 'The $skiptoken is invalid.' } });
    const top = Number(url.searchParams.get('$top') ?? 0);
    const size = top > 0 ? Math.min(top, o.advisor?.pageSize ?? 100) : (o.advisor?.pageSize ?? 100);
    const value = all.slice(skip, skip + size);
    const next = new URL(`${base}${url.pathname}`);
    next.searchParams.set('api-version', version);
    if (filter !== null) next.searchParams.set('$filter', filter);
    if (top > 0) next.searchParams.set('$top', String(top));
    next.searchParams.set('$skiptoken', Buffer.from(`offset:${skip + size}`).toString('base64url'));
    return reply(200, skip + size < all.length ? { value, nextLink: next.toString() } : { value });
  }

  const server: Server = createServer({ key: o.tls.key, cert: o.tls.cert }, (req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (raw.length < 1 << 20) raw += c;
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    get tokensIssued() {
      return state.tokensIssued;
    },
    issueToken() {
      const token = randomBytes(24).toString('hex');
      tokens.add(token);
      return token;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The api-versions Recommendations - List accepts (the SDK sends the one it was generated for). */
export const ADVISOR_API_VERSIONS = ['2017-04-19', '2020-01-01', '2022-10-01', '2023-01-01', '2025-01-01'];

/** ARM id → its resource group, as Advisor's ResourceGroup filter reads it. */
function resourceGroupOf(r: AdvisorRecord): string | undefined {
  const id = r.properties.resourceMetadata?.resourceId ?? r.id;
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
}

const ADVISOR_FILTER_FIELDS: Record<string, (r: AdvisorRecord) => string | undefined> = {
  category: (r) => r.properties.category,
  resourcegroup: resourceGroupOf,
  resourceid: (r) => r.properties.resourceMetadata?.resourceId,
  recommendationtypeguid: (r) => r.properties.recommendationTypeId,
};

/**
 * Advisor's $filter: `Prop eq 'value'` clauses joined by `and` (binding tighter) and `or`; the
 * properties it documents; values compared as the service compares them, ignoring case.
 */
export function parseAdvisorFilter(filter: string): ((r: AdvisorRecord) => boolean) | string {
  const alternatives: Array<Array<{ field: (r: AdvisorRecord) => string | undefined; value: string }>> = [];
  for (const alt of filter.split(/\s+or\s+/i)) {
    const clauses = [];
    for (const clause of alt.split(/\s+and\s+/i)) {
      const m = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
      if (!m) return `Invalid $filter: cannot parse '${clause.trim()}'`;
      const field = ADVISOR_FILTER_FIELDS[m[1]!.toLowerCase()];
      if (!field)
        return `Invalid $filter: '${m[1]}' is not a filterable property (ResourceId, ResourceGroup, RecommendationTypeGuid, Category)`;
      clauses.push({ field, value: m[2]!.replace(/''/g, "'").toLowerCase() });
    }
    alternatives.push(clauses);
  }
  return (r) => alternatives.some((all) => all.every((c) => (c.field(r) ?? '').toLowerCase() === c.value));
}
