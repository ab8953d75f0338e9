/**
 * Cost anomalies in one daily series, judged against a robust, weekday-aware baseline of the
 * trailing 28 days: the median of the same weekday as the expected value, and the median
 * absolute deviation of every day from its own weekday's median as the noise. Medians and MADs
 * ignore the odd spike in the baseline, so one bad day does not hide the next; a minimum absolute
 * impact keeps small or percentage-only blips quiet. Amounts stay exact decimals throughout.
 */
import { money, type Money } from '../money.js';

/** One day of a series. Days the series does not know (before its data starts, not ingested) are absent. */
export interface SeriesPoint {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  amount: Money;
  /** The provider marks the day as estimated or incomplete: neither judged nor used as a baseline. */
  partial?: boolean;
}

export type AnomalyKind = 'spike' | 'new-cost' | 'cost-stopped' | 'steady-growth';

export interface DetectOptions {
  /** Smallest daily excess over the expected cost (in the series' currency) worth reporting. */
  minImpact: Money;
  /** How many robust standard deviations above the expected cost a spike must be (default 3.5). */
  threshold?: number;
  /** Judge days from here on (inclusive, YYYY-MM-DD); the days before only feed the baseline. */
  from: string;
}

/** An anomaly over consecutive days of one kind: one event however long it lasts. */
export interface DetectedAnomaly {
  kind: AnomalyKind;
  firstDay: string;
  lastDay: string;
  /** The cost on the last day, and what the baseline expected for it. */
  actual: Money;
  expected: Money;
  /** Excess over the expected cost summed over the anomaly's days (for cost-stopped: the daily cost lost). */
  impact: Money;
  /** Robust z-score of the last day (null when the baseline has no spread or the kind has none). */
  score: number | null;
}

/** Days of history a judgement looks back over, and how many of them must be known to judge at all. */
export const BASELINE_DAYS = 28;
const MIN_BASELINE_DAYS = 14;
/** Scales a median absolute deviation to a standard deviation for normally distributed noise. */
const MAD_TO_SIGMA = 1.4826;
/** Steady growth: four successive weeks each above the one before, the last this much above the first. */
const GROWTH_RATIO = 1.25;
/** A later rise up to this factor of the last one's peak, within 28 days of it, is that rise continuing. */
const SAME_LEVEL = 1.1;

const ZERO = money(0);
const DAY_MS = 86_400_000;

export function dayAfter(day: string, n = 1): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

function median(values: Money[]): Money {
  const s = [...values].sort((a, b) => a.comparedTo(b));
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : s[mid - 1]!.plus(s[mid]!).div(2);
}

interface Baseline {
  expected: Money;
  /** Robust standard deviation of a day around its weekday's median. */
  sigma: Money;
  known: Money[];
  lastKnown: Money | undefined;
}

/** The baseline for `day` from the known, complete days of the 28 before it; undefined with too few. */
function baseline(byDay: ReadonlyMap<string, SeriesPoint>, day: string): Baseline | undefined {
  const byWeekday = new Map<number, Money[]>();
  const days: Array<{ wd: number; amount: Money }> = [];
  let lastKnown: Money | undefined;
  for (let i = BASELINE_DAYS; i >= 1; i--) {
    const p = byDay.get(dayAfter(day, -i));
    if (!p || p.partial) continue;
    const wd = weekday(p.day);
    (byWeekday.get(wd) ?? byWeekday.set(wd, []).get(wd)!).push(p.amount);
    days.push({ wd, amount: p.amount });
    lastKnown = p.amount;
  }
  if (days.length < MIN_BASELINE_DAYS) return undefined;
  const all = days.map((d) => d.amount);
  const wdMedian = new Map<number, Money>();
  for (const [wd, v] of byWeekday) wdMedian.set(wd, v.length >= 2 ? median(v) : median(all));
  const sigma = median(days.map((d) => d.amount.minus(wdMedian.get(d.wd)!).abs())).times(MAD_TO_SIGMA);
  const same = byWeekday.get(weekday(day));
  const expected = same && same.length >= 2 ? median(same) : median(all);
  return { expected, sigma, known: all, lastKnown };
}

/** The week totals ending on `day` (oldest first), undefined unless all 28 days are known and complete. */
function weekTotals(byDay: ReadonlyMap<string, SeriesPoint>, day: string): Money[] | undefined {
  const weeks: Money[] = [];
  for (let w = 3; w >= 0; w--) {
    let total = ZERO;
    for (let i = 0; i < 7; i++) {
      const p = byDay.get(dayAfter(day, -(w * 7 + i)));
      if (!p || p.partial) return undefined;
      total = total.plus(p.amount);
    }
    weeks.push(total);
  }
  return weeks;
}

/** What kind of anomaly `p` is, if any (the first that applies, in the order below), with its numbers. */
function judge(
  byDay: ReadonlyMap<string, SeriesPoint>,
  p: SeriesPoint,
  o: DetectOptions,
): Omit<DetectedAnomaly, 'firstDay' | 'lastDay'> | undefined {
  const b = baseline(byDay, p.day);
  if (!b) return undefined;
  const excess = p.amount.minus(b.expected);
  const allZero = b.known.every((v) => v.isZero());
  if (allZero) {
    return p.amount.gte(o.minImpact)
      ? { kind: 'new-cost', actual: p.amount, expected: ZERO, impact: p.amount, score: null }
      : undefined;
  }
  if (p.amount.isZero() && b.lastKnown && !b.lastKnown.isZero() && median(b.known).gte(o.minImpact)) {
    return { kind: 'cost-stopped', actual: p.amount, expected: b.expected, impact: b.expected.neg(), score: null };
  }
  const k = o.threshold ?? 3.5;
  if (excess.gte(o.minImpact) && excess.gt(b.sigma.times(k))) {
    const score = b.sigma.isZero() ? null : excess.div(b.sigma).toDecimalPlaces(2).toNumber();
    return { kind: 'spike', actual: p.amount, expected: b.expected, impact: excess, score };
  }
  const weeks = weekTotals(byDay, p.day);
  if (
    weeks &&
    weeks.every((w, i) => i === 0 || w.gt(weeks[i - 1]!)) &&
    weeks[3]!.gte(weeks[0]!.times(GROWTH_RATIO)) &&
    weeks[3]!.minus(weeks[0]!).div(7).gte(o.minImpact)
  ) {
    const expected = weeks[0]!.div(7);
    return { kind: 'steady-growth', actual: p.amount, expected, impact: p.amount.minus(expected), score: null };
  }
  return undefined;
}

/**
 * The anomalies among the series' days from `o.from` on. Consecutive days of the same kind are one
 * anomaly (a level shift is one event, not one a day until the baseline catches up), and a day that
 * is partial or unknown ends nothing and is never judged.
 */
export function detectAnomalies(points: readonly SeriesPoint[], o: DetectOptions): DetectedAnomaly[] {
  const byDay = new Map(points.map((p) => [p.day, p]));
  const out: DetectedAnomaly[] = [];
  let open: DetectedAnomaly | undefined;
  let prevDay: string | undefined;
  // The last rise (spike or new cost), from its level before to its highest day: while the baseline
  // absorbs a new level, its days are that event, not new ones; a day back below the middle of the
  // rise ends it (a later spike is then a new event).
  let rise: { event: DetectedAnomaly; before: Money; peak: Money } | undefined;
  for (const p of [...points].sort((a, b) => a.day.localeCompare(b.day))) {
    if (p.day < o.from || p.partial) continue;
    const j = judge(byDay, p, o);
    const next = prevDay !== undefined && dayAfter(prevDay) === p.day;
    prevDay = p.day;
    if (rise && p.amount.lt(rise.before.plus(rise.peak).div(2))) rise = undefined;
    if (!j) {
      open = undefined;
      continue;
    }
    const sameRise =
      j.kind === 'spike' &&
      rise !== undefined &&
      p.day <= dayAfter(rise.event.lastDay, BASELINE_DAYS) &&
      j.actual.lte(rise.peak.times(SAME_LEVEL));
    const target = sameRise ? rise!.event : open && next && j.kind === open.kind ? open : undefined;
    if (target) {
      target.lastDay = p.day;
      target.actual = j.actual;
      target.expected = j.expected;
      target.score = j.score;
      // A stopped cost keeps its daily loss; the others add each day's excess.
      if (j.kind !== 'cost-stopped') target.impact = target.impact.plus(j.impact);
      open = target;
    } else {
      open = { ...j, firstDay: p.day, lastDay: p.day };
      out.push(open);
    }
    if (open.kind === 'spike' || open.kind === 'new-cost') {
      const same = rise?.event === open;
      const peak = same && rise!.peak.gt(j.actual) ? rise!.peak : j.actual;
      rise = { event: open, before: same ? rise!.before : j.expected, peak };
    }
  }
  return out;
}
