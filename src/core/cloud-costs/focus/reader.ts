import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Money } from '../../base/money.js';
import { UsageError } from '../../base/errors.js';
import { emptyRow, type CostRow } from '../model.js';
import { decimalText, numberToExactText, timestampText } from '../values.js';
import { FOCUS_ALLOWED_VALUES, FOCUS_COLUMNS, type FocusType } from './columns.generated.js';
import { CsvSyntaxError, csvRecords } from './csv.js';
import { providerKey } from '../provider-key.js';

/** A FOCUS row oco cannot store as is: names the file, the line (or Parquet row) and the column. */
export class FocusRowError extends UsageError {
  constructor(file: string, line: number, column: string | undefined, reason: string, unit: 'line' | 'row' = 'line') {
    super(`${file}:${line}${column ? ` column ${column}` : ''}: ${reason}`, {
      code: 'OCO_FOCUS_INVALID_ROW',
      hint: 'Fix the file, or pass --skip-invalid to import the valid rows and count the rest. Nothing was written.',
      details: { file, [unit]: line, column, reason },
    });
  }
}

/**
 * A file whose header (the first CSV line, or the Parquet schema) is not a FOCUS header:
 * no row can be read, so --skip-invalid cannot help; the hint says what the header needs.
 */
export class FocusHeaderError extends UsageError {
  constructor(file: string, line: number, reason: string, columns: readonly string[] = []) {
    super(`${file}${line ? `:${line}` : ''}: ${reason}`, {
      code: 'OCO_FOCUS_INVALID_HEADER',
      hint:
        `A FOCUS file starts with a header row of FOCUS column names; oco needs at least ${REQUIRED.join(', ')} ` +
        `and BillingCurrency (or --currency CODE). --skip-invalid skips bad rows, not a bad header. Nothing was ` +
        `written.`,
      details: { file, ...(line ? { line } : {}), reason, ...(columns.length ? { columns } : {}) },
    });
  }
}

type Kind = 'decimal' | 'datetime' | 'string' | 'json' | 'currency';

/** Where each FOCUS column with a column of its own goes; every other column is kept verbatim in `extra`. */
const MAPPED: Record<string, { field: keyof CostRow; kind: Kind }> = {
  BilledCost: { field: 'billedCost', kind: 'decimal' },
  EffectiveCost: { field: 'effectiveCost', kind: 'decimal' },
  ListCost: { field: 'listCost', kind: 'decimal' },
  ContractedCost: { field: 'contractedCost', kind: 'decimal' },
  BillingCurrency: { field: 'billingCurrency', kind: 'currency' },
  ChargePeriodStart: { field: 'chargePeriodStart', kind: 'datetime' },
  ChargePeriodEnd: { field: 'chargePeriodEnd', kind: 'datetime' },
  ChargeCategory: { field: 'chargeCategory', kind: 'string' },
  ChargeDescription: { field: 'chargeDescription', kind: 'string' },
  ServiceName: { field: 'serviceName', kind: 'string' },
  ServiceCategory: { field: 'serviceCategory', kind: 'string' },
  ResourceId: { field: 'resourceId', kind: 'string' },
  ResourceName: { field: 'resourceName', kind: 'string' },
  ResourceType: { field: 'resourceType', kind: 'string' },
  RegionId: { field: 'regionId', kind: 'string' },
  SubAccountId: { field: 'subAccountId', kind: 'string' },
  SubAccountName: { field: 'subAccountName', kind: 'string' },
  BillingAccountId: { field: 'billingAccountId', kind: 'string' },
  SkuId: { field: 'skuId', kind: 'string' },
  PricingQuantity: { field: 'pricingQuantity', kind: 'decimal' },
  PricingUnit: { field: 'pricingUnit', kind: 'string' },
  ConsumedQuantity: { field: 'consumedQuantity', kind: 'decimal' },
  ConsumedUnit: { field: 'consumedUnit', kind: 'string' },
  Tags: { field: 'tags', kind: 'json' },
};
export const MAPPED_FOCUS_COLUMNS = MAPPED;

const REQUIRED = ['BilledCost', 'ChargePeriodStart', 'ChargePeriodEnd'] as const;
const TYPE_KIND: Record<FocusType, Kind> = { Decimal: 'decimal', DateTime: 'datetime', String: 'string', JSON: 'json' };
const SPEC_TYPES = new Map(FOCUS_COLUMNS.map((c) => [c.name.toLowerCase(), { name: c.name, kind: TYPE_KIND[c.type] }]));
const ALLOWED = new Map(Object.entries(FOCUS_ALLOWED_VALUES).map(([k, v]) => [k, new Set(v)]));

/**
 * Where a row's provider comes from, first match wins. FOCUS 1.3 deprecates ProviderName for
 * ServiceProviderName (the seller, same meaning); files written for 1.3 readers often keep both.
 * HostProviderName (whose infrastructure hosts a marketplace item) and InvoiceIssuerName (who
 * bills, e.g. a reseller) are not the provider: they stay in the row's extra columns.
 */
export const PROVIDER_COLUMNS = ['ServiceProviderName', 'ProviderName'] as const;

/** A row that names a provider other than --provider: the flag would mislabel the file, so nothing is imported. */
export class FocusProviderMismatchError extends UsageError {
  constructor(
    file: string,
    line: number,
    column: string,
    rowProvider: string,
    flag: string,
    unit: 'line' | 'row' = 'line',
  ) {
    super(
      `${file}:${line} column ${column}: the row's provider ${JSON.stringify(rowProvider)} is not --provider ${flag}`,
      {
        code: 'OCO_FOCUS_PROVIDER_MISMATCH',
        hint:
          `This file names each row's provider: drop --provider (it only fills rows without one), or import the ` +
          `right file. Nothing was written.`,
        details: { file, [unit]: line, column, rowProvider, flag },
      },
    );
  }
}

export interface FocusReadOptions {
  skipInvalid?: boolean;
  /**
   * Provider (a FOCUS name or an oco key) of rows whose file has no provider column or an
   * empty cell. A row that names another provider is refused (FocusProviderMismatchError).
   */
  provider?: string;
  /** BillingCurrency for files without that column (the spec's own samples have none). */
  currency?: string;
  /**
   * Accept values a spreadsheet wrote (the FOCUS spec's own SaaS samples have them):
   * amounts like "$10,100.00 " and US dates like 5/1/25. They are normalised, never guessed
   * silently: without this flag they are errors.
   */
  lenient?: boolean;
}

interface ColumnPlan {
  header: string;
  mapped?: { field: keyof CostRow; kind: Kind; focus: string };
  extraKind?: Kind;
}

/**
 * Streams a FOCUS 1.0–1.2 file (CSV, gzip CSV, Parquet) as batches of rows, never
 * holding the whole file: CSV through a streaming parser, Parquet one row group at a time.
 */
export class FocusFileReader {
  readonly file: string;
  readonly label: string;
  invalid = 0;
  rowsRead = 0;
  readonly invalidExamples: string[] = [];
  /** Rows read per provider key, in the order the providers first appeared. */
  readonly providers = new Map<string, number>();
  format: 'csv' | 'csv.gz' | 'parquet' | undefined;
  private readonly options: FocusReadOptions;
  private plan: ColumnPlan[] = [];
  /** Header indexes of the PROVIDER_COLUMNS the file has, in their order of preference. */
  private providerIdxs: number[] = [];
  private readonly providerFlag: string | undefined;
  /** Records parsed so far (valid or not) and the file stream they came from, for estimateRows(). */
  private recordsSeen = 0;
  private input: { bytesRead: number } | undefined;
  private parquetRows: number | undefined;

  constructor(file: string, options: FocusReadOptions = {}) {
    this.file = file;
    this.label = basename(file);
    this.options = options;
    this.providerFlag = providerKey(options.provider);
  }

  async *batches(): AsyncGenerator<CostRow[]> {
    const magic = await readMagic(this.file);
    if (magic.toString('latin1', 0, 4) === 'PAR1') {
      this.format = 'parquet';
      yield* this.parquetBatches();
      return;
    }
    const gz = magic[0] === 0x1f && magic[1] === 0x8b;
    this.format = gz ? 'csv.gz' : 'csv';
    yield* this.csvBatches(gz);
  }

  /**
   * How many rows the whole file probably holds, from what was read so far (Parquet: its
   * metadata), or undefined before anything was read. Only a hint for the writer's plan.
   */
  estimateRows(fileBytes: number): number | undefined {
    if (this.parquetRows !== undefined) return this.parquetRows;
    const read = this.input?.bytesRead ?? 0;
    if (!read || !this.recordsSeen) return undefined;
    return Math.round((this.recordsSeen * fileBytes) / Math.max(read, 1));
  }

  private setHeader(headers: string[], where: number): void {
    const seen = new Set<string>();
    this.plan = headers.map((raw) => {
      const header = raw.trim();
      const spec = SPEC_TYPES.get(header.toLowerCase());
      if (seen.has(header))
        throw new FocusHeaderError(this.label, where, `column ${header} appears twice in the header`);
      seen.add(header);
      const focus = spec?.name;
      const m = focus ? MAPPED[focus] : undefined;
      if (m) return { header, mapped: { ...m, focus: focus! } };
      return { header, extraKind: spec?.kind === 'string' ? undefined : spec?.kind };
    });
    const present = new Set(this.plan.map((p) => p.mapped?.focus).filter(Boolean));
    const missing = REQUIRED.filter((r) => !present.has(r));
    if (missing.length === REQUIRED.length && present.size === 0) {
      throw new FocusHeaderError(
        this.label,
        where,
        'this is not a FOCUS file: its header names no FOCUS column',
        missing,
      );
    }
    if (missing.length) {
      const one = missing.length === 1;
      throw new FocusHeaderError(
        this.label,
        where,
        `required FOCUS column${one ? '' : 's'} ${missing.join(', ')} ${one ? 'is' : 'are'} missing from the header`,
        missing,
      );
    }
    const lower = this.plan.map((p) => p.header.toLowerCase());
    this.providerIdxs = PROVIDER_COLUMNS.map((c) => lower.indexOf(c.toLowerCase())).filter((i) => i >= 0);
    if (!this.providerIdxs.length && !this.providerFlag) {
      throw new FocusRowError(
        this.label,
        where,
        'ProviderName',
        'the file has no ProviderName (FOCUS 1.0–1.2) or ServiceProviderName (1.3) column; pass --provider ' +
          'NAME to say whose costs these are',
      );
    }
    if (!present.has('BillingCurrency') && !this.options.currency) {
      throw new FocusHeaderError(
        this.label,
        where,
        'the file has no BillingCurrency column; pass --currency CODE to say what it is billed in',
        ['BillingCurrency'],
      );
    }
  }

  /** One record (values in header order) to a row; throws FocusRowError, or returns undefined when it was skipped. */
  private toRow(values: ReadonlyArray<string | null>, line: number, unit: 'line' | 'row'): CostRow | undefined {
    try {
      return this.convert(values, line, unit);
    } catch (err) {
      if (err instanceof FocusRowError && this.options.skipInvalid) {
        this.invalid++;
        if (this.invalidExamples.length < 5) this.invalidExamples.push(err.message);
        return undefined;
      }
      throw err;
    }
  }

  private convert(values: ReadonlyArray<string | null>, line: number, unit: 'line' | 'row'): CostRow {
    const row = emptyRow();
    row.billingCurrency = this.options.currency ?? '';
    let extra: Record<string, string> | undefined;
    const plan = this.plan;
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      let v = values[i] ?? null;
      // The spec's samples spell null as the word; FOCUS itself uses an empty field.
      if (v === '' || v === 'null' || v === 'NULL') v = null;
      if (p.mapped) {
        if (v === null) continue;
        (row as unknown as Record<string, string>)[p.mapped.field] = this.check(
          v,
          p.mapped.kind,
          p.header,
          p.mapped.focus,
          line,
          unit,
        );
      } else if (v !== null) {
        // Typed extra columns are kept normalised (plain decimals, ISO times) so an export is valid FOCUS.
        (extra ??= {})[p.header] = p.extraKind
          ? focusText(this.check(v, p.extraKind, p.header, p.header, line, unit), p.extraKind)
          : v;
      }
    }
    if (!row.chargePeriodStart)
      throw new FocusRowError(this.label, line, 'ChargePeriodStart', 'is empty; it is mandatory', unit);
    if (!row.chargePeriodEnd)
      throw new FocusRowError(this.label, line, 'ChargePeriodEnd', 'is empty; it is mandatory', unit);
    if (!row.billingCurrency)
      throw new FocusRowError(this.label, line, 'BillingCurrency', 'is empty; it is mandatory', unit);
    if (values[this.billedIndex()] == null)
      throw new FocusRowError(this.label, line, 'BilledCost', 'is empty; it is mandatory (use 0 for no cost)', unit);
    if (row.chargePeriodEnd < row.chargePeriodStart)
      throw new FocusRowError(this.label, line, 'ChargePeriodEnd', 'is before ChargePeriodStart', unit);
    row.usageDate = row.chargePeriodStart.slice(0, 10);
    row.provider = this.rowProvider(values, line, unit);
    if (extra) row.extra = JSON.stringify(extra);
    this.countProvider(row.provider);
    this.rowsRead++;
    return row;
  }

  /** Rows of one provider come in runs: only a change of provider is looked up. */
  private countProvider(p: string): void {
    if (p !== this.lastCounted) {
      this.lastCounted = p;
      this.lastCount = this.providers.get(p) ?? 0;
    }
    this.providers.set(p, ++this.lastCount);
  }
  private lastCounted: string | undefined;
  private lastCount = 0;

  /** providerKey() of the last cell read, which the next row most likely repeats. */
  private lastCell: string | null | undefined;
  private lastKey: string | undefined;
  private keyOf(cell: string | null | undefined): string | undefined {
    if (cell !== this.lastCell) {
      this.lastCell = cell;
      this.lastKey = cell === 'null' || cell === 'NULL' ? undefined : providerKey(cell);
    }
    return this.lastKey;
  }

  /**
   * The row's provider key: its first non-empty provider cell (ServiceProviderName, then
   * ProviderName), else --provider; a cell that contradicts --provider is refused.
   */
  private rowProvider(values: ReadonlyArray<string | null>, line: number, unit: 'line' | 'row'): string {
    for (const i of this.providerIdxs) {
      const cell = values[i];
      const own = this.keyOf(cell);
      if (own === undefined) continue;
      if (this.providerFlag && own !== this.providerFlag)
        throw new FocusProviderMismatchError(
          this.label,
          line,
          this.plan[i]!.header,
          cell!,
          this.options.provider!,
          unit,
        );
      return own;
    }
    if (this.providerFlag) return this.providerFlag;
    throw new FocusRowError(
      this.label,
      line,
      this.plan[this.providerIdxs[0]!]?.header,
      'is empty; pass --provider NAME for rows that do not name their provider',
      unit,
    );
  }

  private billedIdx = -1;
  private billedIndex(): number {
    if (this.billedIdx < 0) this.billedIdx = this.plan.findIndex((p) => p.mapped?.focus === 'BilledCost');
    return this.billedIdx;
  }

  private check(v: string, kind: Kind, header: string, focus: string, line: number, unit: 'line' | 'row'): string {
    switch (kind) {
      case 'decimal': {
        const d = decimalText(v.trim()) ?? (this.options.lenient ? spreadsheetDecimal(v) : undefined);
        if (d === undefined)
          throw new FocusRowError(
            this.label,
            line,
            header,
            `${JSON.stringify(v)} is not a decimal number (FOCUS numbers have no currency symbols or thousands ` +
              `separators)`,
            unit,
          );
        return d;
      }
      case 'datetime': {
        const t = timestampText(v.trim()) ?? (this.options.lenient ? usDate(v.trim()) : undefined);
        if (t === undefined)
          throw new FocusRowError(
            this.label,
            line,
            header,
            `${JSON.stringify(v)} is not an ISO 8601 UTC date-time (YYYY-MM-DDTHH:mm:ssZ)`,
            unit,
          );
        return t;
      }
      case 'currency':
        if (!/^[A-Z]{3}$/.test(v))
          throw new FocusRowError(
            this.label,
            line,
            header,
            `${JSON.stringify(v)} is not an ISO 4217 currency code`,
            unit,
          );
        return v;
      case 'json': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(v);
        } catch {
          throw new FocusRowError(this.label, line, header, 'is not valid JSON', unit);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new FocusRowError(this.label, line, header, 'must be a JSON object', unit);
        return v;
      }
      default: {
        const allowed = ALLOWED.get(focus);
        if (allowed && !allowed.has(v))
          throw new FocusRowError(
            this.label,
            line,
            header,
            `${JSON.stringify(v)} is not an allowed ${focus} (${[...allowed].join(', ')})`,
            unit,
          );
        return v;
      }
    }
  }

  private async *csvBatches(gz: boolean): AsyncGenerator<CostRow[]> {
    const input = createReadStream(this.file, { highWaterMark: 1 << 16 });
    this.input = input;
    const text = gz ? input.pipe(createGunzip()) : input;
    text.setEncoding('utf8');
    input.on('error', (err) => text.destroy(err));
    let header: number | undefined;
    try {
      for await (const records of csvRecords(text)) {
        const batch: CostRow[] = [];
        this.recordsSeen += records.length;
        for (const rec of records) {
          if (header === undefined) {
            this.setHeader(rec.fields, rec.line);
            header = rec.fields.length;
            continue;
          }
          if (rec.fields.length !== header) {
            const err = new FocusRowError(
              this.label,
              rec.line,
              undefined,
              `malformed CSV: ${rec.fields.length} fields where the header has ${header}`,
            );
            if (!this.options.skipInvalid) throw err;
            this.invalid++;
            if (this.invalidExamples.length < 5) this.invalidExamples.push(err.message);
            continue;
          }
          const row = this.toRow(rec.fields, rec.line, 'line');
          if (row) batch.push(row);
        }
        if (batch.length) yield batch;
      }
    } catch (err) {
      if (err instanceof CsvSyntaxError)
        throw new FocusRowError(this.label, err.line, undefined, `malformed CSV: ${err.message}`);
      if (
        (err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' ||
        (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR'
      ) {
        throw new FocusRowError(this.label, 0, undefined, `corrupt gzip data: ${(err as Error).message}`);
      }
      throw err;
    } finally {
      input.destroy();
    }
    if (header === undefined) throw new FocusHeaderError(this.label, 1, 'the file is empty: no FOCUS header');
  }

  private async *parquetBatches(): AsyncGenerator<CostRow[]> {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
    const file = await asyncBufferFromFile(this.file);
    const metadata = await parquetMetadataAsync(file);
    this.parquetRows = Number(metadata.num_rows);
    const leaves = metadata.schema.slice(1);
    const headers = leaves.map((e) => e.name);
    this.setHeader(headers, 0);
    const decimalScale = new Map(
      leaves.filter((e) => e.converted_type === 'DECIMAL').map((e) => [e.name, e.scale ?? 0]),
    );
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end });
      const batch: CostRow[] = [];
      for (let i = 0; i < objects.length; i++) {
        const o = objects[i]!;
        const values = headers.map((h) => parquetValueText(o[h], decimalScale.get(h)));
        const row = this.toRow(values, start + i + 1, 'row');
        if (row) batch.push(row);
      }
      start = end;
      if (batch.length) yield batch;
    }
  }
}

/**
 * Parquet values as the text a CSV export would hold. hyparquet turns DECIMAL into a
 * double (unscaled × 10^-scale): rounding back to the column's scale recovers the
 * exact stored decimal for any value below 2^53 units.
 */
function parquetValueText(v: unknown, scale: number | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number')
    return scale !== undefined ? new Money(String(v)).toDecimalPlaces(scale).toFixed() : numberToExactText(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Map) return JSON.stringify(Object.fromEntries(v));
  return JSON.stringify(v);
}

/** "$10,100.00 ", "-$5.00", "1,234.5": one leading currency sign, thousands separators in groups of three. */
function spreadsheetDecimal(v: string): string | undefined {
  const m = /^\s*(-?)[$€£¥]?(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*$/.exec(v);
  if (!m) return undefined;
  return decimalText(`${m[1] || m[2] ? '-' : ''}${m[3]!.replace(/,/g, '')}${m[4] ?? ''}`);
}

/** M/D/YY or M/D/YYYY (US order, as the spec's samples were written) at midnight UTC. */
function usDate(v: string): string | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(v);
  if (!m) return undefined;
  const year = m[3]!.length === 2 ? `20${m[3]}` : m[3]!;
  return timestampText(`${year}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`);
}

/** FOCUS's own spelling of a normalised value: date-times without zero milliseconds. */
export function focusText(v: string, kind: Kind): string {
  return kind === 'datetime' && v.endsWith('.000Z') ? `${v.slice(0, -5)}Z` : v;
}

async function readMagic(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The path is what the user typed: bad input (exit 2), like any other argument oco cannot use.
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      code: code === 'ENOENT' ? 'OCO_FILE_NOT_FOUND' : 'OCO_FILE_UNREADABLE',
      hint: 'Give the path of a FOCUS export (CSV, CSV.gz or Parquet).',
      details: { file },
    });
  }
  try {
    const buf = Buffer.alloc(4);
    await handle.read(buf, 0, 4, 0);
    return buf;
  } finally {
    await handle.close();
  }
}
