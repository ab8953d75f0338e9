/** Cells shared by the views: exact amounts as the model spells them, "unknown" for what oco cannot know. */
import type { Amount, DrillStep, SpendRow, SpendTotal } from '../../../base/report/model.js';
import { signed, sparkline } from '../render.js';

export const UNKNOWN = 'unknown';

export function cost(r: Pick<SpendRow, 'costUsd' | 'byCurrency'>): string {
  if (r.costUsd !== null) return r.costUsd;
  return r.byCurrency.map((a) => `${a.amount} ${a.currency}`).join(' + ') || UNKNOWN;
}

export function orUnknown(v: string | number | null | undefined): string {
  return v === null || v === undefined ? UNKNOWN : String(v);
}

export function pct(v: string | null): string {
  return v === null ? '' : `${signed(v)} %`;
}

export function amounts(list: readonly Amount[]): string {
  return list.length ? list.map((a) => `${a.amount} ${a.currency}`).join(' + ') : '0';
}

/** The last `width` days of a trend as a sparkline. */
export function trend(values: ReadonlyArray<string | null>, width = 14): string {
  return sparkline(values.slice(-width));
}

export function pathText(path: readonly DrillStep[]): string {
  return path.map((s) => `${s.by}=${s.key}`).join(' > ');
}

/** Cells of a spend row (or the total): key, cost, previous, delta, delta %, [calls], trend. */
export function spendCells(r: SpendRow | (SpendTotal & { key: string | null }), calls: boolean): string[] {
  return [
    r.key ?? '(none)',
    cost(r),
    orUnknown(r.previousCostUsd),
    signed(r.deltaUsd),
    pct(r.deltaPct),
    ...(calls ? [orUnknown(r.requests)] : []),
    trend(r.trend),
  ];
}

export { signed };
