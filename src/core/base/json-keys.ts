/**
 * One key style per surface: the CLI's --json documents use camelCase; the
 * daemon's HTTP admin API keeps the snake_case it has always spoken (clients
 * are written against it). Services return camelCase objects and the HTTP
 * layer spells them in snake_case with `snakeCaseKeys`, so a shape is defined
 * once.
 */

/** `cacheWrite5mTokens` → `cache_write_5m_tokens`; a key already in snake_case is unchanged. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z])(?=[A-Z0-9])|([0-9])(?=[A-Z])/g, '$1$2_').toLowerCase();
}

/** A JSON value with every object key in snake_case (arrays and nested objects included). */
export function snakeCaseKeys<T = unknown>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => snakeCaseKeys(v)) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), snakeCaseKeys(v)])) as T;
}

/** `used_pct` → `usedPct`, `cache_write_5m` → `cacheWrite5m`; a camelCase key is unchanged. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The keys of one flat record in camelCase, e.g. details stored in the snake_case a webhook body uses. */
export function camelCaseKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [camelCase(k), v]));
}
