import { createHash } from 'node:crypto';
import type { PricedProvider } from '../model.js';

/** The unified routes whose answers are cached. */
export type CacheKind = 'chat' | 'embeddings';

/**
 * Request fields that do not change the answer: whether it streams (a cached answer is
 * replayed either way), whether a stream carries a usage chunk, and the end user's id
 * (attribution; the org, which isolates entries, is part of the key on its own).
 */
const IGNORED = new Set(['stream', 'stream_options', 'user']);

export interface KeyParts {
  kind: CacheKind;
  provider: PricedProvider;
  /** The model called (after routing and the provider prefix table). */
  model: string;
  orgId: string;
  /** The client's OpenAI-format body, as routed. */
  request: Record<string, unknown>;
}

/**
 * SHA-256 over canonical JSON (keys sorted at every level) of the fields that change the
 * answer, with the provider, model and org: equal requests in one org share an entry, and
 * no entry is ever shared between orgs. Only this hash is stored, never the request.
 */
export function cacheKey(p: KeyParts): string {
  const fields: Record<string, unknown> = {};
  for (const k in p.request) if (!IGNORED.has(k) && p.request[k] !== undefined) fields[k] = p.request[k];
  const h = createHash('sha256');
  h.update(canonical({ v: 1, kind: p.kind, provider: p.provider, model: p.model, org: p.orgId, request: fields }));
  return h.digest('hex');
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}
