import { createInterface } from 'node:readline';
import { to as copyTo } from 'pg-copy-streams';
import { stringify } from 'csv-stringify';
import { mapPgError, type PostgresStore } from '../../base/store/postgres.js';
import { toPositional } from '../../base/store/params.js';
import type { SqliteStore } from '../../base/store/sqlite.js';
import type { SqlParam, Store } from '../../base/store/types.js';
import type { DayWindow } from '../model.js';
import { FOCUS_COLUMNS } from './columns.generated.js';
import { MAPPED_FOCUS_COLUMNS, focusText } from './reader.js';

export interface ExportOptions {
  window?: Partial<DayWindow>;
  source?: string;
  provider?: string;
}

/** FOCUS ProviderName for oco's provider names (the column is mandatory in FOCUS). */
const PROVIDER_DISPLAY: Record<string, string> = { aws: 'AWS', azure: 'Microsoft', gcp: 'Google Cloud' };

/** Columns with a database column of their own, by FOCUS name → SQL column. */
const DB_COLUMN: Record<string, string> = {
  BilledCost: 'billed_cost',
  EffectiveCost: 'effective_cost',
  ListCost: 'list_cost',
  ContractedCost: 'contracted_cost',
  BillingCurrency: 'billing_currency',
  ChargePeriodStart: 'charge_period_start',
  ChargePeriodEnd: 'charge_period_end',
  ChargeCategory: 'charge_category',
  ChargeDescription: 'charge_description',
  ServiceName: 'service_name',
  ServiceCategory: 'service_category',
  ResourceId: 'resource_id',
  ResourceName: 'resource_name',
  ResourceType: 'resource_type',
  RegionId: 'region_id',
  SubAccountId: 'sub_account_id',
  SubAccountName: 'sub_account_name',
  BillingAccountId: 'billing_account_id',
  SkuId: 'sku_id',
  PricingQuantity: 'pricing_quantity',
  PricingUnit: 'pricing_unit',
  ConsumedQuantity: 'consumed_quantity',
  ConsumedUnit: 'consumed_unit',
  Tags: 'tags',
};
const MAPPED_NAMES = Object.keys(DB_COLUMN);
const SELECT = [...MAPPED_NAMES.map((n) => DB_COLUMN[n]!), 'provider', 'extra'];
const FOCUS_ORDER = new Map(FOCUS_COLUMNS.map((c, i) => [c.name, i]));

function filters(options: ExportOptions): { where: string; params: SqlParam[] } {
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  const add = (sql: string, v: SqlParam) => {
    params.push(v);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (options.window?.from) add('usage_date >= ?', options.window.from);
  if (options.window?.to) add('usage_date < ?', options.window.to);
  if (options.source) add('source = ?', options.source);
  if (options.provider) add('provider = ?', options.provider);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Header: the FOCUS columns in the specification's order, then x_ custom columns, as the spec requires. */
async function headerFor(store: Store, options: ExportOptions): Promise<string[]> {
  const { where, params } = filters(options);
  const keys = store.dialect.jsonKeys('cloud_costs.extra', 'j');
  const keysSql =
    `SELECT DISTINCT ${keys.key} AS k FROM cloud_costs, ${keys.from} ${where ? `${where} AND` : 'WHERE'} extra ` +
    `IS NOT NULL`;
  const extraKeys = (await store.all<{ k: string }>(keysSql, params)).map((r) => r.k);
  const names = new Set([...MAPPED_NAMES, 'ProviderName', ...extraKeys]);
  const rank = (n: string) => (FOCUS_ORDER.has(n) ? FOCUS_ORDER.get(n)! : n.startsWith('x_') ? 10_000 : 5_000);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Rows as raw strings (null for NULL) in SELECT order, streamed by the store's engine. */
function rowsOf(store: Store, options: ExportOptions): AsyncGenerator<Array<string | null>> {
  const { where, params } = filters(options);
  const sql = `SELECT ${SELECT.join(', ')} FROM cloud_costs ${where} ORDER BY charge_period_start, source`;
  return store.native({ sqlite: (s) => sqliteRows(s, sql, params), postgres: (s) => postgresRows(s, sql, params) });
}

/** A raw-mode cursor over the store's own connection. */
async function* sqliteRows(store: SqliteStore, sql: string, params: SqlParam[]): AsyncGenerator<Array<string | null>> {
  const { sql: positional, order } = toPositional(sql);
  const stmt = store.db.prepare(positional).raw(true);
  for (const r of stmt.iterate(...order.map((i) => params[i] as never)) as Iterable<unknown[]>)
    yield r.map((v) => (v == null ? null : String(v)));
}

/** COPY TO on a connection of its own. */
async function* postgresRows(
  store: PostgresStore,
  sql: string,
  params: SqlParam[],
): AsyncGenerator<Array<string | null>> {
  // COPY TO streams without holding the result; literals are inlined because COPY takes no parameters.
  const literal = (v: SqlParam) => `'${String(v).replace(/'/g, "''")}'`;
  const inlined = sql.replace(/\$(\d+)/g, (_, i: string) => literal(params[Number(i) - 1]!));
  const pgSelect = SELECT.map((c) =>
    c === 'charge_period_start' || c === 'charge_period_end'
      ? `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : c === 'tags' || c === 'extra'
        ? `${c}::text`
        : c,
  );
  const copySql = `COPY (${inlined.replace(SELECT.join(', '), pgSelect.join(', '))}) TO STDOUT`;
  const client = await store.pool.connect().catch((err) => {
    throw mapPgError(err, store.location);
  });
  try {
    const stream = client.query(copyTo(copySql));
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      yield line
        .split('\t')
        .map((f) =>
          f === '\\N'
            ? null
            : f.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c),
        );
    }
  } finally {
    client.release();
  }
}

/** Writes the table (filtered) as a FOCUS CSV to out, streaming; returns the number of rows. */
export async function exportFocusCsv(
  store: Store,
  out: NodeJS.WritableStream,
  options: ExportOptions = {},
): Promise<number> {
  const header = await headerFor(store, options);
  const csv = stringify({ header: true, columns: header, quoted_match: /^\s|\s$/ });
  csv.pipe(out);
  let n = 0;
  const index = new Map(SELECT.map((c, i) => [c, i]));
  for await (const r of rowsOf(store, options)) {
    const extra = r[index.get('extra')!] ? (JSON.parse(r[index.get('extra')!]!) as Record<string, string>) : {};
    const rec: Record<string, string | null> = {};
    for (const name of header) {
      const col = DB_COLUMN[name];
      if (col) {
        const v = r[index.get(col)!] ?? null;
        const kind = MAPPED_FOCUS_COLUMNS[name]!.kind;
        rec[name] = v === null ? null : kind === 'datetime' ? focusText(new Date(v).toISOString(), 'datetime') : v;
      } else if (name === 'ProviderName') {
        const p = r[index.get('provider')!]!;
        rec[name] = extra.ProviderName ?? PROVIDER_DISPLAY[p] ?? p;
      } else rec[name] = extra[name] ?? null;
    }
    if (!csv.write(rec)) await new Promise((res) => csv.once('drain', res));
    n++;
  }
  csv.end();
  await new Promise<void>((res, rej) => {
    out.once('error', rej);
    if (out === process.stdout) csv.once('end', () => res());
    else out.once('finish', () => res());
  });
  return n;
}
