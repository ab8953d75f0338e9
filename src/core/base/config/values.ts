import type { ConfigKeyDef } from './keys.js';

export type ConfigValue = string | number | boolean;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** What a value must look like, in words, for error messages. */
export function expectedForm(def: ConfigKeyDef): string {
  switch (def.type) {
    case 'int': {
      const from = def.min !== undefined ? ` from ${def.min}` : '';
      const to = def.max !== undefined ? ` to ${def.max}` : '';
      return `an integer${from}${to}`;
    }
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${def.choices?.join(', ')}`;
    case 'url':
      return 'a URL such as scheme://user:password@host:port/path';
    default:
      return 'a string';
  }
}

/** Parses raw input (a flag, a variable, a YAML scalar) into the key's type, or explains why not. */
export function parseValue(
  def: ConfigKeyDef,
  raw: unknown,
): { ok: true; value: ConfigValue } | { ok: false; reason: string } {
  const bad = { ok: false as const, reason: `expected ${expectedForm(def)}` };
  switch (def.type) {
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw.trim())
            : NaN;
      if (!Number.isSafeInteger(n)) return bad;
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) return bad;
      return { ok: true, value: n };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const s = String(raw).trim().toLowerCase();
      if (TRUE.has(s)) return { ok: true, value: true };
      if (FALSE.has(s)) return { ok: true, value: false };
      return bad;
    }
    case 'enum': {
      const s = String(raw).trim();
      return def.choices?.includes(s) ? { ok: true, value: s } : bad;
    }
    case 'url': {
      if (typeof raw !== 'string') return bad;
      try {
        new URL(raw);
        return { ok: true, value: raw };
      } catch {
        return bad;
      }
    }
    default:
      if (typeof raw === 'string' || typeof raw === 'number') return { ok: true, value: String(raw) };
      return bad;
  }
}

/** Shows that a secret is set without showing it. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `****${value.slice(-4)}` : '****';
}

/** Hides the password of a URL, keeps the rest readable. */
export function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '****';
  }
}

export function displayValue(def: ConfigKeyDef, value: ConfigValue | undefined): string | number | boolean | null {
  if (value === undefined) return null;
  if (def.secret) return maskSecret(String(value));
  if (def.urlWithCredentials) return maskUrl(String(value));
  return value;
}
