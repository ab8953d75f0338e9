import { describe, expect, it } from 'vitest';
import { parseSpanSeconds } from '../../src/core/base/durations.js';
import {
  ROLLING_BUCKETS,
  formatResetDuration,
  localParts,
  periodWindow,
  startOfLocalDay,
} from '../../src/core/gateway/spend/period.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);

/** Oracle: the first instant (to the second) whose local date is y-m-d, by a plain scan, no offset arithmetic. */
function firstInstantOfDate(y: number, m: number, d: number, tz: string): number {
  const target = y * 10_000 + m * 100 + d;
  const dateNum = (t: number) => {
    const p = localParts(t, tz);
    return p.year * 10_000 + p.month * 100 + p.day;
  };
  let t = Date.UTC(y, m - 1, d) - 16 * 3_600_000; // before local midnight in any zone
  while (dateNum(t) < target) t += 15 * 60_000; // DST changes land on quarter hours
  let lo = t - 15 * 60_000;
  while (dateNum(lo) < target) lo += 1000;
  return lo;
}

describe('calendar periods', () => {
  it('month end in a non-UTC timezone: Europe/Berlin and Asia/Kolkata', () => {
    const spec = { kind: 'monthly' as const, timezone: 'Europe/Berlin' };
    // 22:59:59.999Z is 23:59:59.999 CET on 31 January: still January in Berlin.
    const jan = periodWindow(spec, at('2026-01-31T22:59:59.999Z'));
    expect(iso(jan.start)).toBe('2025-12-31T23:00:00.000Z');
    expect(iso(jan.end)).toBe('2026-01-31T23:00:00.000Z');
    const feb = periodWindow(spec, at('2026-01-31T23:00:00.000Z'));
    expect(iso(feb.start)).toBe('2026-01-31T23:00:00.000Z');
    expect(iso(feb.end)).toBe('2026-02-28T23:00:00.000Z');
    expect(feb.key).not.toBe(jan.key);
    // March ends in summer time (CEST, +2): the April window starts at 22:00Z.
    expect(iso(periodWindow(spec, at('2026-03-31T21:59:59Z')).end)).toBe('2026-03-31T22:00:00.000Z');

    const kolkata = periodWindow({ kind: 'monthly', timezone: 'Asia/Kolkata' }, at('2026-02-28T18:29:59Z'));
    expect(iso(kolkata.start)).toBe('2026-01-31T18:30:00.000Z');
    expect(iso(kolkata.end)).toBe('2026-02-28T18:30:00.000Z');
    // December rolls into January of the next year.
    const dec = periodWindow({ kind: 'monthly', timezone: 'America/New_York' }, at('2026-12-15T12:00:00Z'));
    expect(iso(dec.end)).toBe('2027-01-01T05:00:00.000Z');
  });

  it('a DST change makes the day 23 or 25 hours long (Europe/Berlin, America/New_York)', () => {
    const spring = periodWindow({ kind: 'daily', timezone: 'Europe/Berlin' }, at('2026-03-29T12:00:00Z'));
    expect(iso(spring.start)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(spring.end)).toBe('2026-03-29T22:00:00.000Z');
    expect(spring.end!.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = periodWindow({ kind: 'daily', timezone: 'Europe/Berlin' }, at('2026-10-25T12:00:00Z'));
    expect(iso(autumn.start)).toBe('2026-10-24T22:00:00.000Z');
    expect(autumn.end!.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
    const ny = periodWindow({ kind: 'daily', timezone: 'America/New_York' }, at('2026-03-08T10:00:00Z'));
    expect(iso(ny.start)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(ny.end)).toBe('2026-03-09T04:00:00.000Z');
  });

  it('a zone that skips midnight starts the day where the gap ends (America/Santiago)', () => {
    // Chile springs forward at local midnight on the first Sunday of September: 00:00 becomes 01:00.
    const tz = 'America/Santiago';
    const start = startOfLocalDay(2026, 9, 6, tz);
    expect(start.getTime()).toBe(firstInstantOfDate(2026, 9, 6, tz));
    const p = localParts(start.getTime(), tz);
    expect([p.day, p.hour, p.minute]).toEqual([6, 1, 0]);
    const w = periodWindow({ kind: 'daily', timezone: tz }, at('2026-09-06T12:00:00Z'));
    expect(w.end!.getTime() - w.start.getTime()).toBe(23 * 3_600_000);
  });

  it('the start of every day matches a brute-force scan across zones and DST dates', () => {
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/Havana',
      'Asia/Tehran',
    ];
    const dates: Array<[number, number, number]> = [
      [2026, 3, 8],
      [2026, 3, 29],
      [2026, 4, 5],
      [2026, 9, 6],
      [2026, 9, 27],
      [2026, 10, 4],
      [2026, 10, 25],
      [2026, 11, 1],
      [2028, 2, 29],
      [2026, 12, 31],
    ];
    for (const tz of zones)
      for (const [y, m, d] of dates)
        expect(startOfLocalDay(y, m, d, tz).getTime(), `${tz} ${y}-${m}-${d}`).toBe(firstInstantOfDate(y, m, d, tz));
  });

  it('leap day: 29 February is its own day and February 2028 has 29 days', () => {
    const day = periodWindow({ kind: 'daily', timezone: 'UTC' }, at('2028-02-29T13:00:00Z'));
    expect(iso(day.start)).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(day.end)).toBe('2028-03-01T00:00:00.000Z');
    const month = periodWindow({ kind: 'monthly', timezone: 'Pacific/Auckland' }, at('2028-02-29T10:59:59Z'));
    // 29 Feb 23:59:59 NZDT (+13) is 10:59:59Z; March starts at 11:00Z.
    expect(iso(month.end)).toBe('2028-02-29T11:00:00.000Z');
    expect(iso(month.start)).toBe('2028-01-31T11:00:00.000Z');
    // 2026 is not a leap year.
    expect(iso(periodWindow({ kind: 'monthly', timezone: 'UTC' }, at('2026-02-28T23:59:59Z')).end)).toBe(
      '2026-03-01T00:00:00.000Z',
    );
  });

  it('weeks start on Monday at local midnight', () => {
    const w = periodWindow({ kind: 'weekly', timezone: 'Europe/Berlin' }, at('2026-03-29T12:00:00Z')); // a Sunday, DST day
    expect(iso(w.start)).toBe('2026-03-22T23:00:00.000Z'); // Monday 23 March 00:00 CET
    expect(iso(w.end)).toBe('2026-03-29T22:00:00.000Z'); // Monday 30 March 00:00 CEST
    const p = localParts(w.start.getTime(), 'Europe/Berlin');
    expect(new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()).toBe(1);
    // A Monday itself starts its own week.
    expect(iso(periodWindow({ kind: 'weekly', timezone: 'UTC' }, at('2026-03-30T00:00:00Z')).start)).toBe(
      '2026-03-30T00:00:00.000Z',
    );
  });

  it('every instant lies in its window and windows tile without gaps (random instants, several zones)', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (const tz of ['Europe/Berlin', 'America/Santiago', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      for (const kind of ['daily', 'weekly', 'monthly'] as const) {
        for (let i = 0; i < 40; i++) {
          const now = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 3 * 365 * 86_400_000));
          const w = periodWindow({ kind, timezone: tz }, now);
          expect(w.start.getTime()).toBeLessThanOrEqual(now.getTime());
          expect(w.end!.getTime()).toBeGreaterThan(now.getTime());
          const next = periodWindow({ kind, timezone: tz }, w.end!);
          expect(next.start.getTime(), `${tz} ${kind} ${now.toISOString()}`).toBe(w.end!.getTime());
          const prev = periodWindow({ kind, timezone: tz }, new Date(w.start.getTime() - 1));
          expect(prev.end!.getTime()).toBe(w.start.getTime());
        }
      }
    }
  });

  it('total budgets never reset', () => {
    const w = periodWindow({ kind: 'total', timezone: 'UTC' }, at('2030-01-01T00:00:00Z'));
    expect(w.end).toBeNull();
    expect(w.start.getTime()).toBe(0);
  });
});

describe('rolling windows', () => {
  it('count 61 sixtieths of the window: spend stays counted between one window and one window plus a bucket', () => {
    const spec = { kind: 'rolling' as const, rollingSeconds: 3600, timezone: 'UTC' };
    const now = at('2026-05-01T12:00:30Z');
    const w = periodWindow(spec, now);
    expect(w.bucketMs).toBe(60_000);
    expect(w.end).toBeNull();
    // Start is the boundary of the bucket 60 before the current one (12:00): 11:00, 61 buckets counted.
    expect(iso(w.start)).toBe('2026-05-01T11:00:00.000Z');
    const covered = now.getTime() - w.start.getTime();
    expect(covered).toBeGreaterThanOrEqual(3600_000);
    expect(covered).toBeLessThan(3600_000 + w.bucketMs!);
    expect(ROLLING_BUCKETS).toBe(60);
    // The window moves with time; the key names the bucket size only, so counters carry over.
    const later = periodWindow(spec, new Date(now.getTime() + 60_000));
    expect(later.start.getTime() - w.start.getTime()).toBe(60_000);
    expect(later.key).toBe(w.key);
  });

  it('rolling days use buckets of a sixtieth and at least one second', () => {
    expect(periodWindow({ kind: 'rolling', rollingSeconds: 7 * 86_400, timezone: 'UTC' }, new Date()).bucketMs).toBe(
      10_080_000,
    );
    expect(periodWindow({ kind: 'rolling', rollingSeconds: 60, timezone: 'UTC' }, new Date()).bucketMs).toBe(1000);
  });

  it('durations parse and format', () => {
    expect(parseSpanSeconds('24h')).toBe(86_400);
    expect(parseSpanSeconds('7d')).toBe(604_800);
    expect(parseSpanSeconds('0h')).toBeUndefined();
    expect(parseSpanSeconds('1.5h')).toBeUndefined();
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(1500)).toBe('2s');
    expect(formatResetDuration(250)).toBe('250ms');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
  });
});
