import { UsageError, isOcoError } from '../../base/errors.js';
import type { ErrorCode } from '../../base/error-codes.js';
import type { AdminRouteResponse } from './admission.js';

/**
 * The admin API's error document: `{"error": {"type", "code", "message", "field"?}}`. `type` is the HTTP-ish
 * class (invalid_request, not_found, conflict, forbidden…), `code` the registry's stable code (docs/errors.md),
 * `field` the query parameter or body field at fault, spelled as this API spells it (snake_case).
 */
export function adminError(
  status: number,
  type: string,
  code: ErrorCode,
  message: string,
  field?: string,
): AdminRouteResponse {
  return { status, body: { error: { type, code, message, ...(field ? { field } : {}) } } };
}

/** A CLI flag name (`--min-cost`, `min-cost`) as this API's parameter name (`min_cost`). */
export function apiName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-/g, '_');
}

/**
 * A service's typed error as the admin API answers it: usage errors 400 (the flag named as the parameter),
 * "not found" 404, "exists"/state conflicts 409. Anything else is rethrown (the daemon answers 500).
 */
export function adminFromError(err: unknown): AdminRouteResponse {
  if (!isOcoError(err)) throw err;
  const flag = typeof err.details?.flag === 'string' ? apiName(err.details.flag) : undefined;
  const message = err.message
    .replace(/^--([\w-]+): /, (_, f: string) => `${apiName(f)}: `)
    .replace(/--([a-z][\w-]*)/g, (_, f: string) => apiName(f));
  if (/_EXISTS$|^OCO_KEY_STATE$/.test(err.code)) return adminError(409, 'conflict', err.code, message, flag);
  if (err.code.endsWith('NOT_FOUND')) return adminError(404, 'not_found', err.code, message, flag);
  if (err.exitCode === 2) return adminError(400, 'invalid_request', err.code, message, flag);
  throw err;
}

/** A JSON object body (none: `{}`); anything else is a usage error, answered 400 by `adminFromError`. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new UsageError('the body must be a JSON object', { code: 'OCO_ADMIN_BAD_REQUEST' });
  return body as Record<string, unknown>;
}

/**
 * A route handler whose typed errors become the admin API's error documents (`onError`: a module's own mapping,
 * for routes that answered with one before this shared one existed).
 */
export function guarded<A extends unknown[]>(
  fn: (...args: A) => Promise<AdminRouteResponse>,
  onError: (err: unknown) => AdminRouteResponse = adminFromError,
): (...args: A) => Promise<AdminRouteResponse> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      return onError(err);
    }
  };
}
