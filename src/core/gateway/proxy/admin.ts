import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOcoError } from '../../base/errors.js';
import type { ErrorCode } from '../../base/error-codes.js';
import type { Store } from '../../base/store/types.js';
import { authenticateAdminKey, looksLikeAdminKey, scopeAllows, type AdminScope } from '../keys/admin-keys.js';
import { apiName } from './admin-errors.js';
import type { AdminRoute } from './admission.js';
import { firstHeader, readBody, sendJson } from './http-util.js';
import { safeEqual } from './secret.js';
import { randomUUID } from 'node:crypto';

export interface AdminContext {
  adminApiKey?: string;
  store: Store;
  routes: AdminRoute[];
}

function fail(
  res: ServerResponse,
  status: number,
  type: string,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { error: { type, code, message, request_id: randomUUID() } }, headers);
}

/** The scope a presented X-API-Key grants: the configured key write, a managed key its own; none: refused. */
async function scopeOf(ctx: AdminContext, presented: string | undefined): Promise<AdminScope | undefined> {
  if (!presented) return undefined;
  if (ctx.adminApiKey && safeEqual(presented, ctx.adminApiKey)) return 'write';
  return (await authenticateAdminKey(ctx.store, presented))?.scope;
}

/**
 * The admin API: fail-secure (no configured admin key and no managed one presented → every call is refused),
 * keys compared in constant time, JSON in and out. Every route is an `AdminRoute` the daemon hands in (one list,
 * which the OpenAPI test walks). A read key may only GET; the scope is checked before the route runs, so a
 * refused call changes nothing. Keys are snake_case on this API (services return camelCase; `snakeCaseKeys`
 * spells them at each route).
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: string,
  ctx: AdminContext,
): Promise<void> {
  const presented = firstHeader(req.headers['x-api-key']);
  const scope = await scopeOf(ctx, presented);
  if (!scope) {
    if (!ctx.adminApiKey && !(presented && looksLikeAdminKey(presented)))
      return fail(
        res,
        403,
        'admin_disabled',
        'OCO_ADMIN_DISABLED',
        'the admin API is disabled: set OCO_ADMIN_API_KEY on the daemon, or create a key with "oco admin-keys create"',
      );
    return fail(res, 401, 'admin_auth_error', 'OCO_ADMIN_UNAUTHORIZED', 'missing, wrong or revoked X-API-Key');
  }
  const method = req.method ?? 'GET';
  const query = new URL(url, 'http://localhost').searchParams;
  try {
    const onPath = ctx.routes.filter((r) => r.pattern.test(path));
    const route = onPath.find((r) => r.method === method);
    if (!route) {
      if (onPath.length > 0)
        return fail(
          res,
          405,
          'method_not_allowed',
          'OCO_ADMIN_NO_ROUTE',
          `${method} is not served on ${path}; it serves ${[...new Set(onPath.map((r) => r.method))].join(', ')}`,
          { allow: [...new Set(onPath.map((r) => r.method))].join(', ') },
        );
      return fail(res, 404, 'not_found', 'OCO_ADMIN_NO_ROUTE', `no admin route ${method} ${path}`);
    }
    if (!scopeAllows(scope, method))
      return fail(
        res,
        403,
        'forbidden',
        'OCO_ADMIN_SCOPE',
        `this admin key has scope ${scope}: it may only GET; ${method} ${path} needs a write key (nothing changed)`,
      );
    const m = route.pattern.exec(path)!;
    let body: unknown;
    if (method !== 'GET' && method !== 'DELETE') {
      const raw = await readBody(req, 1024 * 1024);
      if (raw === 'aborted') return;
      if (raw === 'too_large')
        return fail(
          res,
          413,
          'request_too_large',
          'OCO_ADMIN_BAD_REQUEST',
          'admin request bodies are limited to 1 MiB',
        );
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return fail(res, 400, 'invalid_request', 'OCO_ADMIN_BAD_REQUEST', 'the request body is not JSON');
        }
      }
    }
    const out = await route.handle({ params: { ...m.groups }, query, body });
    return sendJson(res, out.status, out.body, out.headers);
  } catch (err) {
    // A usage error a route did not answer itself: a 400 naming the parameter as this API spells it.
    if (isOcoError(err) && err.exitCode === 2) {
      const field = typeof err.details?.flag === 'string' ? apiName(err.details.flag) : undefined;
      return sendJson(res, 400, {
        error: {
          type: 'invalid_request',
          code: err.code,
          message: err.message.replace(/--([a-z][\w-]*)/g, (_, f: string) => `query parameter ${apiName(f)}`),
          ...(field ? { field } : {}),
          request_id: randomUUID(),
        },
      });
    }
    throw err;
  }
}
