/**
 * The upper bound of one call's tokens, from its request. A hard budget reserves the
 * price of this bound, so "spend ≤ limit" holds as long as the provider counts no more
 * than the documented rules below say (otherwise the settle records an overshoot).
 */

/** Tokens a piece of text can cost at most: a real tokenizer's count, or its UTF-8 bytes. */
export type CountText = (text: string) => number;

/** What an estimator adds up while it walks a request body. */
export class Tally {
  tokens = 0;
  /**
   * Inputs whose size the request does not state (audio, files, stored context, server-side
   * tools): with any of these the input can be anything up to the model's context window.
   */
  readonly open = new Set<string>();

  constructor(readonly count: CountText) {}

  text(v: unknown): void {
    if (typeof v === 'string') this.tokens += this.count(v);
  }

  /** Structured data the provider renders into the prompt (tool schemas, arguments): its JSON text. */
  json(v: unknown): void {
    if (v !== undefined) this.tokens += this.count(JSON.stringify(v) ?? '');
  }

  /**
   * Opaque data the provider turns back into tokens (encrypted reasoning,
   * signatures): its bytes, as no token is smaller than a byte of its encoding.
   */
  opaque(v: unknown): void {
    if (typeof v === 'string') this.tokens += Buffer.byteLength(v, 'utf8');
  }

  add(n: number): void {
    this.tokens += n;
  }

  unknown(what: string): void {
    this.open.add(what);
  }
}

export interface ProviderEstimator {
  /** Adds the request's input to the tally; endpoint is the path after /v1/proxy/<provider>. */
  input(body: Record<string, unknown>, endpoint: string, model: string, t: Tally): void;
  /** How many completions one call generates (n, candidateCount): output is reserved that many times. */
  choices(body: Record<string, unknown>): number;
  /** Whether the endpoint generates output at all (embeddings do not). */
  generates(endpoint: string): boolean;
  /** Token-counting endpoints: the provider bills nothing for them. */
  free(endpoint: string): boolean;
}

export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const posInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
