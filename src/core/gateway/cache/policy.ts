import type { CacheKind } from './key.js';

/** What the response cache does with one call. */
export type CacheMode = 'lookup' | 'semantic' | 'bypass';

/** X-OCO-Cache values; anything else is the client's error (400 naming the header). */
const HEADER_VALUES: Record<string, 'on' | 'off' | 'semantic' | undefined> = {
  on: 'on',
  off: 'off',
  semantic: 'semantic',
};

/**
 * Whether a call may be answered from (and its answer kept in) the cache: `X-OCO-Cache: off`
 * never, `on` always, `semantic` always and also from a close enough earlier chat request;
 * without the header, embeddings (deterministic) and chat completions asking for temperature 0.
 * A chat call without a temperature is not cached: OpenAI's default is 1, so its answers are
 * meant to vary. `invalid` is the 400's message for a header value oco does not know.
 */
export function cacheMode(
  header: string | string[] | undefined,
  kind: CacheKind,
  json: unknown,
): CacheMode | { invalid: string } {
  const raw = Array.isArray(header) ? header[0] : header;
  const value = raw === undefined ? undefined : HEADER_VALUES[raw.trim().toLowerCase()];
  if (raw !== undefined && !value)
    return { invalid: `X-OCO-Cache must be "on", "off" or "semantic" (got "${raw.slice(0, 40)}")` };
  if (value === 'off') return 'bypass';
  // Semantic matching is for chat; embeddings are exact-matched (they are what it would compare).
  if (value === 'semantic') return kind === 'chat' ? 'semantic' : 'lookup';
  if (value === 'on' || kind === 'embeddings') return 'lookup';
  const temperature = (json as { temperature?: unknown } | undefined)?.temperature;
  return temperature === 0 ? 'lookup' : 'bypass';
}
