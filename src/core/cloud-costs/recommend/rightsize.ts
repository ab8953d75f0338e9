/**
 * rightsize: capacity paid for and billed as unused. The one provisioned-versus-used signal billing
 * data carries by itself is the capacity reservation (AWS On-Demand Capacity Reservations, Azure
 * capacity reservation groups, GCP reservations), whose rows FOCUS 1.1 marks with
 * CapacityReservationId and CapacityReservationStatus Used / Unused (kept in `extra`). A reservation
 * billed as unused on every day of the window holds at least that day's smallest unused cost of
 * capacity nobody ran on: shrinking it by that much saves exactly it (the floor × 30), whatever the
 * days' peaks were. Judged per day: an hour in which the reservation was full is not seen in daily
 * sums, hence the floor and modest confidence.
 * Not judged, because billing bills the provisioned amount and not its use: provisioned IOPS and
 * throughput on volumes, provisioned DynamoDB / Cosmos DB throughput, instance sizes (CPU and memory
 * use are monitoring data); oco never invents utilisation.
 */
import { money, type Money } from '../../base/money.js';
import type { Candidate, Rule } from '../../base/recommend/model.js';
import { dayWindow, fixed2, num } from './days.js';

type ReservationRow = {
  provider: string;
  account: string | null;
  region: string | null;
  currency: string;
  reservation: string;
  cr_status: string | null;
  day: string;
  cost: string | null;
};

type Reservation = {
  r: ReservationRow;
  total: Money;
  unused: Money;
  /** Unused cost per day. */
  days: Map<string, Money>;
};

export const rightsizeRule: Rule = {
  id: 'rightsize',
  domain: 'cloud',
  action: 'rightsize',
  description: 'A capacity reservation billed as unused on every day: shrink it by the unused floor.',
  thresholds: ['optimize.rightsizeMinUnusedPercent', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const minUnused = num(ctx, 'optimize.rightsizeMinUnusedPercent');
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const { first, last } = dayWindow(ctx);
    const d = store.dialect;
    const params: string[] = [first, last];
    const reservation = d.jsonField('extra', 'CapacityReservationId', params);
    const status = d.jsonField('extra', 'CapacityReservationStatus', params);
    const rows = await store.all<ReservationRow>(
      `SELECT provider, sub_account_id AS account, region_id AS region, billing_currency AS currency,
         ${reservation} AS reservation, ${status} AS cr_status, ${d.dateText('usage_date')} AS day,
         ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2 AND extra IS NOT NULL
         AND ${reservation} IS NOT NULL
         AND ${reservation} <> ''
       GROUP BY provider, sub_account_id, region_id, billing_currency, ${reservation}, ${status}, usage_date`,
      params,
    );
    const found = new Map<string, Reservation>();
    for (const r of rows) {
      const k = JSON.stringify([r.provider, r.account, r.reservation, r.currency]);
      const a = found.get(k) ?? found.set(k, { r, total: money(0), unused: money(0), days: new Map() }).get(k)!;
      const cost = money(r.cost ?? 0);
      a.total = a.total.plus(cost);
      if (r.cr_status?.toLowerCase() !== 'unused') continue;
      a.unused = a.unused.plus(cost);
      a.days.set(r.day, (a.days.get(r.day) ?? money(0)).plus(cost));
    }
    const out: Candidate[] = [];
    for (const a of found.values()) {
      // A day without unused capacity is a floor of 0: the reservation was needed whole that day.
      if (a.days.size < ctx.days || !a.total.isPositive()) continue;
      const floor = [...a.days.values()].reduce((m, v) => (v.lt(m) ? v : m));
      const share = a.unused.dividedBy(a.total).times(100);
      if (!floor.isPositive() || share.lt(minUnused)) continue;
      const monthly = floor.times(30);
      if (monthly.lt(minSavings)) continue;
      const { r } = a;
      out.push({
        provider: r.provider,
        account: r.account,
        resourceId: r.reservation,
        resourceType: 'capacity-reservation',
        region: r.region,
        action: 'rightsize',
        title: `Shrink capacity reservation ${r.reservation}`,
        rationale:
          `${fixed2(a.unused)} ${r.currency} of its ${fixed2(a.total)} ${r.currency} in ${ctx.days} days ` +
          `(${share.toDecimalPlaces(1).toFixed(1)} %) was billed for reserved capacity nothing ran on, at least ` +
          `${fixed2(floor)} ${r.currency} on every day: reserving that much less saves ` +
          `${fixed2(monthly)} ${r.currency} a month. Peaks within a day are not in daily billing: check the ` +
          "reservation's hourly use before shrinking it.",
        currency: r.currency,
        monthlySavings: monthly,
        keyFigure: monthly,
        confidence: 0.6,
        effort: 'low',
        restartNeeded: false,
        rollbackPossible: true,
        evidence: {
          unusedCost: a.unused.toFixed(),
          totalCost: a.total.toFixed(),
          unusedPercent: share.toDecimalPlaces(2).toNumber(),
          dailyUnusedFloor: floor.toFixed(),
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};
