/**
 * Recommendation rules over stored cloud costs (the cloud-costs wing's rule table for `oco optimize`).
 * Each judges the cost rows every source stores (FOCUS columns: sku_id holds AWS's usage type,
 * consumed/pricing units and quantities, tags) over whole UTC days up to yesterday; savings are in
 * the billing currency and scaled from the window to 30 days.
 * - untagged-spend: an account whose cost carries no tags (savings unknown: tags save nothing
 *   themselves, they make the cost attributable). Only sources that store tags at all are judged:
 *   one that was never asked for them would look untagged throughout.
 * - previous-generation: usage of instance families with a cheaper current generation.
 * - idle-resource: a load balancer, NAT gateway, address or volume billed every day for its standing
 *   charge (hours, GB-months) whose metered usage (requests, traffic, LCUs) is near zero, or any
 *   resource with a charge that names itself idle.
 * - rightsize (rightsize.ts): capacity reservations billed as unused every day.
 * - migrate-to-spot (spot.ts): autoscaling groups and node pools running on demand every day.
 */
import { money, type Money } from '../../base/money.js';
import { perMonth, type Action, type Candidate, type Rule, type RuleContext } from '../../base/recommend/model.js';
import { rightsizeRule } from './rightsize.js';
import { migrateToSpotRule } from './spot.js';
import { providerRecommendationsRule } from './imported.js';

function num(ctx: RuleContext, key: string): number {
  return Number(ctx.setting(key));
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** [first, last] whole UTC days of a window of `days` ending yesterday (today is still being billed). */
function dayWindow(ctx: RuleContext, days = ctx.days): { first: string; last: string } {
  const todayMs = Date.parse(`${day(ctx.to)}T00:00:00.000Z`);
  return { first: day(new Date(todayMs - days * 86_400_000)), last: day(new Date(todayMs - 86_400_000)) };
}

const fixed2 = (m: Money) => m.toDecimalPlaces(2).toFixed(2);

export const untaggedSpendRule: Rule = {
  id: 'untagged-spend',
  domain: 'cloud',
  action: 'add-tags',
  description: "An account's cost without any tag, where its source stores tags.",
  thresholds: ['optimize.untaggedMinPercent'],
  async evaluate(store, ctx) {
    const minPercent = num(ctx, 'optimize.untaggedMinPercent');
    const { first, last } = dayWindow(ctx);
    const d = store.dialect;
    const UNTAGGED = `(tags IS NULL OR tags = '{}')`;
    const rows = await store.all<{
      source: string;
      provider: string;
      account: string | null;
      currency: string;
      total: string | null;
      untagged: string | null;
      tagged_rows: unknown;
    }>(
      `SELECT source, provider, sub_account_id AS account, billing_currency AS currency,
         ${d.sumMoney('effective_cost')} AS total,
         ${d.sumMoney(`CASE WHEN ${UNTAGGED} THEN effective_cost END`)} AS untagged,
         SUM(CASE WHEN ${UNTAGGED} THEN 0 ELSE 1 END) AS tagged_rows
       FROM cloud_costs_daily WHERE usage_date >= $1 AND usage_date <= $2
       GROUP BY source, provider, sub_account_id, billing_currency`,
      [first, last],
    );
    const taggingSources = new Set(rows.filter((r) => Number(r.tagged_rows) > 0).map((r) => r.source));
    const byAccount = new Map<
      string,
      { provider: string; account: string | null; currency: string; total: Money; untagged: Money }
    >();
    for (const r of rows) {
      if (!taggingSources.has(r.source)) continue;
      const k = JSON.stringify([r.provider, r.account, r.currency]);
      const a = byAccount.get(k) ?? {
        provider: r.provider,
        account: r.account,
        currency: r.currency,
        total: money(0),
        untagged: money(0),
      };
      a.total = a.total.plus(r.total ?? 0);
      a.untagged = a.untagged.plus(r.untagged ?? 0);
      byAccount.set(k, a);
    }
    const out: Candidate[] = [];
    for (const a of byAccount.values()) {
      if (!a.total.isPositive() || !a.untagged.isPositive()) continue;
      const share = a.untagged.dividedBy(a.total).times(100);
      if (share.lt(minPercent)) continue;
      const monthly = perMonth(a.untagged, ctx.days);
      out.push({
        provider: a.provider,
        account: a.account,
        resourceId: null,
        resourceType: 'account',
        region: null,
        action: 'add-tags',
        title: `Tag the ${a.provider} resources of account ${a.account ?? '(none)'}`,
        rationale:
          `${fixed2(a.untagged)} ${a.currency} of ${fixed2(a.total)} ${a.currency} ` +
          `(${share.toDecimalPlaces(1).toFixed(1)} %) ` +
          `in ${ctx.days} days carries no tag, about ${fixed2(monthly)} ${a.currency} a month no team or project is ` +
          'accountable for. Tagging saves nothing by itself: the saving is unknown.',
        currency: a.currency,
        monthlySavings: null,
        keyFigure: monthly,
        confidence: 0.9,
        effort: 'medium',
        restartNeeded: false,
        rollbackPossible: true,
        evidence: {
          untaggedCost: a.untagged.toFixed(),
          totalCost: a.total.toFixed(),
          untaggedPercent: share.toDecimalPlaces(2).toNumber(),
          monthlyUntaggedCost: monthly.toFixed(),
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};

/**
 * Previous-generation families, as they appear in usage types, SKU and resource types or charge
 * descriptions, with the current generation to move to. `saving` is the percent the successor's
 * on-demand list price is below the old one's (AWS us-east-1, Linux, the large size); null where no
 * like-for-like price difference is known, and the saving is then unknown.
 */
export const PREVIOUS_GENERATIONS: ReadonlyArray<{
  provider: string;
  pattern: RegExp;
  successor: string;
  saving: number | null;
}> = [
  { provider: 'aws', pattern: /\b(m1)\.[a-z0-9]+/i, successor: 'm6i', saving: 45 },
  { provider: 'aws', pattern: /\b(m3)\.[a-z0-9]+/i, successor: 'm6i', saving: 27 },
  { provider: 'aws', pattern: /\b(m4)\.[a-z0-9]+/i, successor: 'm6i', saving: 4 },
  { provider: 'aws', pattern: /\b(c3)\.[a-z0-9]+/i, successor: 'c6i', saving: 19 },
  { provider: 'aws', pattern: /\b(c4)\.[a-z0-9]+/i, successor: 'c6i', saving: 15 },
  { provider: 'aws', pattern: /\b(r3)\.[a-z0-9]+/i, successor: 'r6i', saving: 24 },
  { provider: 'aws', pattern: /\b(r4)\.[a-z0-9]+/i, successor: 'r6i', saving: 5 },
  { provider: 'aws', pattern: /\b(t2)\.[a-z0-9]+/i, successor: 't3', saving: 10 },
  { provider: 'aws', pattern: /\b(i2)\.[a-z0-9]+/i, successor: 'i3', saving: 63 },
  {
    provider: 'aws',
    pattern: /\b(c1|m2|t1|d2|g2|g3|p2|x1)\.[a-z0-9]+/i,
    successor: 'the current generation',
    saving: null,
  },
  {
    provider: 'azure',
    pattern: /\bStandard_((?:A|D|DS|E|F|FS)\d+[a-z]*_v2|D\d+[a-z]*_v3|A\d+)\b/i,
    successor: 'the v5 series',
    saving: null,
  },
  { provider: 'gcp', pattern: /\b(N1) (?:Predefined|Custom) Instance\b/i, successor: 'N2 or N2D', saving: null },
];

type GenRow = {
  provider: string;
  account: string | null;
  resource_id: string | null;
  region: string | null;
  currency: string;
  sku_id: string | null;
  resource_type: string | null;
  charge_description: string | null;
  cost: string | null;
};

export const previousGenerationRule: Rule = {
  id: 'previous-generation',
  domain: 'cloud',
  action: 'upgrade-generation',
  description: 'Instances of a previous-generation family with a cheaper current one.',
  thresholds: ['optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const { first, last } = dayWindow(ctx);
    const d = store.dialect;
    const rows = await store.all<GenRow>(
      `SELECT provider, sub_account_id AS account, resource_id, region_id AS region, billing_currency AS currency,
         sku_id, resource_type, charge_description, ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2
         AND (sku_id IS NOT NULL OR resource_type IS NOT NULL OR charge_description IS NOT NULL)
       GROUP BY provider, sub_account_id, resource_id, region_id, billing_currency, sku_id, resource_type,
         charge_description`,
      [first, last],
    );
    const found = new Map<
      string,
      { r: GenRow; family: string; gen: (typeof PREVIOUS_GENERATIONS)[number]; cost: Money }
    >();
    for (const r of rows) {
      const text = [r.sku_id, r.resource_type, r.charge_description].filter(Boolean).join(' ');
      for (const gen of PREVIOUS_GENERATIONS) {
        if (gen.provider !== r.provider) continue;
        const m = gen.pattern.exec(text);
        if (!m) continue;
        const family = m[1]!;
        const resource = r.resource_id ?? `${family} usage`;
        const k = JSON.stringify([r.provider, r.account, resource, r.currency]);
        const f = found.get(k) ?? { r, family, gen, cost: money(0) };
        f.cost = f.cost.plus(r.cost ?? 0);
        found.set(k, f);
        break;
      }
    }
    const out: Candidate[] = [];
    for (const { r, family, gen, cost } of found.values()) {
      if (!cost.isPositive()) continue;
      const monthlyCost = perMonth(cost, ctx.days);
      const monthly = gen.saving === null ? null : monthlyCost.times(gen.saving).dividedBy(100).toDecimalPlaces(6);
      if (monthly !== null && monthly.lt(minSavings)) continue;
      out.push({
        provider: r.provider,
        account: r.account,
        resourceId: r.resource_id ?? `${family} usage`,
        resourceType: r.resource_id ? 'instance' : 'instance-family',
        region: r.region,
        action: 'upgrade-generation',
        title: `Move ${r.resource_id ?? `${family} instances`} from ${family} to ${gen.successor}`,
        rationale:
          `${fixed2(cost)} ${r.currency} in ${ctx.days} days (${fixed2(monthlyCost)} ${r.currency} a month) on the ` +
          `previous-generation ${family} family. ` +
          (gen.saving === null
            ? `${gen.successor} gives more for the price; the saving is unknown.`
            : `${gen.successor} lists ${gen.saving} % cheaper on demand (us-east-1, Linux): ` +
              `about ${fixed2(monthly!)} ` +
              `${r.currency} a month.`),
        currency: r.currency,
        monthlySavings: monthly,
        keyFigure: monthly ?? monthlyCost,
        confidence: gen.saving === null ? 0.5 : 0.7,
        effort: 'medium',
        restartNeeded: true,
        rollbackPossible: true,
        evidence: {
          family,
          successor: gen.successor,
          listPriceSavingPercent: gen.saving,
          cost: cost.toFixed(),
          monthlyCost: monthlyCost.toFixed(),
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};

/** Units of a standing charge: time the resource exists, or capacity it holds. Anything else is metered use. */
const STANDING_UNIT = /^(hrs?|hours?|days?|months?|gb-mo|gb-month|gib[- ]months?|gibibyte months?)$/i;
/** Charges that name themselves idle (AWS's idle Elastic IP and public IPv4 usage types, unattached disks). */
const IDLE_MARKER = /IdleAddress|\bidle\b|unattached/i;
/**
 * Resources whose worth is the traffic they carry, by what their charges say they are: only these are
 * judged on their metered use (an instance's hours are its use; zero egress does not make it idle).
 * Idle ones are deleted.
 */
const TRAFFIC_KINDS: ReadonlyArray<{ pattern: RegExp; kind: string }> = [
  { pattern: /IdleAddress|ElasticIP|PublicIPv4|\baddress\b/i, kind: 'ip-address' },
  { pattern: /LoadBalancer|load balancing|\belb\b/i, kind: 'load-balancer' },
  { pattern: /NatGateway|\bNAT\b/i, kind: 'nat-gateway' },
  { pattern: /VolumeUsage|\bdisk\b|\bvolume\b|snapshot/i, kind: 'volume' },
];

type IdleRow = {
  provider: string;
  account: string | null;
  resource_id: string;
  region: string | null;
  currency: string;
  service: string | null;
  sku_id: string | null;
  resource_type: string | null;
  charge_description: string | null;
  unit: string | null;
  day: string;
  cost: string | null;
};

export const idleResourceRule: Rule = {
  id: 'idle-resource',
  domain: 'cloud',
  action: 'delete',
  description: 'A resource billed every day for standing charges with near-zero metered usage.',
  thresholds: ['optimize.idleDays', 'optimize.idleMaxActivityPercent', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const days = num(ctx, 'optimize.idleDays');
    const maxActivity = num(ctx, 'optimize.idleMaxActivityPercent');
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const { first, last } = dayWindow(ctx, days);
    const d = store.dialect;
    const rows = await store.all<IdleRow>(
      `SELECT provider, sub_account_id AS account, resource_id, region_id AS region, billing_currency AS currency,
         service_name AS service, sku_id, resource_type, charge_description,
         COALESCE(consumed_unit, pricing_unit) AS unit, ${d.dateText('usage_date')} AS day,
         ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2 AND resource_id IS NOT NULL
       GROUP BY provider, sub_account_id, resource_id, region_id, billing_currency, service_name, sku_id,
         resource_type, charge_description, COALESCE(consumed_unit, pricing_unit), usage_date`,
      [first, last],
    );
    type Acc = {
      r: IdleRow;
      text: string[];
      days: Set<string>;
      total: Money;
      standing: Money;
      activity: Money;
      metered: boolean;
      marked: boolean;
    };
    const byResource = new Map<string, Acc>();
    for (const r of rows) {
      const k = JSON.stringify([r.provider, r.account, r.resource_id, r.currency]);
      const a =
        byResource.get(k) ??
        byResource
          .set(k, {
            r,
            text: [],
            days: new Set(),
            total: money(0),
            standing: money(0),
            activity: money(0),
            metered: false,
            marked: false,
          })
          .get(k)!;
      const cost = money(r.cost ?? 0);
      const text = [r.service, r.sku_id, r.resource_type, r.charge_description].filter(Boolean).join(' ');
      a.text.push(text);
      a.total = a.total.plus(cost);
      if (cost.isPositive()) a.days.add(r.day);
      if (IDLE_MARKER.test(text)) a.marked = true;
      if (r.unit === null) continue;
      if (STANDING_UNIT.test(r.unit.trim())) a.standing = a.standing.plus(cost);
      else {
        a.metered = true;
        a.activity = a.activity.plus(cost);
      }
    }
    const out: Candidate[] = [];
    for (const a of byResource.values()) {
      if (a.days.size < days || !a.total.isPositive()) continue;
      const activityPercent = a.activity.dividedBy(a.total).times(100);
      const all = a.text.join(' ');
      const kind = TRAFFIC_KINDS.find((k) => k.pattern.test(all))?.kind;
      const quiet = kind !== undefined && a.metered && a.standing.isPositive() && activityPercent.lte(maxActivity);
      if (!a.marked && !quiet) continue;
      const monthly = perMonth(a.total, days);
      if (monthly.lt(minSavings)) continue;
      const action: Action = kind ? 'delete' : 'stop';
      const { r } = a;
      out.push({
        provider: r.provider,
        account: r.account,
        resourceId: r.resource_id,
        resourceType: kind ?? r.resource_type ?? r.service ?? 'resource',
        region: r.region,
        action,
        title: `${action === 'delete' ? 'Delete' : 'Stop'} idle ${kind ?? 'resource'} ${r.resource_id}`,
        rationale:
          `Billed ${fixed2(a.total)} ${r.currency} on each of the last ${days} days` +
          (a.marked
            ? ', for a charge the provider itself names idle'
            : `, ${fixed2(a.standing)} ${r.currency} of it for existing, while its metered use cost ` +
              `${fixed2(a.activity)} ${r.currency} (${activityPercent.toDecimalPlaces(2).toFixed(2)} %)`) +
          `: about ${fixed2(monthly)} ${r.currency} a month for nothing.`,
        currency: r.currency,
        monthlySavings: monthly,
        keyFigure: monthly,
        confidence: a.marked ? 0.9 : 0.7,
        effort: 'low',
        restartNeeded: false,
        rollbackPossible: action === 'stop',
        evidence: {
          cost: a.total.toFixed(),
          standingCost: a.standing.toFixed(),
          meteredCost: a.activity.toFixed(),
          billedDays: a.days.size,
          markedIdle: a.marked ? 1 : 0,
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};

/**
 * commitment-coverage: the on-demand compute an account spent on every day of the window (its
 * daily floor) is what a savings plan, reservation or committed-use discount would cover at no
 * risk. On demand = FOCUS ServiceCategory Compute, ChargeCategory Usage, PricingCategory Standard
 * or absent, no CommitmentDiscountId (FOCUS files keep both in extra; API sources have neither, so
 * their usage already covered by a commitment, e.g. Cost Explorer's DiscountedUsage, counts as on
 * demand: say so in the rationale). The saving needs your commitment's discount rate
 * (optimize.commitmentDiscountPercent): without it, unknown.
 */
export const commitmentCoverageRule: Rule = {
  id: 'commitment-coverage',
  domain: 'cloud',
  action: 'purchase-commitment',
  description: "An account's steady daily floor of on-demand compute, coverable by a 1-year commitment.",
  thresholds: ['optimize.commitmentDiscountPercent', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const discountSetting = ctx.setting('optimize.commitmentDiscountPercent');
    const discount = discountSetting === undefined ? null : Number(discountSetting);
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const { first, last } = dayWindow(ctx);
    const d = store.dialect;
    const params: Array<string> = [first, last];
    const pricing = d.jsonField('extra', 'PricingCategory', params);
    const commitment = d.jsonField('extra', 'CommitmentDiscountId', params);
    const rows = await store.all<{
      provider: string;
      account: string | null;
      currency: string;
      day: string;
      cost: string | null;
    }>(
      `SELECT provider, sub_account_id AS account, billing_currency AS currency, ${d.dateText('usage_date')} AS day,
         ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2 AND service_category = 'Compute'
         AND charge_category = 'Usage' AND COALESCE(${pricing}, 'Standard') = 'Standard'
         AND (${commitment} IS NULL OR ${commitment} = '')
       GROUP BY provider, sub_account_id, billing_currency, usage_date`,
      params,
    );
    const byAccount = new Map<
      string,
      { provider: string; account: string | null; currency: string; days: Map<string, Money> }
    >();
    for (const r of rows) {
      const k = JSON.stringify([r.provider, r.account, r.currency]);
      const a = byAccount.get(k) ?? { provider: r.provider, account: r.account, currency: r.currency, days: new Map() };
      a.days.set(r.day, money(r.cost ?? 0));
      byAccount.set(k, a);
    }
    const out: Candidate[] = [];
    for (const a of byAccount.values()) {
      // A day without on-demand compute is a floor of 0: nothing is steady.
      if (a.days.size < ctx.days) continue;
      const amounts = [...a.days.values()];
      const floor = amounts.reduce((m, v) => (v.lt(m) ? v : m));
      if (!floor.isPositive()) continue;
      const total = amounts.reduce((s, v) => s.plus(v), money(0));
      const covered = floor.times(30);
      const monthly = discount === null ? null : covered.times(discount).dividedBy(100).toDecimalPlaces(6);
      if ((monthly ?? covered).lt(minSavings)) continue;
      const hourly = floor.dividedBy(24).toDecimalPlaces(4);
      out.push({
        provider: a.provider,
        account: a.account,
        resourceId: null,
        resourceType: 'compute-commitment',
        region: null,
        action: 'purchase-commitment',
        title:
          `Commit to ${hourly.toFixed()} ${a.currency}/hour of ${a.provider} compute ` +
          `in account ${a.account ?? '(none)'}`,
        rationale:
          `On-demand compute cost at least ${fixed2(floor)} ${a.currency} on every one of the last ${ctx.days} days ` +
          `(${fixed2(total)} ${a.currency} in all): ${fixed2(covered)} ${a.currency} a month a 1-year commitment of ` +
          `${hourly.toFixed()} ${a.currency}/hour would cover. ` +
          (discount === null
            ? 'Set optimize.commitmentDiscountPercent to your commitment rate for the saving; unknown until then.'
            : `At a ${discount} % discount it saves ${fixed2(monthly!)} ${a.currency} a month and breaks even while ` +
              `use stays above ${100 - discount} % of the commitment.`) +
          ' Usage a commitment already covers but a source does not mark as such counts as on demand.',
        currency: a.currency,
        monthlySavings: monthly,
        keyFigure: monthly ?? covered,
        confidence: 0.6,
        effort: 'low',
        restartNeeded: false,
        rollbackPossible: false,
        evidence: {
          dailyFloor: floor.toFixed(),
          onDemandCost: total.toFixed(),
          monthlyCovered: covered.toFixed(),
          hourlyCommitment: hourly.toFixed(),
          discountPercent: discount,
          breakEvenPercent: discount === null ? null : 100 - discount,
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};

/**
 * The cloud-costs wing's rule table, best first. The providers' own recommendations come last: a finding
 * of oco's for the same resource and action merges with one of theirs (runRecommendations).
 */
export const CLOUD_RULES: readonly Rule[] = [
  idleResourceRule,
  previousGenerationRule,
  commitmentCoverageRule,
  untaggedSpendRule,
  rightsizeRule,
  migrateToSpotRule,
  providerRecommendationsRule,
];
