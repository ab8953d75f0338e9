/**
 * `oco optimize`: runs every rule of the tables the caller passes in (the cloud-costs wing's, the
 * gateway's) over one evidence window and keeps one row per fingerprint (provider, account,
 * resource, action) in optimization_recommendations, with every status change in the history.
 * Lifecycle on a run:
 * - new fingerprint → open;
 * - open or accepted and found again → figures updated, status kept;
 * - dismissed and found again → stays dismissed with the figures it was dismissed on, until the key
 *   figure (savings, or the rule's own figure when savings are unknown) moves by more than
 *   optimize.materialChangePercent: then it reopens, saying why;
 * - resolved and found again → reopens;
 * - open or accepted and no longer found by a rule that ran → resolved.
 * Findings of several rules with one fingerprint (oco's own and a provider's imported one) are one
 * recommendation (mergeFindings).
 */
import { createHash, randomUUID } from 'node:crypto';
import { NotFoundError, UsageError } from '../errors.js';
import { money, type Money } from '../money.js';
import type { Queryable, Store } from '../store/types.js';
import type { Candidate, Domain, HistoryEntry, Recommendation, Rule, RuleContext, Status } from './model.js';

export interface RunOptions {
  days: number;
  /** Share (percent) the key figure must move by for a dismissed recommendation to reopen. */
  materialChangePercent: number;
  setting: RuleContext['setting'];
  now?: Date;
}

export interface RunResult {
  from: string;
  to: string;
  days: number;
  rulesRun: number;
  created: number;
  updated: number;
  reopened: number;
  resolved: number;
  /** Open recommendations after the run. */
  open: number;
}

/** provider, account, resource, action: the identity a re-run updates. */
export function fingerprint(c: Pick<Candidate, 'provider' | 'account' | 'resourceId' | 'action'>): string {
  return createHash('sha256')
    .update(JSON.stringify([c.provider, c.account ?? '', c.resourceId ?? '', c.action]))
    .digest('hex')
    .slice(0, 32);
}

/** Whether `now` differs from `then` by more than `percent` of `then` (any change from 0 is material). */
export function changedMaterially(then: Money, now: Money, percent: number): boolean {
  if (then.isZero()) return !now.isZero();
  return now.minus(then).abs().dividedBy(then.abs()).times(100).gt(percent);
}

export async function runRecommendations(store: Store, rules: readonly Rule[], o: RunOptions): Promise<RunResult> {
  const now = o.now ?? new Date();
  const to = now;
  const from = new Date(to.getTime() - o.days * 86_400_000);
  const ctx: RuleContext = { from, to, days: o.days, setting: o.setting, now };
  const findings = new Map<string, Finding[]>();
  for (const rule of rules) {
    for (const c of await rule.evaluate(store, ctx)) {
      const fp = fingerprint(c);
      findings.set(fp, [...(findings.get(fp) ?? []), { rule, c }]);
    }
  }
  const found = new Map([...findings].map(([fp, fs]) => [fp, { rule: fs[0]!.rule, c: mergeFindings(fs) }]));
  const result: RunResult = {
    from: from.toISOString(),
    to: to.toISOString(),
    days: o.days,
    rulesRun: rules.length,
    created: 0,
    updated: 0,
    reopened: 0,
    resolved: 0,
    open: 0,
  };
  await store.transaction(async (tx) => {
    for (const [fp, { rule, c }] of found) {
      const outcome = await upsert(tx, fp, rule, c, o.materialChangePercent, now);
      result[outcome]++;
    }
    // What a rule that ran no longer finds is resolved, unless someone dismissed it.
    const ran = rules.map((r) => r.id);
    const stale = await tx.all<{ id: string; fingerprint: string; rule_id: string }>(
      `SELECT id, fingerprint, rule_id FROM optimization_recommendations WHERE status IN ('open', 'accepted')`,
    );
    for (const s of stale) {
      if (found.has(s.fingerprint) || !ran.includes(s.rule_id)) continue;
      await setStatusIn(tx, s.id, 'resolved', `no longer found by ${s.rule_id}`, now);
      result.resolved++;
    }
    const open = await tx.get<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM optimization_recommendations WHERE status = 'open'`,
    );
    result.open = Number(open?.n ?? 0);
  });
  return result;
}

/** One candidate and the rule that produced it. */
export interface Finding {
  rule: Rule;
  c: Candidate;
}

const sourceOf = (f: Finding) => f.c.source ?? f.rule.id;
const estimate = (c: Candidate) => (c.monthlySavings ? `${c.monthlySavings.toFixed()} ${c.currency}` : 'unknown');

/**
 * Findings with one fingerprint (the same provider, account, resource and action) as one candidate. Its
 * figures are an imported provider recommendation's when that one knows the savings (the provider prices
 * with the account's own discounts), otherwise oco's first finding's (rule tables are best first);
 * confidence is the highest; the evidence keeps every source's estimate and lists the sources; the
 * rationale tells each source's reasoning.
 */
export function mergeFindings(fs: readonly Finding[]): Candidate {
  const only = fs[0]!;
  if (fs.length === 1)
    return only.c.source ? { ...only.c, evidence: { ...only.c.evidence, sources: only.c.source } } : only.c;
  const lead = fs.find((f) => f.c.source && f.c.monthlySavings !== null) ?? fs.find((f) => !f.c.source) ?? only;
  const others = fs.filter((f) => f !== lead);
  const sources = [...new Set(fs.map(sourceOf))];
  const evidence: Candidate['evidence'] = {};
  for (const f of [...others, lead]) Object.assign(evidence, f.c.evidence);
  evidence.sources = sources.join(', ');
  evidence.estimates = fs.map((f) => `${sourceOf(f)}: ${estimate(f.c)}`).join('; ');
  return {
    ...lead.c,
    region: lead.c.region ?? others.find((f) => f.c.region)?.c.region ?? null,
    rationale: [lead.c.rationale, ...others.map((f) => `Also found by ${sourceOf(f)}: ${f.c.rationale}`)].join(' '),
    confidence: Math.max(...fs.map((f) => f.c.confidence)),
    evidence,
  };
}

type Outcome = 'created' | 'updated' | 'reopened';

async function upsert(
  tx: Queryable,
  fp: string,
  rule: Rule,
  c: Candidate,
  materialPercent: number,
  now: Date,
): Promise<Outcome> {
  const existing = await tx.get<{ id: string; status: Status; key_figure: string | null }>(
    'SELECT id, status, key_figure FROM optimization_recommendations WHERE fingerprint = $1',
    [fp],
  );
  const figures = [
    rule.id,
    rule.domain,
    c.provider,
    c.account,
    c.resourceId,
    c.resourceType,
    c.region,
    c.action,
    c.title,
    c.rationale,
    c.currency,
    c.monthlySavings?.toFixed() ?? null,
    c.currency === 'USD' ? (c.monthlySavings?.toFixed() ?? null) : null,
    c.keyFigure.toFixed(),
    String(c.confidence),
    c.effort,
    c.restartNeeded,
    c.rollbackPossible,
    c.evidence,
    now,
  ] as const;
  if (!existing) {
    const id = `rec_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await tx.run(
      `INSERT INTO optimization_recommendations (rule_id, domain, provider, account_id, resource_id, resource_type,
         region, kind, title, rationale, currency, estimated_monthly_savings, estimated_monthly_savings_usd,
         key_figure, confidence, effort, restart_needed, rollback_possible, details, last_seen_at,
         id, fingerprint, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
         $21, $22, 'open', $20, $20)`,
      [...figures, id, fp],
    );
    await history(tx, id, 'open', `found by ${rule.id}`, now);
    return 'created';
  }
  if (existing.status === 'dismissed') {
    const then = money(existing.key_figure ?? 0);
    if (!changedMaterially(then, c.keyFigure, materialPercent)) {
      await tx.run('UPDATE optimization_recommendations SET last_seen_at = $1 WHERE id = $2', [now, existing.id]);
      return 'updated';
    }
  }
  await tx.run(
    `UPDATE optimization_recommendations SET rule_id = $1, domain = $2, provider = $3, account_id = $4,
       resource_id = $5, resource_type = $6, region = $7, kind = $8, title = $9, rationale = $10, currency = $11,
       estimated_monthly_savings = $12, estimated_monthly_savings_usd = $13, key_figure = $14, confidence = $15,
       effort = $16, restart_needed = $17, rollback_possible = $18, details = $19, last_seen_at = $20,
       updated_at = $20
     WHERE id = $21`,
    [...figures, existing.id],
  );
  if (existing.status === 'dismissed' || existing.status === 'resolved') {
    const reason =
      existing.status === 'dismissed'
        ? `evidence changed: ${existing.key_figure ?? '0'} → ${c.keyFigure.toFixed()} ${c.currency}`
        : `found again by ${rule.id}`;
    await setStatusIn(tx, existing.id, 'open', reason, now);
    return 'reopened';
  }
  return 'updated';
}

async function history(q: Queryable, id: string, status: Status, reason: string | null, at: Date): Promise<void> {
  await q.run(
    'INSERT INTO optimization_recommendation_history (recommendation_id, status, reason, at) VALUES ($1, $2, $3, $4)',
    [id, status, reason, at],
  );
}

async function setStatusIn(q: Queryable, id: string, status: Status, reason: string | null, at: Date): Promise<void> {
  await q.run(
    'UPDATE optimization_recommendations SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4',
    [status, reason, at, id],
  );
  await history(q, id, status, reason, at);
}

/** Which statuses a person may move a recommendation to, from which. */
const TRANSITIONS: Record<'accepted' | 'dismissed', readonly Status[]> = {
  accepted: ['open', 'dismissed'],
  dismissed: ['open', 'accepted'],
};

/** `oco optimize accept|dismiss ID`: the new status, with the reason in the history. */
export async function setRecommendationStatus(
  store: Store,
  id: string,
  status: 'accepted' | 'dismissed',
  reason: string | null,
  now = new Date(),
): Promise<Recommendation & { history: HistoryEntry[] }> {
  return store.transaction(async (tx) => {
    const rec = await byId(tx, id);
    if (!rec)
      throw new NotFoundError(`no recommendation "${id}"`, {
        code: 'OCO_RECOMMENDATION_NOT_FOUND',
        hint: 'List them with "oco optimize report --status all".',
      });
    if (!TRANSITIONS[status].includes(rec.status))
      throw new UsageError(
        `recommendation ${id} is ${rec.status}: only ${TRANSITIONS[status].join(' or ')} can be` + ` ${status}`,
        { code: 'OCO_RECOMMENDATION_STATUS' },
      );
    await setStatusIn(tx, id, status, reason, now);
    return { ...(await byId(tx, id))!, history: await historyOf(tx, id) };
  });
}

type RecRow = {
  id: string;
  rule_id: string;
  domain: Domain;
  provider: string;
  account_id: string | null;
  resource_id: string | null;
  resource_type: string | null;
  region: string | null;
  kind: string;
  title: string;
  rationale: string | null;
  currency: string | null;
  estimated_monthly_savings: string | null;
  confidence: string | null;
  effort: string | null;
  restart_needed: unknown;
  rollback_possible: unknown;
  status: Status;
  status_reason: string | null;
  details: string | Record<string, string | number | null> | null;
  created_at: string | Date;
  updated_at: string | Date;
  last_seen_at: string | Date | null;
};

const COLUMNS =
  'id, rule_id, domain, provider, account_id, resource_id, resource_type, region, kind, title, rationale, currency,' +
  ' estimated_monthly_savings, confidence, effort, restart_needed, rollback_possible, status, status_reason, details,' +
  ' created_at, updated_at, last_seen_at';

function ts(v: string | Date): string {
  return typeof v === 'string' ? v : v.toISOString();
}

function fromRow(r: RecRow): Recommendation {
  const details = typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? {});
  return {
    id: r.id,
    ruleId: r.rule_id,
    domain: r.domain,
    provider: r.provider,
    account: r.account_id,
    resourceId: r.resource_id,
    resourceType: r.resource_type ?? '',
    region: r.region,
    action: r.kind as Recommendation['action'],
    title: r.title,
    rationale: r.rationale ?? '',
    currency: r.currency ?? 'USD',
    monthlySavings: r.estimated_monthly_savings === null ? null : money(r.estimated_monthly_savings).toFixed(),
    confidence: Number(r.confidence ?? 0),
    effort: (r.effort ?? 'medium') as Recommendation['effort'],
    restartNeeded: Boolean(r.restart_needed),
    rollbackPossible: Boolean(r.rollback_possible),
    status: r.status,
    statusReason: r.status_reason,
    evidence: details as Recommendation['evidence'],
    createdAt: ts(r.created_at),
    updatedAt: ts(r.updated_at),
    lastSeenAt: ts(r.last_seen_at ?? r.updated_at),
  };
}

async function byId(q: Queryable, id: string): Promise<Recommendation | undefined> {
  const r = await q.get<RecRow>(
    `SELECT ${COLUMNS} FROM optimization_recommendations WHERE id = $1 AND fingerprint IS NOT NULL`,
    [id],
  );
  return r ? fromRow(r) : undefined;
}

export async function historyOf(q: Queryable, id: string): Promise<HistoryEntry[]> {
  const rows = await q.all<{ status: Status; reason: string | null; at: string | Date }>(
    'SELECT status, reason, at FROM optimization_recommendation_history WHERE recommendation_id = $1 ORDER BY at, id',
    [id],
  );
  return rows.map((r) => ({ status: r.status, reason: r.reason, at: ts(r.at) }));
}

export interface ReportFilter {
  provider?: string;
  /** Savings at or above this (recommendations with unknown savings are left out when given). */
  minSavings?: Money;
  /** Statuses shown; default open. */
  statuses?: readonly Status[];
  domain?: Domain;
}

/** Stored recommendations, largest known savings first, unknown savings last. */
export async function listRecommendations(q: Queryable, f: ReportFilter = {}): Promise<Recommendation[]> {
  const statuses = f.statuses ?? ['open'];
  const rows = await q.all<RecRow>(
    `SELECT ${COLUMNS} FROM optimization_recommendations WHERE fingerprint IS NOT NULL ORDER BY id`,
  );
  const min = f.minSavings;
  return rows
    .map(fromRow)
    .filter(
      (r) =>
        statuses.includes(r.status) &&
        (!f.provider || r.provider === f.provider) &&
        (!f.domain || r.domain === f.domain) &&
        (!min || (r.monthlySavings !== null && money(r.monthlySavings).gte(min))),
    )
    .sort(
      (a, b) =>
        (a.monthlySavings === null ? 1 : 0) - (b.monthlySavings === null ? 1 : 0) ||
        money(b.monthlySavings ?? 0).comparedTo(money(a.monthlySavings ?? 0)) ||
        a.title.localeCompare(b.title),
    );
}
