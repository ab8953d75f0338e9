import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError, isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import type { PriceBook } from '../pricing/book.js';
import { priceTable } from '../pricing/service.js';
import type { Store } from '../../base/store/types.js';
import { GROUP_BY, listRequests, summarize, type GroupBy } from '../usage/summary.js';
import type { AdminRoute } from './admission.js';
import { firstHeader, readBody, sendJson } from './http-util.js';
import { safeEqual } from './secret.js';
import { randomUUID } from 'node:crypto';

export interface AdminContext {
  adminApiKey?: string;
  store: Store;
  prices: () => PriceBook;
  routes: AdminRoute[];
}

const DAY = 86_400_000;

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { error: { type, message, request_id: randomUUID() } });
}

/**
 * The admin API: fail-secure (no OCO_ADMIN_API_KEY configured → every call is
 * refused), key compared in constant time, JSON in and out. Extra routes
 * (budgets…) come from the spend-controls module. Keys are snake_case on this
 * API (services return camelCase; `snakeCaseKeys` spells them here).
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: string,
  ctx: AdminContext,
): Promise<void> {
  if (!ctx.adminApiKey) {
    fail(res, 403, 'admin_disabled', 'the admin API is disabled: set OCO_ADMIN_API_KEY on the daemon to enable it');
    return;
  }
  const presented = firstHeader(req.headers['x-api-key']);
  if (!presented || !safeEqual(presented, ctx.adminApiKey)) {
    fail(res, 401, 'admin_auth_error', 'missing or wrong X-API-Key');
    return;
  }
  const query = new URL(url, 'http://localhost').searchParams;
  try {
    if (req.method === 'GET' && path === '/api/v1/costs/summary') {
      const groupBy = (query.get('group_by') ?? 'model') as GroupBy;
      if (!GROUP_BY.includes(groupBy))
        return fail(res, 400, 'invalid_request', `query parameter group_by must be one of ${GROUP_BY.join(', ')}`);
      const to = parseTime(query.get('to'), 'to') ?? new Date();
      const from = parseTime(query.get('from'), 'from') ?? new Date(to.getTime() - 30 * DAY);
      return sendJson(res, 200, snakeCaseKeys(await summarize(ctx.store, { from, to, groupBy })));
    }
    if (req.method === 'GET' && path === '/api/v1/costs/requests') {
      const limitText = query.get('limit') ?? '50';
      if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000)
        return fail(res, 400, 'invalid_request', 'query parameter limit must be an integer from 1 to 1000');
      const routed = query.get('routed');
      if (routed !== null && routed !== 'true' && routed !== 'false')
        return fail(res, 400, 'invalid_request', 'query parameter routed must be true or false');
      const page = await listRequests(ctx.store, {
        limit: Number(limitText),
        cursor: query.get('cursor') ?? undefined,
        routed: routed === null ? undefined : routed === 'true',
      });
      return sendJson(res, 200, snakeCaseKeys(page));
    }
    if (req.method === 'GET' && path === '/api/v1/pricing') {
      return sendJson(res, 200, snakeCaseKeys({ models: priceTable(ctx.prices(), new Date()) }));
    }
    for (const route of ctx.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      let body: unknown;
      if (req.method !== 'GET' && req.method !== 'DELETE') {
        const raw = await readBody(req, 1024 * 1024);
        if (raw === 'aborted') return;
        if (raw === 'too_large')
          return fail(res, 413, 'request_too_large', 'admin request bodies are limited to 1 MiB');
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            return fail(res, 400, 'invalid_request', 'the request body is not JSON');
          }
        }
      }
      const out = await route.handle({ params: { ...m.groups }, query, body });
      return sendJson(res, out.status, out.body, out.headers);
    }
    fail(res, 404, 'not_found', `no admin route ${req.method} ${path}`);
  } catch (err) {
    if (isOcoError(err) && err.exitCode === 2) return fail(res, 400, 'invalid_request', err.message);
    throw err;
  }
}

function parseTime(v: string | null, name: string): Date | undefined {
  if (v === null || v === '') return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`query parameter ${name} must be an ISO-8601 date or time`);
  return d;
}
