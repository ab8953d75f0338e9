/**
 * The one normalised cost line, in FOCUS terms, as every source produces it and
 * the writer stores it. Amounts and quantities are decimal strings in plain
 * notation (never JS numbers), timestamps ISO-8601 UTC, dates YYYY-MM-DD.
 */
export interface CostRow {
  /**
   * The row's own provider key (a FOCUS file names it on every row, and one file may mix
   * providers); API sources leave it out and the run's provider applies.
   */
  provider?: string;
  billingAccountId: string | null;
  subAccountId: string | null;
  subAccountName: string | null;
  chargePeriodStart: string;
  chargePeriodEnd: string;
  /** UTC day of chargePeriodStart: the window key for replace-on-re-ingest. */
  usageDate: string;
  chargeCategory: string | null;
  chargeDescription: string | null;
  serviceName: string | null;
  serviceCategory: string | null;
  resourceId: string | null;
  resourceName: string | null;
  resourceType: string | null;
  regionId: string | null;
  skuId: string | null;
  pricingQuantity: string | null;
  pricingUnit: string | null;
  consumedQuantity: string | null;
  consumedUnit: string | null;
  billedCost: string;
  effectiveCost: string | null;
  listCost: string | null;
  contractedCost: string | null;
  billingCurrency: string;
  /** Flat JSON object text, or null. */
  tags: string | null;
  /** Other FOCUS / x_ columns verbatim, as JSON object text, or null. */
  extra: string | null;
}

export type CloudProvider = 'aws' | 'azure' | 'gcp';
export const PROVIDERS: readonly CloudProvider[] = ['aws', 'azure', 'gcp'];

/** Database columns in insert order; the first three come from the run, the rest from CostRow. */
export const COST_COLUMNS = [
  ['provider', null],
  ['source', null],
  ['ingest_run_id', null],
  ['billing_account_id', 'billingAccountId'],
  ['sub_account_id', 'subAccountId'],
  ['sub_account_name', 'subAccountName'],
  ['charge_period_start', 'chargePeriodStart'],
  ['charge_period_end', 'chargePeriodEnd'],
  ['usage_date', 'usageDate'],
  ['charge_category', 'chargeCategory'],
  ['charge_description', 'chargeDescription'],
  ['service_name', 'serviceName'],
  ['service_category', 'serviceCategory'],
  ['resource_id', 'resourceId'],
  ['resource_name', 'resourceName'],
  ['resource_type', 'resourceType'],
  ['region_id', 'regionId'],
  ['sku_id', 'skuId'],
  ['pricing_quantity', 'pricingQuantity'],
  ['pricing_unit', 'pricingUnit'],
  ['consumed_quantity', 'consumedQuantity'],
  ['consumed_unit', 'consumedUnit'],
  ['billed_cost', 'billedCost'],
  ['effective_cost', 'effectiveCost'],
  ['list_cost', 'listCost'],
  ['contracted_cost', 'contractedCost'],
  ['billing_currency', 'billingCurrency'],
  ['tags', 'tags'],
  ['extra', 'extra'],
] as const satisfies ReadonlyArray<readonly [string, keyof CostRow | null]>;

export function emptyRow(): CostRow {
  return {
    billingAccountId: null,
    subAccountId: null,
    subAccountName: null,
    chargePeriodStart: '',
    chargePeriodEnd: '',
    usageDate: '',
    chargeCategory: null,
    chargeDescription: null,
    serviceName: null,
    serviceCategory: null,
    resourceId: null,
    resourceName: null,
    resourceType: null,
    regionId: null,
    skuId: null,
    pricingQuantity: null,
    pricingUnit: null,
    consumedQuantity: null,
    consumedUnit: null,
    billedCost: '0',
    effectiveCost: null,
    listCost: null,
    contractedCost: null,
    billingCurrency: 'USD',
    tags: null,
    extra: null,
  };
}

/** A day window [from, to): to is exclusive, like FOCUS periods and the cloud APIs. */
export interface DayWindow {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The same day n months later (earlier for negative n), clamped to the end of a shorter
 * month as calendar arithmetic does: 2026-03-31 minus one month is 2026-02-28.
 */
export function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, lastDay));
  return first.toISOString().slice(0, 10);
}

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Days of a window, for per-day expansion and progress. */
export function daysIn(w: DayWindow): number {
  return Math.round((Date.parse(`${w.to}T00:00:00Z`) - Date.parse(`${w.from}T00:00:00Z`)) / DAY_MS);
}

export const dayStart = (day: string): string => `${day}T00:00:00.000Z`;
