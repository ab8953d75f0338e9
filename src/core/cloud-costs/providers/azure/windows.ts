import { addDays, addMonths, daysIn, type DayWindow } from '../../model.js';

/**
 * The Query API serves a Daily query over at most one month: for a longer custom period
 * it moves `from` up to `to` minus one month plus one day (31 days when the month before
 * `to` has 31) and answers for that shorter period, with no error. Microsoft documents the
 * rule in its Cost Management query guardrails ("Daily | 31 days | from truncated to
 * to - 1 month + 1 day"). oco therefore asks in windows the rule leaves whole, taken
 * backwards from the end of the requested window, `to` inclusive as the API counts it.
 */
export function azureQueryWindows(window: DayWindow): DayWindow[] {
  const out: DayWindow[] = [];
  let to = window.to;
  while (to > window.from) {
    const earliest = addDays(addMonths(addDays(to, -1), -1), 1);
    const from = earliest > window.from ? earliest : window.from;
    out.unshift({ from, to });
    to = from;
  }
  return out;
}

/** Runs of consecutive days in [from, to) that are not in `days`, as day windows. */
function missingRuns(window: DayWindow, days: ReadonlySet<string>): DayWindow[] {
  const runs: DayWindow[] = [];
  for (let d = window.from; d < window.to; d = addDays(d, 1)) {
    if (days.has(d)) continue;
    const last = runs.at(-1);
    if (last && last.to === d) last.to = addDays(d, 1);
    else runs.push({ from: d, to: addDays(d, 1) });
  }
  return runs;
}

const span = (w: DayWindow) => (daysIn(w) === 1 ? w.from : `${w.from}..${addDays(w.to, -1)}`);
const MAX_LISTED = 3;

/**
 * Whether one query's answer covers the days it asked for. Rows that start later than the
 * query's first day are what a silently shortened period looks like, and days without rows
 * between days with rows are a hole where data exists: both said in a warning rather than
 * stored as if complete. Days missing at the end are not: the latest day or two are often
 * not processed yet. A query with no rows at all says nothing (a scope can have no costs).
 */
export function coverageWarning(asked: DayWindow, days: Iterable<string>): string | undefined {
  const seen = new Set(days);
  if (seen.size === 0) return undefined;
  const gaps = missingRuns(asked, seen).filter((g) => g.to !== asked.to);
  if (gaps.length === 0) return undefined;
  const missing = gaps.reduce((n, g) => n + daysIn(g), 0);
  const listed =
    gaps.slice(0, MAX_LISTED).map(span).join(', ') +
    (gaps.length > MAX_LISTED ? ` and ${gaps.length - MAX_LISTED} more` : '');
  const late = gaps[0]!.from === asked.from ? ` (rows start ${gaps[0]!.to})` : '';
  return (
    `Cost Management answered the query for ${span(asked)} without rows for ${missing} of its ${daysIn(asked)} ` +
    `days: ${listed}${late}. If the scope had costs on those days they are missing here, not zero: re-run that ` +
    `range.`
  );
}
