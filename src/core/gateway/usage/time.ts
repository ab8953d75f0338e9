import { parseSpanSeconds } from '../../base/durations.js';
import { UsageError } from '../../base/errors.js';

/** A span flag ("7d", "12h", "30m", "2w") in milliseconds; the error names the flag. */
function spanFlagMs(value: string, flag: string): number {
  const seconds = parseSpanSeconds(value);
  if (seconds === undefined)
    throw new UsageError(`--${flag} must be a duration such as 30m, 12h, 7d or 2w (got "${value}")`);
  return seconds * 1000;
}

/** A duration before/after now, or an ISO-8601 date/time. */
export function parseTimeOrDuration(value: string, flag: string, direction: 'past' | 'future', now = new Date()): Date {
  if (/^\d+[mhdw]$/.test(value.trim())) {
    const ms = spanFlagMs(value, flag);
    return new Date(now.getTime() + (direction === 'past' ? -ms : ms));
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `--${flag} must be a duration such as 7d or an ISO-8601 date such as 2026-01-31 (got "${value}")`,
    );
  return d;
}
