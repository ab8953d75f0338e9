import type { CountText } from './types.js';

/**
 * Text counters. OpenAI's models use public BPE encodings (gpt-tokenizer ships them):
 * the count is exact for the text itself. Every other model gets a bound that cannot be
 * exceeded: its UTF-8 bytes, because a BPE token (Anthropic, OpenAI-compatible servers)
 * covers at least one byte and a SentencePiece token with byte fallback (Gemini) at
 * least one character, itself at least one byte.
 *
 * The tokenizer costs ~200 ms and ~80 MB to load: it is imported on the first call a hard
 * budget applies to, never on the no-budget path, and shared by every later call.
 */
export const utf8Bytes: CountText = (text) => Buffer.byteLength(text, 'utf8');

type Encoding = 'o200k_base' | 'cl100k_base';

/** Model families (prefixes, fine-tunes as ft:<base>:…) → encoding; first match wins, so longer prefixes come first. */
const OPENAI_ENCODINGS: ReadonlyArray<readonly [string, Encoding]> = [
  ['gpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['codex-', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
  ['text-embedding-3', 'cl100k_base'],
  ['text-embedding-ada-002', 'cl100k_base'],
];

/** The model name without a fine-tune wrapper: ft:gpt-4o-mini-2024-07-18:org::id → gpt-4o-mini-2024-07-18. */
export function baseModel(model: string): string {
  return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
}

export function openaiEncoding(model: string): Encoding | undefined {
  const m = baseModel(model);
  return OPENAI_ENCODINGS.find(([prefix]) => m.startsWith(prefix))?.[1];
}

const loaded = new Map<Encoding, Promise<CountText>>();
// Special-token text ("<|endoftext|>") in a prompt is counted as plain text, as the API encodes it.
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * Counts of texts already seen. An agent resends its whole conversation every turn, and
 * roles and tool schemas repeat on every call: counting a text again costs a hash of it
 * instead of a BPE pass (~60 µs for 800 characters, ~2 µs for a role name). Bounded by the
 * characters held (about 8 MB); the oldest entries go first.
 */
class CountCache {
  private readonly map = new Map<string, number>();
  private chars = 0;

  constructor(
    private readonly minChars: number,
    private readonly maxChars: number,
  ) {}

  wrap(count: CountText): CountText {
    return (text) => {
      if (text.length < this.minChars || text.length > this.maxChars / 8) return count(text);
      const hit = this.map.get(text);
      if (hit !== undefined) return hit;
      const n = count(text);
      this.map.set(text, n);
      this.chars += text.length;
      for (const k of this.map.keys()) {
        if (this.chars <= this.maxChars) break;
        this.map.delete(k);
        this.chars -= k.length;
      }
      return n;
    };
  }
}

async function load(encoding: Encoding): Promise<CountText> {
  const enc =
    encoding === 'o200k_base'
      ? await import('gpt-tokenizer/encoding/o200k_base')
      : await import('gpt-tokenizer/encoding/cl100k_base');
  return new CountCache(1, 4_000_000).wrap((text) => (text.length === 0 ? 0 : enc.countTokens(text, PLAIN)));
}

/** Encodings loaded (or loading) in this process: for status and tests. */
export function loadedEncodings(): Encoding[] {
  return [...loaded.keys()];
}

/** The counter for a call's text: a tokenizer for OpenAI's own models on the OpenAI API, bytes otherwise. */
export function textCounter(provider: string, model: string): CountText | Promise<CountText> {
  const encoding = provider === 'openai' ? openaiEncoding(model) : undefined;
  if (!encoding) return utf8Bytes;
  let p = loaded.get(encoding);
  if (!p) {
    p = load(encoding);
    loaded.set(encoding, p);
    // A failed import (a broken install) must not stick: the next call tries again, bytes meanwhile.
    p.catch(() => loaded.delete(encoding));
  }
  return p.catch(() => utf8Bytes);
}
