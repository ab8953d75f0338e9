/**
 * The admin API's route list and its OpenAPI 3.1 document, side by side. Each module that registers routes exports
 * their documentation next to them (`…RouteDocs`); to add a module, add its routes to `adminRoutes` and its docs to
 * `ROUTE_DOCS`. `test/api/openapi.test.ts` walks this list: every route documented, every documented operation
 * answering. `npm run openapi` writes the document to docs/openapi.json (shipped in the npm package);
 * `GET /api/v1/openapi.json` serves the same document.
 */
import type { OcoConfig } from '../core/base/config/resolve.js';
import { mergeRouteDocs, op, obj, openApiDocument, type Operation, type RouteDocs } from '../core/base/openapi.js';
import type { Store } from '../core/base/store/types.js';
import { version } from '../core/base/version.js';
import { alertAdminRoutes, alertRouteDocs } from '../core/gateway/alerts/admin-api.js';
import { entityAdminRoutes, entityRouteDocs } from '../core/gateway/entities/admin-api.js';
import { adminKeyAdminRoutes, adminKeyRouteDocs } from '../core/gateway/keys/admin-keys-api.js';
import { keyAdminRoutes, keyRouteDocs } from '../core/gateway/keys/admin-api.js';
import type { PriceBook } from '../core/gateway/pricing/book.js';
import { pricingAdminRoutes, pricingRouteDocs } from '../core/gateway/pricing/admin-api.js';
import type { AdminRoute } from '../core/gateway/proxy/admission.js';
import { routePolicyAdminRoutes, routePolicyRouteDocs } from '../core/gateway/routing/admin-api.js';
import { spendRouteDocs } from '../core/gateway/spend/admin-api.js';
import { usageAdminRoutes, usageRouteDocs } from '../core/gateway/usage/admin-api.js';
import { insightsAdminRoutes, insightsRouteDocs } from './insights-api.js';
import { REPORT_SOURCES } from './report-sources.js';
import { reportAdminRoutes, reportRouteDocs } from './report-route.js';

const OPENAPI_PATH = '/api/v1/openapi.json';

/** The daemon's own endpoints beside the admin API: no admin key, except /metrics when metrics.requireAdminKey. */
const GATEWAY_DOCS: RouteDocs = {
  '/health': { get: unauthenticated('health', 'Liveness, the recorder queue and the engine') },
  '/health/ready': { get: unauthenticated('ready', 'Readiness: 200 ready, 503 not ready', true) },
  '/health/providers': { get: unauthenticated('providerHealth', 'Last success and error per upstream', true) },
  '/health/db': { get: unauthenticated('dbHealth', 'Whether the database answers', true) },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (text exposition format; docs/observability.md)',
      operationId: 'metrics',
      tags: ['health'],
      security: [{}, { adminKey: [] }],
      responses: {
        '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
        '401': { description: 'metrics are behind the admin key and none was given' },
      },
      'x-oco-scope': 'none',
    },
  },
};

function unauthenticated(id: string, summary: string, may503 = false): Operation {
  return {
    summary,
    operationId: id,
    tags: ['health'],
    security: [],
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      ...(may503
        ? {
            '503': {
              description: 'Not ready / unavailable',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          }
        : {}),
    },
    'x-oco-scope': 'none',
  };
}

/** Every module's route docs; the order does not matter (paths are sorted in the document). */
export const ROUTE_DOCS: readonly RouteDocs[] = [
  spendRouteDocs,
  usageRouteDocs,
  pricingRouteDocs,
  keyRouteDocs,
  adminKeyRouteDocs,
  routePolicyRouteDocs,
  insightsRouteDocs,
  reportRouteDocs,
  entityRouteDocs,
  alertRouteDocs,
  {
    [OPENAPI_PATH]: {
      get: op('get', {
        id: 'openapi',
        tag: 'meta',
        summary: 'This document (OpenAPI 3.1)',
        ok: obj('the OpenAPI document'),
      }),
    },
  },
];

let cached: Record<string, unknown> | undefined;

/** The admin API's routes and the gateway's health and metrics endpoints, as one OpenAPI 3.1 document. */
export function adminApiDocument(): Record<string, unknown> {
  cached ??= openApiDocument(version(), mergeRouteDocs(ROUTE_DOCS), GATEWAY_DOCS);
  return cached;
}

/**
 * The admin routes the daemon serves, in one list. `spendRoutes` are the spend-controls module's (loaded by the
 * daemon when present: budgets, limits, alerts).
 */
export function adminRoutes(
  config: OcoConfig,
  store: Store,
  deps: { spendRoutes: AdminRoute[]; prices: () => PriceBook },
): AdminRoute[] {
  return [
    ...deps.spendRoutes,
    ...usageAdminRoutes(store),
    ...pricingAdminRoutes(store, deps.prices),
    ...routePolicyAdminRoutes(store),
    ...insightsAdminRoutes(config, store),
    ...reportAdminRoutes(store, REPORT_SOURCES),
    ...keyAdminRoutes(store, { timezone: config.string('budget.timezone') ?? 'UTC' }),
    ...adminKeyAdminRoutes(store),
    ...entityAdminRoutes(store),
    ...alertAdminRoutes(config, store),
    {
      method: 'GET',
      pattern: /^\/api\/v1\/openapi\.json$/,
      handle: async () => ({ status: 200, body: adminApiDocument() }),
    },
  ];
}
