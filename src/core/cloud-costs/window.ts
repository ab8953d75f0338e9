import { UsageError } from '../base/errors.js';
import { addDays, todayUtc, type DayWindow } from './model.js';
import { isDay } from './values.js';

export const DEFAULT_DAYS = 30;

/**
 * --from/--to as a day window. --to is inclusive for people (2026-07-31 means up to
 * the end of that day); the window is [from, to+1) internally, as the cloud APIs want it.
 */
export function parseWindow(flags: { from?: string; to?: string }, now = new Date()): DayWindow {
  for (const [name, v] of Object.entries(flags)) {
    if (v !== undefined && !isDay(v))
      throw new UsageError(`--${name} "${v}" is not a date`, { hint: 'Use YYYY-MM-DD, e.g. --from 2026-07-01.' });
  }
  const to = flags.to ? addDays(flags.to, 1) : todayUtc(now);
  const from = flags.from ?? addDays(to, -DEFAULT_DAYS);
  if (from >= to) throw new UsageError(`--from ${from} is not before --to ${flags.to ?? addDays(to, -1)}`);
  return { from, to };
}

/** A window for reports, where both ends are optional. */
export function parseReportWindow(flags: { from?: string; to?: string }): Partial<DayWindow> {
  for (const [name, v] of Object.entries(flags)) {
    if (v !== undefined && !isDay(v))
      throw new UsageError(`--${name} "${v}" is not a date`, { hint: 'Use YYYY-MM-DD.' });
  }
  return { ...(flags.from ? { from: flags.from } : {}), ...(flags.to ? { to: addDays(flags.to, 1) } : {}) };
}
