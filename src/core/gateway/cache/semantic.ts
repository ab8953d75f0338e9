/**
 * The semantic cache (opt-in, `X-OCO-Cache: semantic`): a chat call whose text is close enough
 * to an earlier one's, with every other field equal, is answered with that call's cached answer.
 * What it stores per entry: an embedding vector of the request's text (derived from the prompt,
 * though not the prompt), the org, and a hash of the request's other fields. Store backend only.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../base/store/types.js';
import type { KeyParts } from './key.js';

/** Request fields that are the text compared by meaning; every other field must match exactly. */
const TEXT_FIELDS = new Set(['messages', 'stream', 'stream_options', 'user']);

/** The text a chat request's embedding is computed from: each message's role and its text parts. */
export function requestText(request: Record<string, unknown>): string {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  const lines: string[] = [];
  for (const m of messages as Array<{ role?: unknown; content?: unknown }>) {
    const c = m.content;
    const text =
      typeof c === 'string'
        ? c
        : Array.isArray(c)
          ? c
              .map((p: { type?: unknown; text?: unknown }) =>
                p.type === 'text' && typeof p.text === 'string' ? p.text : '',
              )
              .filter(Boolean)
              .join('\n')
          : '';
    if (text) lines.push(`${String(m.role)}: ${text}`);
  }
  return lines.join('\n');
}

/**
 * What must match exactly for two requests to be compared by meaning: org, provider, model and
 * every field but the messages (a different temperature or tool list is another question).
 */
export function scopeHash(p: KeyParts): string {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(p.request).sort()) if (!TEXT_FIELDS.has(k)) rest[k] = p.request[k];
  return createHash('sha256')
    .update(JSON.stringify([p.kind, p.provider, p.model, p.orgId, rest]))
    .digest('hex');
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const decode = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export interface Neighbour {
  keyHash: string;
  similarity: number;
}

/** Vectors in the store's `semantic_cache`, each pointing at its answer in `response_cache` by key hash. */
export class SemanticIndex {
  constructor(private readonly store: Store) {}

  /** The closest live vector of this org and scope at or above the threshold (a linear scan of that scope). */
  async nearest(
    orgId: string,
    scope: string,
    vector: Float32Array,
    threshold: number,
    now: Date,
  ): Promise<Neighbour | undefined> {
    const rows = await this.store.all<{ key_hash: string; vector: string }>(
      'SELECT key_hash, vector FROM semantic_cache WHERE org_id = $1 AND scope_hash = $2 AND expires_at > $3',
      [orgId, scope, now.toISOString()],
    );
    let best: Neighbour | undefined;
    for (const r of rows) {
      const similarity = cosine(vector, decode(r.vector));
      if (similarity >= threshold && (!best || similarity > best.similarity))
        best = { keyHash: r.key_hash, similarity };
    }
    return best;
  }

  /** Keeps a vector for an answer just cached; drops expired vectors and those whose answer is gone. */
  async add(keyHash: string, orgId: string, scope: string, vector: Float32Array, now: Date, expiresAt: Date) {
    await this.store.run(
      `INSERT INTO semantic_cache (key_hash, org_id, scope_hash, vector, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key_hash) DO UPDATE SET org_id = excluded.org_id, scope_hash = excluded.scope_hash,
         vector = excluded.vector, created_at = excluded.created_at, expires_at = excluded.expires_at`,
      [keyHash, orgId, scope, encode(vector), now.toISOString(), expiresAt.toISOString()],
    );
    await this.store.run(
      `DELETE FROM semantic_cache WHERE expires_at <= $1
         OR key_hash NOT IN (SELECT key_hash FROM response_cache)`,
      [now.toISOString()],
    );
  }
}
