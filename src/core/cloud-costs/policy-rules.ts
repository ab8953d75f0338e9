/**
 * The cloud rule kinds of `oco policy` (data + SQL over this wing's tables): required tags,
 * allowed regions, services and instance families, budget ceilings, untagged share. Amounts are
 * the effective cost (amortised, as the anomaly series), per billing currency, from the daily
 * rollup; instance families read the cost rows' resource type. Sums are exact (sumMoney) and
 * compared as decimals; patterns with `*` are matched here, over the grouped rows.
 */
import { dayAfter } from '../base/anomaly/detect.js';
import { money } from '../base/money.js';
import { amount, matchesAny, percent, scopeFilter, share } from '../base/policy/match.js';
import type { Finding, PolicyDefinition, RuleKind, RuleSet, Window } from '../base/policy/types.js';
import type { SqlParam, Store } from '../base/store/types.js';

/** Scope keys → columns of cloud_costs_daily (and cloud_costs: the same names). */
const SCOPE = { provider: 'provider', account: 'sub_account_id', service: 'service_name', region: 'region_id' };

/** What a budget ceiling may be per: `by` → column (tag:<key> reads the tag). */
const BY = { provider: 'provider', account: 'sub_account_id', service: 'service_name', region: 'region_id' } as const;

type Grouped = Record<string, string | null> & { currency: string; cost: string | null };

/**
 * Effective cost over the window and scope from the daily rollup, grouped by `groups` (alias →
 * SQL) and currency, with extra `aggregates` (alias → SQL) beside the sum. `params` holds what
 * the caller's expressions already bound.
 */
async function grouped(
  store: Store,
  policy: PolicyDefinition,
  w: Window,
  q: { groups: Record<string, string>; aggregates?: Record<string, string>; where?: string; params?: SqlParam[] },
): Promise<Grouped[]> {
  const p: SqlParam[] = [...(q.params ?? [])];
  const selects = [...Object.entries(q.groups), ...Object.entries(q.aggregates ?? {})].map(
    ([a, sql]) => `${sql} AS ${a}`,
  );
  p.push(w.from, w.to);
  const window = `usage_date >= $${p.length - 1} AND usage_date <= $${p.length}`;
  const scope = scopeFilter(policy.scope, SCOPE, p);
  return store.all<Grouped>(
    `SELECT ${[...selects, 'billing_currency AS currency'].join(', ')},
       ${store.dialect.sumMoney('effective_cost')} AS cost
     FROM cloud_costs_daily WHERE ${window}${scope}${q.where ? ` AND (${q.where})` : ''}
     GROUP BY ${[...Object.values(q.groups), 'billing_currency'].join(', ')}`,
    p,
  );
}

const label = (v: string | null | undefined) => v ?? '';

function place(r: Grouped): Record<string, string> {
  return { provider: label(r.provider), account: label(r.account), service: label(r.service) };
}

function subjectOf(labels: Record<string, string>, currency: string): string {
  return [...Object.entries(labels).map(([k, v]) => `${k}=${v}`), `currency=${currency}`].join('|');
}

function named(labels: Record<string, string>): string {
  return Object.values(labels)
    .map((v) => v || '-')
    .join(' / ');
}

/** SQL that is true when a row lacks `key` (absent or empty). */
function missingTag(store: Store, key: string, params: SqlParam[]): string {
  const v = store.dialect.jsonField('tags', key, params);
  return `(${v} IS NULL OR ${v} = '')`;
}

const requiredTags: RuleKind = {
  domain: 'cloud',
  summary: 'Cloud spend must carry the listed tag keys.',
  tagKeyFields: ['tags'],
  async evaluate(store, policy, w) {
    const tags = policy.tags as string[];
    const params: SqlParam[] = [];
    const missing = tags.map((t) => missingTag(store, t, params));
    const rows = await grouped(store, policy, w, {
      groups: { provider: 'provider', account: 'sub_account_id', service: 'service_name' },
      aggregates: Object.fromEntries(missing.map((m, i) => [`m${i}`, `MAX(CASE WHEN ${m} THEN 1 ELSE 0 END)`])),
      where: missing.join(' OR '),
      params,
    });
    return rows.map((r) => {
      const labels = place(r);
      const absent = tags.filter((_, i) => Number(r[`m${i}`]) === 1);
      const cost = money(r.cost ?? 0).toFixed();
      return {
        subject: subjectOf(labels, r.currency),
        labels,
        message: `${cost} ${r.currency} of spend in ${named(labels)} lacks tag ${absent.join(', ')}`,
        evidence: { cost, currency: r.currency, missingTags: absent },
      };
    });
  },
};

/** A kind that allows only listed values of one column: spend on anything else is a finding per value. */
function allowList(field: string, column: string, what: string, summary: string): RuleKind {
  return {
    domain: 'cloud',
    summary,
    async evaluate(store, policy, w) {
      const allowed = policy[field] as string[];
      const rows = await grouped(store, policy, w, {
        groups: { provider: 'provider', account: 'sub_account_id', value: column },
      });
      return rows
        .filter((r) => r.value !== null && r.value !== undefined && r.value !== '' && !matchesAny(allowed, r.value))
        .map((r) => finding(r, what));
    },
  };
}

function finding(r: Grouped, what: string): Finding {
  const labels = { provider: label(r.provider), account: label(r.account), [what]: label(r.value) };
  const cost = money(r.cost ?? 0).toFixed();
  return {
    subject: subjectOf(labels, r.currency),
    labels,
    message:
      `${cost} ${r.currency} of spend in ${what} ${r.value} ` +
      `(${named({ p: labels.provider!, a: labels.account! })}), which is not allowed`,
    evidence: { cost, currency: r.currency, [what]: label(r.value) },
  };
}

const allowedInstanceFamilies: RuleKind = {
  domain: 'cloud',
  summary: 'Cloud spend only on the listed instance families or resource types.',
  async evaluate(store, policy, w) {
    const allowed = policy.families as string[];
    const d = store.dialect;
    const params: SqlParam[] = [w.from, w.to];
    const scope = scopeFilter(policy.scope, SCOPE, params);
    // The raw rows (the rollup keeps no resource type) of the window's usage days, as the rollup counts them.
    // usage_date has no index, so both engines scan the table once: over most of a table, SQLite's walk of the
    // charge-period index (a row lookup per entry) measured 10x slower than the scan (bench/policy/check.ts).
    const rows = await store.all<Grouped>(
      `SELECT provider, sub_account_id AS account, resource_type AS value, billing_currency AS currency,
         ${d.sumMoney('COALESCE(effective_cost, billed_cost)')} AS cost
       FROM cloud_costs WHERE usage_date >= $1 AND usage_date <= $2
         AND resource_type IS NOT NULL AND resource_type <> ''${scope}
       GROUP BY provider, sub_account_id, resource_type, billing_currency`,
      params,
    );
    return rows.filter((r) => !matchesAny(allowed, r.value!)).map((r) => finding(r, 'family'));
  },
};

const budgetCeiling: RuleKind = {
  domain: 'cloud',
  summary: 'Cloud spend per account, service, region, provider or tag over the period at most the limit.',
  async evaluate(store, policy, w) {
    const by = (policy.by as string | undefined) ?? 'account';
    const limit = amount(policy.limit);
    const currency = (policy.currency as string | undefined) ?? 'USD';
    const params: SqlParam[] = [];
    const column = by.startsWith('tag:')
      ? store.dialect.jsonField('tags', by.slice(4), params)
      : BY[by as keyof typeof BY];
    const rows = await grouped(store, policy, w, { groups: { value: column }, params });
    const out: Finding[] = [];
    for (const r of rows) {
      if (r.currency !== currency || r.value === null || r.value === '') continue;
      const cost = money(r.cost ?? 0);
      if (cost.lte(limit)) continue;
      // A tag's key is data, not a field name: labels stay { tagKey, tagValue }.
      const labels = by.startsWith('tag:')
        ? { tagKey: by.slice(4), tagValue: String(r.value) }
        : { [by]: String(r.value) };
      out.push({
        subject: subjectOf(labels, currency),
        labels,
        message:
          `${by} ${r.value} spent ${cost.toFixed()} ${currency} from ${w.from} to ${w.to}, ` +
          `over the ceiling of ${limit.toFixed()} ${currency}`,
        evidence: { cost: cost.toFixed(), limit: limit.toFixed(), over: cost.minus(limit).toFixed(), currency },
      });
    }
    return out;
  },
};

const untaggedShare: RuleKind = {
  domain: 'cloud',
  summary: 'At most the given share of cloud spend untagged.',
  tagKeyFields: ['tags'],
  async evaluate(store, policy, w) {
    const tags = policy.tags as string[] | undefined;
    const maxShare = amount(policy.maxShare);
    const params: SqlParam[] = [];
    // Untagged: lacking any listed key, or (no keys listed) carrying no tag at all.
    const untagged = tags?.length
      ? tags.map((t) => missingTag(store, t, params)).join(' OR ')
      : `NOT EXISTS (SELECT 1 FROM ${store.dialect.jsonKeys('tags', 'k').from})`;
    const rows = await grouped(store, policy, w, {
      groups: {},
      aggregates: { untagged: store.dialect.sumMoney(`CASE WHEN ${untagged} THEN effective_cost END`) },
      params,
    });
    return rows.flatMap((r): Finding[] => {
      const total = money(r.cost ?? 0);
      const part = money(r.untagged ?? 0);
      const s = share(part, total);
      if (s === null || s.lte(maxShare)) return [];
      const labels = { currency: r.currency };
      return [
        {
          subject: subjectOf({}, r.currency),
          labels,
          message:
            `${percent(s)} of ${r.currency} spend is untagged (${part.toFixed()} of ${total.toFixed()}), ` +
            `above the maximum of ${percent(maxShare)}`,
          evidence: {
            untaggedCost: part.toFixed(),
            totalCost: total.toFixed(),
            share: s.toDecimalPlaces(6).toFixed(),
            maxShare: maxShare.toFixed(),
            currency: r.currency,
          },
        },
      ];
    });
  },
};

export const cloudPolicyRules: RuleSet = {
  domain: 'cloud',
  kinds: {
    'required-tags': requiredTags,
    'allowed-regions': allowList('regions', 'region_id', 'region', 'Cloud spend only in the listed regions.'),
    'allowed-services': allowList('services', 'service_name', 'service', 'Cloud spend only on the listed services.'),
    'allowed-instance-families': allowedInstanceFamilies,
    'budget-ceiling': budgetCeiling,
    'untagged-share': untaggedShare,
  },
  /** Tag keys of the last 90 days of costs (the rollup is small; older keys are not worth a scan). */
  async tagKeys(store) {
    const k = store.dialect.jsonKeys('tags', 'k');
    const since = dayAfter(new Date().toISOString().slice(0, 10), -90);
    const rows = await store.all<{ key: string }>(
      `SELECT DISTINCT ${k.key} AS key FROM cloud_costs_daily, ${k.from} WHERE usage_date >= $1`,
      [since],
    );
    return rows.map((r) => r.key).sort();
  },
};
