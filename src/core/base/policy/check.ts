/**
 * `oco policy check`: every enabled policy judged by its kind's evaluate (from the rule tables the
 * caller passes in), each finding recorded as a violation whose fingerprint (policy + subject) is
 * unique while open. A finding seen again updates its violation (last seen, evidence, message); an
 * open violation not found any more is resolved; a new finding opens one. Never duplicated.
 */
import { createHash, randomUUID } from 'node:crypto';
import { dayAfter } from '../anomaly/detect.js';
import { OperationError } from '../errors.js';
import type { Queryable, Store } from '../store/types.js';
import { DEFAULT_PERIOD, getPolicy, listPolicies, type StoredPolicy } from './repo.js';
import { severityRank, type Finding, type RuleKind, type RuleSet, type Severity, type Window } from './types.js';

export interface Violation {
  id: string;
  policy: string;
  kind: string;
  severity: Severity;
  status: 'open' | 'resolved';
  fingerprint: string;
  subject: string;
  labels: Record<string, string>;
  message: string;
  evidence: Record<string, string | string[]>;
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

export interface PolicyOutcome {
  name: string;
  kind: string;
  severity: Severity;
  description: string | null;
  summary: string;
  from: string;
  to: string;
  open: number;
}

export interface CheckResult {
  checkedAt: string;
  failOn: Severity;
  /** True when an open violation is at or above failOn: the CI gate fails (exit 4). */
  failed: boolean;
  policies: PolicyOutcome[];
  counts: { opened: number; stillOpen: number; resolved: number };
  /** Every open violation after this check, most severe first. */
  violations: Violation[];
  /** Violations this check resolved. */
  resolved: Violation[];
}

export interface CheckOptions {
  failOn: Severity;
  /** Overrides every policy's own period: days judged, up to today. */
  periodDays?: number;
  /** Only these policies (by name). */
  names?: string[];
  now?: Date;
}

/** Every wing's rule kinds as one table. */
export function ruleKinds(sets: RuleSet[]): Record<string, RuleKind> {
  return Object.assign({}, ...sets.map((s) => s.kinds)) as Record<string, RuleKind>;
}

export function periodDays(period: string): number {
  return Number(/^(\d+)d$/.exec(period)?.[1] ?? 30);
}

function windowFor(p: StoredPolicy, o: CheckOptions, today: string): Window {
  const days = o.periodDays ?? periodDays(p.period ?? DEFAULT_PERIOD);
  return { from: dayAfter(today, -(days - 1)), to: today };
}

export function fingerprint(policy: string, subject: string): string {
  return createHash('sha256').update(`${policy}\u0000${subject}`).digest('hex').slice(0, 32);
}

export async function checkPolicies(store: Store, sets: RuleSet[], o: CheckOptions): Promise<CheckResult> {
  const now = o.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const kinds = ruleKinds(sets);
  const stored = await listPolicies(store);
  // A --policy name that is not stored is a typo, not an empty check: getPolicy names the closest.
  for (const name of o.names ?? []) if (!stored.some((p) => p.name === name)) await getPolicy(store, name);
  const policies = stored.filter((p) => p.enabled && (!o.names || o.names.includes(p.name)));
  const outcomes: PolicyOutcome[] = [];
  const counts = { opened: 0, stillOpen: 0, resolved: 0 };
  const resolved: Violation[] = [];
  for (const p of policies) {
    const kind = kinds[p.kind];
    if (!kind)
      throw new OperationError(
        'OCO_POLICY_KIND_UNKNOWN',
        `policy "${p.name}" has kind "${p.kind}", which this oco does not know`,
        {
          hint: 'It was applied by another oco version: upgrade, or delete it with "oco policy delete".',
        },
      );
    const w = windowFor(p, o, today);
    const findings = await kind.evaluate(store, p.definition, w);
    const r = await record(store, p, findings, now);
    counts.opened += r.opened;
    counts.stillOpen += r.stillOpen;
    counts.resolved += r.resolved.length;
    resolved.push(...r.resolved);
    outcomes.push({
      name: p.name,
      kind: p.kind,
      severity: p.severity,
      description: p.description,
      summary: kind.summary,
      from: w.from,
      to: w.to,
      open: findings.length,
    });
  }
  const names = new Set(policies.map((p) => p.name));
  const violations = (await openViolations(store)).filter((v) => names.has(v.policy));
  const failed = violations.some((v) => severityRank(v.severity) >= severityRank(o.failOn));
  return { checkedAt: now.toISOString(), failOn: o.failOn, failed, policies: outcomes, counts, violations, resolved };
}

/** One policy's findings against its open violations, in one transaction. */
async function record(
  store: Store,
  p: StoredPolicy,
  findings: Finding[],
  now: Date,
): Promise<{ opened: number; stillOpen: number; resolved: Violation[] }> {
  return store.transaction(async (tx) => {
    const open = new Map(
      (
        await tx.all<{ id: string; fingerprint: string }>(
          `SELECT id, fingerprint FROM policy_violations WHERE policy_id = $1 AND status = 'open'`,
          [p.id],
        )
      ).map((r) => [r.fingerprint, r.id]),
    );
    let opened = 0;
    let stillOpen = 0;
    const seen = new Set<string>();
    for (const f of findings) {
      const fp = fingerprint(p.name, f.subject);
      if (seen.has(fp)) continue;
      seen.add(fp);
      const id = open.get(fp);
      if (id) {
        stillOpen++;
        await tx.run(
          `UPDATE policy_violations SET last_seen_at = $1, message = $2, evidence = $3, labels = $4, severity = $5
           WHERE id = $6`,
          [now, f.message, f.evidence, f.labels, p.severity, id],
        );
      } else {
        opened++;
        await tx.run(
          `INSERT INTO policy_violations (id, policy_id, fingerprint, subject, labels, severity, status, message,
             evidence, opened_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9)`,
          [
            `vio_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
            p.id,
            fp,
            f.subject,
            f.labels,
            p.severity,
            f.message,
            f.evidence,
            now,
          ],
        );
      }
    }
    const gone = [...open].filter(([fp]) => !seen.has(fp)).map(([, id]) => id);
    for (const id of gone)
      await tx.run(`UPDATE policy_violations SET status = 'resolved', resolved_at = $1 WHERE id = $2`, [now, id]);
    const resolved = gone.length
      ? await violations(tx, `v.id IN (${gone.map((_, i) => `$${i + 1}`).join(', ')})`, gone)
      : [];
    return { opened, stillOpen, resolved };
  });
}

type ViolationRow = {
  id: string;
  policy: string;
  kind: string;
  severity: Severity;
  status: 'open' | 'resolved';
  fingerprint: string;
  subject: string;
  labels: string | Record<string, string>;
  message: string;
  evidence: string | Record<string, string | string[]>;
  opened_at: string | Date;
  last_seen_at: string | Date;
  resolved_at: string | Date | null;
};

const ts = (v: string | Date) => (typeof v === 'string' ? v : v.toISOString());
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

async function violations(q: Queryable, where: string, params: string[]): Promise<Violation[]> {
  const rows = await q.all<ViolationRow>(
    `SELECT v.id, p.name AS policy, p.kind, v.severity, v.status, v.fingerprint, v.subject, v.labels, v.message,
       v.evidence, v.opened_at, v.last_seen_at, v.resolved_at
     FROM policy_violations v JOIN governance_policies p ON p.id = v.policy_id
     WHERE ${where} ORDER BY p.name, v.subject`,
    params,
  );
  return rows
    .map((r) => ({
      id: r.id,
      policy: r.policy,
      kind: r.kind,
      severity: r.severity,
      status: r.status,
      fingerprint: r.fingerprint,
      subject: r.subject,
      labels: json(r.labels),
      message: r.message,
      evidence: json(r.evidence),
      openedAt: ts(r.opened_at),
      lastSeenAt: ts(r.last_seen_at),
      resolvedAt: r.resolved_at === null ? null : ts(r.resolved_at),
    }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

/** Every open violation, most severe first. */
export async function openViolations(q: Queryable): Promise<Violation[]> {
  return violations(q, `v.status = 'open'`, []);
}
