/** Helpers shared by the provider adapters. */

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.trunc(v) : 0;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const TEXT_KEYS = new Set(['content', 'text', 'delta', 'thinking', 'partial_json', 'arguments', 'refusal']);

/** Characters of generated text in a parsed stream event, for estimates when the final usage is missing. */
export function textChars(v: unknown, depth = 0): number {
  if (depth > 8 || v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += textChars(x, depth + 1);
    return n;
  }
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') {
      if (TEXT_KEYS.has(k)) n += x.length;
    } else if (typeof x === 'object') n += textChars(x, depth + 1);
  }
  return n;
}

export function tryParse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** Value of a bearer Authorization header, or the header itself. */
export function bearer(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  return v.startsWith('Bearer ') ? v.slice(7) : v;
}
