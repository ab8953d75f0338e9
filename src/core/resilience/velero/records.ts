import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../../base/store/types.js';
import type { VeleroObject } from './resources.js';

/**
 * The store side of resilience: backup_jobs (what oco did and how it ended),
 * backup_records (the last state oco observed of each Velero object) and
 * dr_plans (DR policies and restore plans). Nothing from the kubeconfig is stored.
 */
export interface JobStart {
  kind: string;
  name: string;
  context: string;
  namespace: string;
  params: Record<string, unknown>;
}

export async function startJob(store: Queryable, job: JobStart, startedAt = new Date()): Promise<string> {
  const id = randomUUID();
  await store.run(
    `INSERT INTO backup_jobs (id, kind, name, cluster_context, velero_namespace, phase, params, started_at) ` +
      `VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, job.kind, job.name, job.context, job.namespace, 'New', job.params, startedAt],
  );
  return id;
}

export async function finishJob(
  store: Queryable,
  id: string,
  end: { phase?: string; exitCode: number; error?: string; startedAt: Date; finishedAt?: Date },
): Promise<void> {
  const finished = end.finishedAt ?? new Date();
  await store.run(
    `UPDATE backup_jobs SET phase = $2, exit_code = $3, error = $4, finished_at = $5, duration_ms = $6 WHERE id = $1`,
    [id, end.phase ?? null, end.exitCode, end.error ?? null, finished, finished.getTime() - end.startedAt.getTime()],
  );
}

export type RecordKind = 'backup' | 'restore' | 'schedule';

function ts(v: unknown): Date | null {
  return typeof v === 'string' && v ? new Date(v) : null;
}

/** Upserts what oco saw of these objects (one row per cluster/namespace/kind/name). */
export async function recordObjects(
  store: Store,
  kind: RecordKind,
  objects: readonly VeleroObject[],
  context: string,
  namespace: string,
): Promise<void> {
  if (objects.length === 0) return;
  await store.transaction(async (tx) => {
    for (const o of objects) {
      const spec = kind === 'schedule' ? (o.spec?.template ?? {}) : (o.spec ?? {});
      const progress = o.status?.progress ?? {};
      await tx.run(
        `INSERT INTO backup_records (id, kind, name, cluster_context, velero_namespace, phase, schedule_name,
           storage_location, included_namespaces, items_backed_up, total_items, errors, warnings, started_at,
           completed_at, expires_at, observed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (cluster_context, velero_namespace, kind, name) DO UPDATE SET
           phase = excluded.phase, schedule_name = excluded.schedule_name, storage_location = excluded.storage_location,
           included_namespaces = excluded.included_namespaces, items_backed_up = excluded.items_backed_up,
           total_items = excluded.total_items, errors = excluded.errors, warnings = excluded.warnings,
           started_at = excluded.started_at, completed_at = excluded.completed_at,
           expires_at = excluded.expires_at, observed_at = excluded.observed_at`,
        [
          randomUUID(),
          kind,
          o.metadata.name,
          context,
          namespace,
          o.status?.phase || 'New',
          kind === 'schedule'
            ? o.metadata.name
            : (o.metadata.labels?.['velero.io/schedule-name'] ?? o.spec?.scheduleName ?? null),
          spec.storageLocation ?? null,
          // JSON text: node-postgres would send a JS array as a PostgreSQL array
          spec.includedNamespaces ? JSON.stringify(spec.includedNamespaces) : null,
          progress.itemsBackedUp ?? progress.itemsRestored ?? null,
          progress.totalItems ?? null,
          o.status?.errors ?? null,
          o.status?.warnings ?? null,
          ts(o.status?.startTimestamp),
          ts(o.status?.completionTimestamp),
          ts(o.status?.expiration),
          new Date(),
        ],
      );
    }
  });
}

/**
 * Forgets what oco saw of an object Velero no longer has (one cluster/namespace/kind/name); returns whether a row went.
 */
export async function forgetObject(
  store: Queryable,
  kind: RecordKind,
  name: string,
  context: string,
  namespace: string,
): Promise<boolean> {
  const r = await store.run(
    `DELETE FROM backup_records WHERE kind = $1 AND name = $2 AND cluster_context = $3 AND velero_namespace = $4`,
    [kind, name, context, namespace],
  );
  return r.changes > 0;
}

/** A dr_plans row; D is what its kind stores as definition (the caller that names the kind knows it). */
export interface PlanRow<D = unknown> {
  id: string;
  kind: string;
  name: string;
  definition: D;
  status: string;
  last_result: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
}

function parsePlan<D>(r: Record<string, unknown>): PlanRow<D> {
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));
  return { ...(r as unknown as PlanRow<D>), definition: json(r.definition), last_result: json(r.last_result) };
}

export async function getPlan<D = unknown>(
  store: Queryable,
  kind: string,
  idOrName: string,
): Promise<PlanRow<D> | undefined> {
  const r = await store.get(
    `SELECT * FROM dr_plans WHERE kind = $1 AND (id = $2 OR name = $2) ORDER BY created_at DESC`,
    [kind, idOrName],
  );
  return r ? parsePlan<D>(r) : undefined;
}

export async function listPlans<D = unknown>(store: Queryable, kind: string, status?: string): Promise<PlanRow<D>[]> {
  const rows = status
    ? await store.all(`SELECT * FROM dr_plans WHERE kind = $1 AND status = $2 ORDER BY name`, [kind, status])
    : await store.all(`SELECT * FROM dr_plans WHERE kind = $1 ORDER BY name`, [kind]);
  return rows.map((row) => parsePlan<D>(row));
}

/** Inserts a plan, or for policies (unique by name) replaces the definition of the existing one. */
export async function savePlan(
  store: Store,
  kind: string,
  name: string,
  definition: unknown,
  id: string = randomUUID(),
): Promise<string> {
  return store.transaction(async (tx) => {
    if (kind === 'policy') {
      const existing = await tx.get<{ id: string }>(`SELECT id FROM dr_plans WHERE kind = 'policy' AND name = $1`, [
        name,
      ]);
      if (existing) {
        await tx.run(`UPDATE dr_plans SET definition = $2, status = 'active', updated_at = $3 WHERE id = $1`, [
          existing.id,
          definition as Record<string, unknown>,
          new Date(),
        ]);
        return existing.id;
      }
    }
    await tx.run(`INSERT INTO dr_plans (id, kind, name, definition, status) VALUES ($1, $2, $3, $4, 'active')`, [
      id,
      kind,
      name,
      definition as Record<string, unknown>,
    ]);
    return id;
  });
}

export async function updatePlan(
  store: Queryable,
  id: string,
  patch: { status?: string; lastResult?: unknown },
): Promise<void> {
  if (patch.status !== undefined)
    await store.run(`UPDATE dr_plans SET status = $2, updated_at = $3 WHERE id = $1`, [id, patch.status, new Date()]);
  if (patch.lastResult !== undefined)
    await store.run(`UPDATE dr_plans SET last_result = $2, updated_at = $3 WHERE id = $1`, [
      id,
      patch.lastResult as Record<string, unknown>,
      new Date(),
    ]);
}

export async function lastJob(
  store: Queryable,
  kind: string,
  name?: string,
): Promise<Record<string, unknown> | undefined> {
  return name
    ? store.get(`SELECT * FROM backup_jobs WHERE kind = $1 AND name = $2 ORDER BY started_at DESC`, [kind, name])
    : store.get(`SELECT * FROM backup_jobs WHERE kind = $1 ORDER BY started_at DESC`, [kind]);
}

/** A backup as last observed (backup_records), for reports. */
export interface ObservedBackup {
  name: string;
  context: string;
  namespace: string;
  schedule: string | null;
  phase: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

/** Every backup and schedule oco has observed (a cluster's kept backups: bounded by Velero's retention). */
export async function observedRecords(store: Queryable, kind: 'backup' | 'schedule'): Promise<ObservedBackup[]> {
  const rows = await store.all<Record<string, unknown>>(
    `SELECT name, cluster_context, velero_namespace, schedule_name, phase, started_at, completed_at
     FROM backup_records WHERE kind = $1 ORDER BY name`,
    [kind],
  );
  const iso = (v: unknown) => (v === null || v === undefined || v === '' ? null : new Date(v as string).toISOString());
  return rows.map((r) => ({
    name: String(r.name),
    context: String(r.cluster_context),
    namespace: String(r.velero_namespace),
    schedule: (r.schedule_name as string | null) ?? null,
    phase: (r.phase as string | null) ?? null,
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
  }));
}
