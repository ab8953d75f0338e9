import { UsageError } from '../../base/errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "12h", "30m", "2w" → milliseconds; the error names the flag. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)([mhdw])$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`--${flag} must be a duration such as 30m, 12h, 7d or 2w (got "${value}")`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A duration before/after now, or an ISO-8601 date/time. */
export function parseTimeOrDuration(value: string, flag: string, direction: 'past' | 'future', now = new Date()): Date {
  if (/^\d+[mhdw]$/.test(value.trim())) {
    const ms = parseDuration(value, flag);
    return new Date(now.getTime() + (direction === 'past' ? -ms : ms));
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} must be a duration such as 7d or an ISO-8601 date such as 2026-01-31 (got "${value}")`);
  return d;
}
