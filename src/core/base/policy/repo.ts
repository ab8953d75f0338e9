/**
 * Stored policies (governance_policies): applied from a file by name (a policy keeps its id, so its
 * violations keep their history across re-applies), listed, enabled, disabled, deleted.
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.js';
import { closest } from '../suggest.js';
import type { Queryable, Store } from '../store/types.js';
import type { PolicyDefinition, Severity } from './types.js';

export const DEFAULT_SEVERITY: Severity = 'warning';
export const DEFAULT_PERIOD = '30d';

export interface StoredPolicy {
  id: string;
  name: string;
  kind: string;
  severity: Severity;
  enabled: boolean;
  description: string | null;
  period: string;
  definition: PolicyDefinition;
  sourceFile: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApplyRow {
  name: string;
  kind: string;
  severity: Severity;
  action: 'created' | 'updated' | 'unchanged' | 'deleted';
}

type PolicyRow = {
  id: string;
  name: string;
  kind: string;
  severity: Severity;
  enabled: unknown;
  definition: string | PolicyDefinition;
  source_file: string | null;
  created_at: string | Date;
  updated_at: string | Date;
};

const COLUMNS = 'id, name, kind, severity, enabled, definition, source_file, created_at, updated_at';

function ts(v: string | Date): string {
  return typeof v === 'string' ? v : v.toISOString();
}

function fromRow(r: PolicyRow): StoredPolicy {
  const definition = typeof r.definition === 'string' ? (JSON.parse(r.definition) as PolicyDefinition) : r.definition;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    severity: r.severity,
    enabled: Boolean(r.enabled),
    description: definition.description ?? null,
    period: definition.period ?? DEFAULT_PERIOD,
    definition,
    sourceFile: r.source_file,
    createdAt: ts(r.created_at),
    updatedAt: ts(r.updated_at),
  };
}

/** The definition as stored: its keys sorted, so an unchanged policy compares equal whatever the engine. */
function canonical(d: PolicyDefinition): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(d));
}

/**
 * Stores every policy of a file in one transaction: new names are created, changed ones updated
 * (the file's `enabled`, when given, wins; otherwise a policy keeps its state, so a `disable`
 * survives a re-apply of a file that does not mention it). With prune, policies not in the file
 * are deleted with their violations.
 */
export async function applyPolicies(
  store: Store,
  defs: PolicyDefinition[],
  o: { file?: string; prune?: boolean; dryRun?: boolean; now?: Date },
): Promise<ApplyRow[]> {
  const now = o.now ?? new Date();
  const apply = async (tx: Queryable): Promise<ApplyRow[]> => {
    const existing = new Map((await listPolicies(tx)).map((p) => [p.name, p]));
    const out: ApplyRow[] = [];
    for (const d of defs) {
      const severity = d.severity ?? DEFAULT_SEVERITY;
      const old = existing.get(d.name);
      existing.delete(d.name);
      const row = { name: d.name, kind: d.kind, severity };
      if (!old) {
        out.push({ ...row, action: 'created' });
        if (!o.dryRun)
          await tx.run(
            `INSERT INTO governance_policies (id, name, kind, definition, severity, enabled, source_file, created_at,
               updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
            [
              `pol_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
              d.name,
              d.kind,
              canonical(d),
              severity,
              d.enabled ?? true,
              o.file ?? null,
              now,
            ],
          );
        continue;
      }
      const enabled = d.enabled ?? old.enabled;
      const same = canonical(old.definition) === canonical(d) && old.enabled === enabled;
      out.push({ ...row, action: same ? 'unchanged' : 'updated' });
      if (!same && !o.dryRun)
        await tx.run(
          `UPDATE governance_policies SET kind = $1, definition = $2, severity = $3, enabled = $4, source_file = $5,
             updated_at = $6 WHERE id = $7`,
          [d.kind, canonical(d), severity, enabled, o.file ?? null, now, old.id],
        );
    }
    if (o.prune)
      for (const old of existing.values()) {
        out.push({ name: old.name, kind: old.kind, severity: old.severity, action: 'deleted' });
        if (!o.dryRun) await deleteById(tx, old.id);
      }
    return out;
  };
  return store.transaction(apply);
}

export async function listPolicies(q: Queryable): Promise<StoredPolicy[]> {
  const rows = await q.all<PolicyRow>(`SELECT ${COLUMNS} FROM governance_policies ORDER BY name`);
  return rows.map(fromRow);
}

/** The policy of that name, or a usage error naming the closest one. */
export async function getPolicy(q: Queryable, name: string): Promise<StoredPolicy> {
  const r = await q.get<PolicyRow>(`SELECT ${COLUMNS} FROM governance_policies WHERE name = $1`, [name]);
  if (r) return fromRow(r);
  const names = (await listPolicies(q)).map((p) => p.name);
  const near = closest(name, names);
  throw new UsageError(`no policy named "${name}"`, {
    code: 'OCO_POLICY_NOT_FOUND',
    hint: near ? `Did you mean "${near}"? ("oco policy list" shows them all.)` : 'Run "oco policy list" to see them.',
  });
}

async function deleteById(q: Queryable, id: string): Promise<void> {
  // Violations first, explicitly: the history goes with its policy whatever the foreign-key settings.
  await q.run('DELETE FROM policy_violations WHERE policy_id = $1', [id]);
  await q.run('DELETE FROM governance_policies WHERE id = $1', [id]);
}

export async function deletePolicy(store: Store, name: string): Promise<StoredPolicy> {
  return store.transaction(async (tx) => {
    const p = await getPolicy(tx, name);
    await deleteById(tx, p.id);
    return p;
  });
}

/**
 * Enables or disables a policy. Disabling resolves its open violations (a disabled policy judges
 * nothing, so nothing of it stays open to fail a gate); enabling lets the next check reopen them.
 */
export async function setEnabled(
  store: Store,
  name: string,
  enabled: boolean,
  now = new Date(),
): Promise<StoredPolicy> {
  return store.transaction(async (tx) => {
    const p = await getPolicy(tx, name);
    await tx.run('UPDATE governance_policies SET enabled = $1, updated_at = $2 WHERE id = $3', [enabled, now, p.id]);
    if (!enabled)
      await tx.run(
        `UPDATE policy_violations SET status = 'resolved', resolved_at = $1 WHERE policy_id = $2 AND status = 'open'`,
        [now, p.id],
      );
    return getPolicy(tx, name);
  });
}
