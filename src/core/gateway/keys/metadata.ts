import { UsageError } from '../../base/errors.js';

/**
 * Free-form `k=v` labels of keys, teams and orgs (`--metadata owner=payments`, an object over the API).
 * One grammar for all three; the error code says whose flag it was.
 */
export type MetadataCode = 'OCO_KEY_INVALID' | 'OCO_ENTITY_INVALID';

const META_KEY = /^[\w.-]{1,64}$/;
const MAX_META = 32;

function invalid(code: MetadataCode, message: string, hint: string): UsageError {
  return new UsageError(`--metadata: ${message}`, { code, hint, details: { flag: 'metadata' } });
}

/** `k=v` items (or an object) → entries; a value of '' or null means "remove" (update), refused on create. */
export function parseMetadata(
  v: unknown,
  removing: boolean,
  code: MetadataCode = 'OCO_KEY_INVALID',
): Array<[string, string | null]> | undefined {
  if (v === undefined) return undefined;
  const pairs: Array<[string, unknown]> = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq <= 0) throw invalid(code, `"${s.slice(0, 60)}" is not k=v`, 'E.g. --metadata owner=payments.');
      pairs.push([s.slice(0, eq).trim(), s.slice(eq + 1)]);
    }
  } else if (v && typeof v === 'object') {
    pairs.push(...Object.entries(v as Record<string, unknown>));
  } else {
    throw invalid(code, 'must be k=v pairs (an object over the API)', 'E.g. --metadata owner=payments.');
  }
  const out: Array<[string, string | null]> = [];
  for (const [k, raw] of pairs) {
    if (!META_KEY.test(k))
      throw invalid(code, `"${k.slice(0, 60)}" is not a metadata key: 1-64 letters, digits, . _ -`, 'E.g. owner.');
    if (raw === null || raw === '') {
      if (!removing) throw invalid(code, `${k} has no value`, 'Give k=v; "k=" removes k on update.');
      out.push([k, null]);
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      throw invalid(code, `${k} must be a string`, 'Metadata values are plain strings.');
    const s = String(raw);
    if (s.length > 256 || /[\u0000-\u001f]/.test(s))
      throw invalid(code, `${k}: at most 256 characters, no control characters`, 'Shorten the value.');
    out.push([k, s]);
  }
  return out;
}

export function mergeMetadata(
  base: Record<string, string>,
  changes: Array<[string, string | null]>,
  code: MetadataCode = 'OCO_KEY_INVALID',
): Record<string, string> {
  const out = { ...base };
  for (const [k, v] of changes) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > MAX_META)
    throw invalid(code, `at most ${MAX_META} entries`, 'Remove some with "k=" on update.');
  return out;
}
