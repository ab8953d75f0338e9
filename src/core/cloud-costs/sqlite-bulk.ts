import type Database from 'better-sqlite3';
import { COST_COLUMNS, dayStart, type CostRow, type DayWindow } from './model.js';

/** The CostRow fields stored per row, in COST_COLUMNS order (the first three columns come from the run). */
export const ROW_FIELDS = COST_COLUMNS.slice(3).map(([, f]) => f as keyof CostRow);
const ROW_COLUMNS = COST_COLUMNS.slice(3).map(([c]) => c);
export const COLUMN_LIST = COST_COLUMNS.map(([c]) => c).join(', ');
const WIDTH = ROW_FIELDS.length;

/**
 * A row's stored values into out[k..k+WIDTH), in ROW_FIELDS order: written out field by
 * field (plain property loads, not a keyed load per value in a loop over ROW_FIELDS).
 * Checked against ROW_FIELDS below.
 */
export function rowValues(r: CostRow, out: Array<string | null>, k: number): void {
  out[k + 0] = r.billingAccountId;
  out[k + 1] = r.subAccountId;
  out[k + 2] = r.subAccountName;
  out[k + 3] = r.chargePeriodStart;
  out[k + 4] = r.chargePeriodEnd;
  out[k + 5] = r.usageDate;
  out[k + 6] = r.chargeCategory;
  out[k + 7] = r.chargeDescription;
  out[k + 8] = r.serviceName;
  out[k + 9] = r.serviceCategory;
  out[k + 10] = r.resourceId;
  out[k + 11] = r.resourceName;
  out[k + 12] = r.resourceType;
  out[k + 13] = r.regionId;
  out[k + 14] = r.skuId;
  out[k + 15] = r.pricingQuantity;
  out[k + 16] = r.pricingUnit;
  out[k + 17] = r.consumedQuantity;
  out[k + 18] = r.consumedUnit;
  out[k + 19] = r.billedCost;
  out[k + 20] = r.effectiveCost;
  out[k + 21] = r.listCost;
  out[k + 22] = r.contractedCost;
  out[k + 23] = r.billingCurrency;
  out[k + 24] = r.tags;
  out[k + 25] = r.extra;
}

{
  const probe = Object.fromEntries(ROW_FIELDS.map((f) => [f, f])) as unknown as CostRow;
  const got: Array<string | null> = [];
  rowValues(probe, got, 0);
  if (got.join() !== ROW_FIELDS.join()) throw new Error('rowValues is out of step with COST_COLUMNS');
}

/**
 * Flat values of rows [from, to) of a batch, WIDTH per row. Callers take at most
 * FLAT_ROWS rows at a time: a larger array would be allocated in V8's large-object
 * space, which only a full GC frees, and RSS would grow with it.
 */
export function flattenBatch(batch: readonly CostRow[], from = 0, to = batch.length): Array<string | null> {
  const out: Array<string | null> = new Array((to - from) * WIDTH);
  for (let r = from; r < to; r++) rowValues(batch[r]!, out, (r - from) * WIDTH);
  return out;
}
/** Rows per flattenBatch call (200 × 26 values ≈ 42 kB). */
export const FLAT_ROWS = 200;

export interface BulkPlan {
  /** Provider of rows that do not name their own (CostRow.provider). */
  provider: string;
  source: string;
  runId: string;
  /**
   * Load straight into cloud_costs with its secondary indexes dropped, and build them
   * again before commit (for a load larger than the table: sorting once beats
   * maintaining its B-trees row by row). Otherwise rows are staged in a temp table.
   */
  rebuildIndexes: boolean;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/**
 * Distinct null patterns get their own statement (a NULL need not be bound); past this many, one statement binds all.
 */
const MAX_SHAPES = 64;

interface Shape {
  stmt: Database.Statement;
  /** Field indexes bound, in order. */
  fields: number[];
  args: unknown[];
  /** The same for GROUP rows at once. */
  group: Database.Statement;
  groupArgs: unknown[];
}
/** Rows per multi-row INSERT: one statement step instead of GROUP (at most 26 × GROUP parameters). */
const GROUP = 16;

/** The statements of one provider: per null pattern, and one that binds every field for patterns past MAX_SHAPES. */
interface ProviderShapes {
  byMask: Map<number, Shape>;
  all: Shape;
}

/**
 * The SQLite side of replaceSourceRows, on a connection whose IMMEDIATE transaction the
 * caller opened. Binding values (a native call each) is most of an insert's cost, so the
 * three run columns (provider, source, run) are SQL literals — a file that mixes providers
 * gets statements per provider, there are few —, a row's NULLs are left out of its
 * statement, and runs of rows with the same provider and NULLs go GROUP rows to a statement.
 */
export class SqliteBulk {
  rows = 0;
  private readonly table: string;
  private readonly byProvider = new Map<string, ProviderShapes>();
  /** The provider of the last row and its statements: rows come in runs of one provider. */
  private lastProvider: string | undefined;
  private lastShapes: ProviderShapes | undefined;
  private maxRowidBefore = 0;
  private indexes: Array<{ name: string; sql: string }> = [];

  constructor(
    private readonly db: Database.Database,
    private readonly plan: BulkPlan,
  ) {
    this.table = plan.rebuildIndexes ? 'main.cloud_costs' : 'temp.oco_cost_stage';
    if (plan.rebuildIndexes) {
      this.maxRowidBefore = Number(
        (db.prepare('SELECT MAX(rowid) AS m FROM main.cloud_costs').get() as { m: number | null }).m ?? 0,
      );
      this.indexes = db
        .prepare(
          "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = 'cloud_costs' AND sql " +
            'IS NOT NULL',
        )
        .all() as Array<{ name: string; sql: string }>;
      for (const i of this.indexes) db.exec(`DROP INDEX main."${i.name.replace(/"/g, '""')}"`);
    } else {
      db.exec(
        `DROP TABLE IF EXISTS temp.oco_cost_stage; CREATE TEMP TABLE oco_cost_stage AS SELECT ${COLUMN_LIST} ` +
          `FROM main.cloud_costs WHERE 0`,
      );
    }
  }

  private shape(provider: string, mask: number): Shape {
    const fields: number[] = [];
    for (let i = 0; i < WIDTH; i++) if (mask === -1 || mask & (1 << i)) fields.push(i);
    const cols = [...COST_COLUMNS.slice(0, 3).map(([c]) => c), ...fields.map((i) => ROW_COLUMNS[i]!)];
    const values = [quote(provider), quote(this.plan.source), quote(this.plan.runId), ...fields.map(() => '?')];
    const tuple = `(${values.join(', ')})`;
    const sql = (rows: number) =>
      `INSERT INTO ${this.table} (${cols.join(', ')}) VALUES ${new Array(rows).fill(tuple).join(', ')}`;
    return {
      stmt: this.db.prepare(sql(1)),
      fields,
      args: new Array(fields.length),
      group: this.db.prepare(sql(GROUP)),
      groupArgs: new Array(fields.length * GROUP),
    };
  }

  private providerShapes(provider: string): ProviderShapes {
    if (this.lastShapes && this.lastProvider === provider) return this.lastShapes;
    let p = this.byProvider.get(provider);
    if (!p) this.byProvider.set(provider, (p = { byMask: new Map(), all: this.shape(provider, -1) }));
    this.lastProvider = provider;
    this.lastShapes = p;
    return p;
  }

  private shapeOf(provider: string, mask: number): Shape {
    const p = this.providerShapes(provider);
    let s = p.byMask.get(mask);
    if (!s) {
      s = p.byMask.size < MAX_SHAPES ? this.shape(provider, mask) : p.all;
      p.byMask.set(mask, s);
    }
    return s;
  }

  /**
   * Rows as flat values, WIDTH per row, and each row's own provider (undefined: the plan's);
   * runs of GROUP rows with the same provider and NULLs go in one statement.
   */
  insertFlat(values: ArrayLike<string | null>, count: number, providers?: ArrayLike<string | undefined>): void {
    const shapes: Shape[] = new Array(count);
    for (let r = 0, base = 0; r < count; r++, base += WIDTH) {
      let mask = 0;
      for (let i = 0; i < WIDTH; i++) if (values[base + i] !== null) mask |= 1 << i;
      shapes[r] = this.shapeOf(providers?.[r] ?? this.plan.provider, mask);
    }
    let r = 0;
    while (r < count) {
      const s = shapes[r]!;
      const { fields } = s;
      const width = fields.length;
      let run = 1;
      while (run < GROUP && r + run < count && shapes[r + run] === s) run++;
      if (run === GROUP) {
        const args = s.groupArgs;
        for (let k = 0, a = 0; k < GROUP; k++) {
          const base = (r + k) * WIDTH;
          for (let j = 0; j < width; j++) args[a++] = values[base + fields[j]!];
        }
        s.group.run(args);
      } else {
        const args = s.args;
        for (let k = 0; k < run; k++) {
          const base = (r + k) * WIDTH;
          for (let j = 0; j < width; j++) args[j] = values[base + fields[j]!];
          s.stmt.run(args);
        }
      }
      r += run;
    }
    this.rows += count;
  }

  /** Replaces the window's previous rows with the loaded ones; the caller commits. */
  finish(window: DayWindow | null): void {
    const db = this.db;
    if (this.plan.rebuildIndexes) {
      if (window) {
        // Only rows that were there before this load (rowids only grow): the new ones are in the window too.
        db.prepare(
          'DELETE FROM main.cloud_costs WHERE rowid <= ? AND source = ? AND charge_period_start >= ? AND ' +
            'charge_period_start < ?',
        ).run(this.maxRowidBefore, this.plan.source, dayStart(window.from), dayStart(window.to));
      }
      for (const i of this.indexes) db.exec(i.sql);
      return;
    }
    if (window) {
      db.prepare(
        'DELETE FROM main.cloud_costs WHERE source = ? AND charge_period_start >= ? AND charge_period_start < ?',
      ).run(this.plan.source, dayStart(window.from), dayStart(window.to));
    }
    // Ordered by charge_period_start: the indexes are then filled almost in key order instead of at random pages.
    db.exec(
      `INSERT INTO main.cloud_costs (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM temp.oco_cost_stage ORDER BY ` +
        `charge_period_start`,
    );
  }

  /** Drops the staging table (after commit or rollback). */
  cleanup(): void {
    if (!this.plan.rebuildIndexes && this.db.open) this.db.exec('DROP TABLE IF EXISTS temp.oco_cost_stage');
  }
}
