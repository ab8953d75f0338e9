/** Day windows and printing shared by the rules of rightsize.ts and spot.ts. */
import type { Money } from '../../base/money.js';
import type { RuleContext } from '../../base/recommend/model.js';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** [first, last] whole UTC days of a window of `days` ending yesterday (today is still being billed). */
export function dayWindow(ctx: RuleContext, days = ctx.days): { first: string; last: string } {
  const todayMs = Date.parse(`${day(ctx.to)}T00:00:00.000Z`);
  return { first: day(new Date(todayMs - days * 86_400_000)), last: day(new Date(todayMs - 86_400_000)) };
}

export const fixed2 = (m: Money) => m.toDecimalPlaces(2).toFixed(2);

export function num(ctx: RuleContext, key: string): number {
  return Number(ctx.setting(key));
}

/** A stored tag set (JSON text on SQLite, an object from PostgreSQL's JSONB) as an object. */
export function tagObject(tags: unknown): Record<string, unknown> {
  if (tags === null || tags === undefined) return {};
  if (typeof tags === 'string') {
    try {
      const v: unknown = JSON.parse(tags);
      return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return typeof tags === 'object' ? (tags as Record<string, unknown>) : {};
}
