/**
 * migrate-to-spot: on-demand compute that is interruption-tolerant by its own evidence. A node that
 * belongs to an autoscaling group or a Kubernetes / Dataproc node pool is replaceable by design (the
 * group brings back what is taken away), which is what spot capacity asks; the provider's own tags
 * or labels on the cost rows say so (the table below). Judged per group, not per instance (instances
 * come and go): its on-demand compute (FOCUS ServiceCategory Compute, ChargeCategory Usage,
 * PricingCategory Standard or absent, no CommitmentDiscountId, no spot or preemptible SKU) must have
 * cost something on every one of the last optimize.spotMinDays days. The saving is that cost × the
 * spot discount you get (optimize.spotDiscountPercent; unset ⇒ unknown, the key figure is the monthly
 * on-demand cost). Whether the workload itself tolerates a two-minute notice is not in billing data:
 * confidence is modest.
 */
import { money, type Money } from '../../base/money.js';
import { perMonth, type Candidate, type Rule } from '../../base/recommend/model.js';
import { dayWindow, fixed2, num, tagObject } from './days.js';

/** Tags and labels that put a node in a group that replaces lost nodes, by provider, with what the group is. */
export const SPOT_GROUP_TAGS: ReadonlyArray<{ provider: string; tag: string; kind: string }> = [
  { provider: 'aws', tag: 'eks:nodegroup-name', kind: 'EKS node group' },
  { provider: 'aws', tag: 'karpenter.sh/nodepool', kind: 'Karpenter node pool' },
  { provider: 'aws', tag: 'karpenter.sh/provisioner-name', kind: 'Karpenter provisioner' },
  { provider: 'aws', tag: 'aws:autoscaling:groupName', kind: 'autoscaling group' },
  { provider: 'gcp', tag: 'goog-k8s-node-pool-name', kind: 'GKE node pool' },
  { provider: 'gcp', tag: 'goog-dataproc-cluster-name', kind: 'Dataproc cluster' },
  { provider: 'azure', tag: 'aks-managed-poolName', kind: 'AKS node pool' },
];

/** SKUs and descriptions of capacity already spot, preemptible or low priority. */
const ALREADY_SPOT = /SpotUsage|\bspot\b|preemptible|low priority/i;

type SpotRow = {
  provider: string;
  account: string | null;
  region: string | null;
  currency: string;
  tags: unknown;
  sku_id: string | null;
  charge_description: string | null;
  day: string;
  cost: string | null;
};

type Group = {
  provider: string;
  account: string | null;
  region: string | null;
  currency: string;
  tag: string;
  kind: string;
  name: string;
  days: Map<string, Money>;
};

export const migrateToSpotRule: Rule = {
  id: 'migrate-to-spot',
  domain: 'cloud',
  action: 'migrate-to-spot',
  description: 'An autoscaling group or node pool running on demand every day: its nodes are replaceable.',
  thresholds: ['optimize.spotMinDays', 'optimize.spotDiscountPercent', 'optimize.minMonthlySavings'],
  async evaluate(store, ctx) {
    const minDays = num(ctx, 'optimize.spotMinDays');
    const discountSetting = ctx.setting('optimize.spotDiscountPercent');
    const discount = discountSetting === undefined ? null : Number(discountSetting);
    const minSavings = money(num(ctx, 'optimize.minMonthlySavings'));
    const { first, last } = dayWindow(ctx, minDays);
    const d = store.dialect;
    const params: string[] = [first, last];
    const pricing = d.jsonField('extra', 'PricingCategory', params);
    const commitment = d.jsonField('extra', 'CommitmentDiscountId', params);
    const rows = await store.all<SpotRow>(
      `SELECT provider, sub_account_id AS account, region_id AS region, billing_currency AS currency, tags, sku_id,
         charge_description, ${d.dateText('usage_date')} AS day,
         ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2 AND service_category = 'Compute'
         AND charge_category = 'Usage' AND COALESCE(${pricing}, 'Standard') = 'Standard'
         AND (${commitment} IS NULL OR ${commitment} = '') AND tags IS NOT NULL
       GROUP BY provider, sub_account_id, region_id, billing_currency, tags, sku_id, charge_description, usage_date`,
      params,
    );
    const groups = new Map<string, Group>();
    for (const r of rows) {
      if (ALREADY_SPOT.test(`${r.sku_id ?? ''} ${r.charge_description ?? ''}`)) continue;
      const tags = tagObject(r.tags);
      const g = SPOT_GROUP_TAGS.find(
        (t) => t.provider === r.provider && typeof tags[t.tag] === 'string' && tags[t.tag],
      );
      if (!g) continue;
      const name = tags[g.tag] as string;
      const k = JSON.stringify([r.provider, r.account, r.region, r.currency, g.tag, name]);
      const a =
        groups.get(k) ??
        groups
          .set(k, {
            provider: r.provider,
            account: r.account,
            region: r.region,
            currency: r.currency,
            tag: g.tag,
            kind: g.kind,
            name,
            days: new Map(),
          })
          .get(k)!;
      a.days.set(r.day, (a.days.get(r.day) ?? money(0)).plus(r.cost ?? 0));
    }
    const out: Candidate[] = [];
    for (const g of groups.values()) {
      const amounts = [...g.days.values()];
      if (amounts.filter((v) => v.isPositive()).length < minDays) continue;
      const total = amounts.reduce((s, v) => s.plus(v), money(0));
      const monthlyCost = perMonth(total, minDays);
      const monthly = discount === null ? null : monthlyCost.times(discount).dividedBy(100).toDecimalPlaces(6);
      if ((monthly ?? monthlyCost).lt(minSavings)) continue;
      out.push({
        provider: g.provider,
        account: g.account,
        resourceId: `${g.tag}=${g.name}`,
        resourceType: g.kind,
        region: g.region,
        action: 'migrate-to-spot',
        title: `Run ${g.kind} ${g.name} on spot capacity`,
        rationale:
          `Its nodes (tagged ${g.tag}=${g.name}) ran on demand on every one of the last ${minDays} days, ` +
          `${fixed2(total)} ${g.currency} (${fixed2(monthlyCost)} ${g.currency} a month); a ${g.kind} replaces ` +
          'the nodes it loses, which is what spot capacity asks. ' +
          (discount === null
            ? 'Set optimize.spotDiscountPercent to the spot discount you see for the saving; unknown until then.'
            : `At a ${discount} % spot discount it saves ${fixed2(monthly!)} ${g.currency} a month.`) +
          ' Billing cannot tell whether the workload tolerates an interruption notice; usage a commitment ' +
          'covers but a source does not mark as such counts as on demand.',
        currency: g.currency,
        monthlySavings: monthly,
        keyFigure: monthly ?? monthlyCost,
        confidence: 0.4,
        effort: 'medium',
        restartNeeded: true,
        rollbackPossible: true,
        evidence: {
          groupTag: g.tag,
          group: g.name,
          onDemandCost: total.toFixed(),
          monthlyOnDemandCost: monthlyCost.toFixed(),
          discountPercent: discount,
          days: minDays,
          firstDay: first,
          lastDay: last,
        },
      });
    }
    return out;
  },
};
