/**
 * The GoogleSQL subset oco's billing-export query uses, evaluated the way BigQuery
 * evaluates it, so that the fake answers what the real service would for the SQL oco
 * actually sends (not for what the fake assumes oco means):
 *
 * - FLOAT64 arithmetic is IEEE double: SUM over FLOAT64 adds doubles, one by one.
 * - CAST(FLOAT64 AS NUMERIC | BIGNUMERIC) rounds the double's exact binary value half away
 *   from zero to 9 | 38 fraction digits; CAST(STRING AS NUMERIC | BIGNUMERIC) likewise.
 * - CAST(FLOAT64 AS STRING) is GoogleSQL's RoundTripDoubleToString: printf("%.15g") when
 *   that parses back to the same double, else "%.17g" (not the shortest round trip:
 *   a double whose shortest form has 16 digits gets 17).
 * - FORMAT('%.Ng', x) is printf: the exact binary value rounded half-even to N significant
 *   digits, trailing zeros dropped, exponent form when the exponent is < -4 or >= N.
 * - Ingestion-time partitioning: `_PARTITIONTIME` is the UTC day the row was loaded
 *   (NULL while it sits in the streaming buffer), `_PARTITIONDATE` its DATE.
 *
 * Anything outside the subset is refused with BigQuery's invalidQuery error rather
 * than guessed at.
 */
import { Money } from '../../../src/core/base/money.js';

/** Enough digits for any double's exact decimal expansion (at most 767 significant digits). */
export const Exact = Money.clone({ precision: 1100, toExpNeg: -1100, toExpPos: 1100 });
type Exact = InstanceType<typeof Exact>;

export type Value =
  | null
  | { t: 'FLOAT64'; v: number }
  | { t: 'INT64' | 'NUMERIC' | 'BIGNUMERIC'; v: Exact }
  | { t: 'STRING'; v: string }
  | { t: 'DATE'; v: string }
  | { t: 'TIMESTAMP'; v: number }
  | { t: 'BOOL'; v: boolean }
  | { t: 'ARRAY'; v: unknown[] };

/** A query error as BigQuery reports it: HTTP 400, reason invalidQuery. */
export class SqlError extends Error {}

// ---------------------------------------------------------------- numbers

/** The exact decimal value of a double (every double is a finite binary fraction). */
export function exactBinary(x: number): Exact {
  if (!Number.isFinite(x)) throw new SqlError(`Illegal conversion of non-finite floating point number: ${x}`);
  if (x === 0) return new Exact(0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  let text: string;
  if (exponent >= 0) text = (mantissa << BigInt(exponent)).toString();
  else {
    // m × 2^-k = m × 5^k / 10^k
    const digits = (mantissa * 5n ** BigInt(-exponent)).toString().padStart(-exponent + 1, '0');
    text = `${digits.slice(0, digits.length + exponent)}.${digits.slice(digits.length + exponent)}`;
  }
  return new Exact(negative ? `-${text}` : text);
}

/** printf("%.{p}g", x) as glibc writes it: round-half-even on the exact value. */
export function printfG(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const precision = p === 0 ? 1 : p;
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const rounded = exactBinary(x).toSignificantDigits(precision, Exact.ROUND_HALF_EVEN);
  const e = rounded.e; // decimal exponent of the rounded value
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (e < -4 || e >= precision) {
    const [mant, exp] = rounded.toExponential(precision - 1).split('e');
    const n = Number(exp);
    return `${strip(mant!)}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return strip(rounded.toFixed(precision - 1 - e));
}

/** GoogleSQL CAST(FLOAT64 AS STRING). */
export function roundTripDoubleToString(x: number): string {
  const s15 = printfG(x, 15);
  return Number(s15) === x ? s15 : printfG(x, 17);
}

const SCALE = { NUMERIC: 9, BIGNUMERIC: 38 } as const;
const INTEGER_DIGITS = { NUMERIC: 29, BIGNUMERIC: 38 } as const;

function toDecimalType(d: Exact, type: 'NUMERIC' | 'BIGNUMERIC'): Value {
  const v = d.toDecimalPlaces(SCALE[type], Exact.ROUND_HALF_UP);
  if (v.abs().greaterThanOrEqualTo(new Exact(10).pow(INTEGER_DIGITS[type])))
    throw new SqlError(`${type} overflow: ${d.toFixed()}`);
  return { t: type, v };
}

const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function cast(v: Value, type: string): Value {
  if (v === null) return null;
  const to = type.toUpperCase();
  switch (to) {
    case 'STRING':
      if (v.t === 'STRING') return v;
      if (v.t === 'FLOAT64') return { t: 'STRING', v: roundTripDoubleToString(v.v) };
      if (v.t === 'INT64' || v.t === 'NUMERIC' || v.t === 'BIGNUMERIC') return { t: 'STRING', v: v.v.toFixed() };
      if (v.t === 'DATE') return { t: 'STRING', v: v.v };
      break;
    case 'FLOAT64':
      if (v.t === 'FLOAT64') return v;
      if (v.t === 'INT64' || v.t === 'NUMERIC' || v.t === 'BIGNUMERIC')
        return { t: 'FLOAT64', v: Number(v.v.toString()) };
      if (v.t === 'STRING') {
        const s = v.v.trim();
        const special: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN };
        if (s.toLowerCase() in special) return { t: 'FLOAT64', v: special[s.toLowerCase()]! };
        if (!DECIMAL_TEXT.test(s)) throw new SqlError(`Bad double value: ${v.v}`);
        return { t: 'FLOAT64', v: Number(s) };
      }
      break;
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (v.t === 'FLOAT64') return toDecimalType(exactBinary(v.v), to);
      if (v.t === 'INT64' || v.t === 'NUMERIC' || v.t === 'BIGNUMERIC') return toDecimalType(v.v, to);
      if (v.t === 'STRING') {
        if (!DECIMAL_TEXT.test(v.v.trim())) throw new SqlError(`Invalid ${to} value: ${v.v}`);
        return toDecimalType(new Exact(v.v.trim()), to);
      }
      break;
  }
  throw new SqlError(`Invalid cast from ${v.t} to ${to}`);
}

// ---------------------------------------------------------------- parsing

type Token = { k: 'id' | 'num' | 'str' | 'param' | 'op' | 'table'; v: string };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s+|--[^\n]*|`([^`]+)`|'((?:[^'\\]|\\.)*)'|@(\w+)|(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)|(>=|<=|<>|!=|[=<>(),*+-])/y;
  let at = 0;
  while (at < sql.length) {
    re.lastIndex = at;
    const m = re.exec(sql);
    if (!m) throw new SqlError(`Syntax error: Unexpected character "${sql[at]}" at [${at}]`);
    at = re.lastIndex;
    if (m[1] !== undefined) out.push({ k: 'table', v: m[1] });
    else if (m[2] !== undefined) out.push({ k: 'str', v: m[2].replace(/\\(.)/g, '$1') });
    else if (m[3] !== undefined) out.push({ k: 'param', v: m[3] });
    else if (m[4] !== undefined) out.push({ k: 'num', v: m[4] });
    else if (m[5] !== undefined) out.push({ k: 'id', v: m[5] });
    else if (m[6] !== undefined) out.push({ k: 'op', v: m[6] });
  }
  return out;
}

export type Node =
  | { k: 'lit'; v: Value }
  | { k: 'col'; path: string }
  | { k: 'param'; name: string }
  | { k: 'call'; fn: string; args: Node[] }
  | { k: 'cast'; e: Node; type: string }
  | { k: 'case'; whens: Array<[Node, Node]>; otherwise: Node | null }
  | { k: 'bin'; op: string; l: Node; r: Node }
  | { k: 'isnull'; e: Node; not: boolean }
  | { k: 'interval'; e: Node; unit: string }
  | { k: 'unnest'; expr: Node; array: string; alias: string };

export interface Query {
  select: Array<{ expr: Node; alias: string }>;
  table: string;
  where: Node | null;
  groupBy: string[];
  orderBy: string[];
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'ORDER',
  'AS',
  'AND',
  'OR',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'IS',
  'NOT',
  'NULL',
  'INTERVAL',
  'UNNEST',
  'ASC',
  'DESC',
]);

class Parser {
  private i = 0;
  constructor(private readonly t: Token[]) {}
  private peek(): Token | undefined {
    return this.t[this.i];
  }
  private isKw(kw: string): boolean {
    const p = this.peek();
    return p?.k === 'id' && p.v.toUpperCase() === kw;
  }
  private isOp(op: string): boolean {
    const p = this.peek();
    return p?.k === 'op' && p.v === op;
  }
  private take(): Token {
    const p = this.t[this.i++];
    if (!p) throw new SqlError('Syntax error: Unexpected end of script');
    return p;
  }
  private expectKw(kw: string): void {
    if (!this.isKw(kw))
      throw new SqlError(`Syntax error: Expected keyword ${kw} but got ${this.peek()?.v ?? 'end of script'}`);
    this.i++;
  }
  private expectOp(op: string): void {
    if (!this.isOp(op))
      throw new SqlError(`Syntax error: Expected "${op}" but got ${this.peek()?.v ?? 'end of script'}`);
    this.i++;
  }

  query(): Query {
    this.expectKw('SELECT');
    const select: Query['select'] = [];
    do {
      const expr = this.expr();
      let alias: string;
      if (this.isKw('AS')) {
        this.i++;
        alias = this.take().v;
      } else if (expr.k === 'col') alias = expr.path.split('.').pop()!;
      else alias = `f${select.length}_`;
      select.push({ expr, alias });
    } while (this.isOp(',') && this.take());
    this.expectKw('FROM');
    const table = this.take();
    if (table.k !== 'table') throw new SqlError('Syntax error: the table must be quoted as `project.dataset.table`');
    let where: Node | null = null;
    if (this.isKw('WHERE')) {
      this.i++;
      where = this.expr();
    }
    const names = (): string[] => {
      const list: string[] = [];
      do {
        list.push(this.take().v);
        if (this.isKw('ASC') || this.isKw('DESC')) this.i++;
      } while (this.isOp(',') && this.take());
      return list;
    };
    let groupBy: string[] = [];
    let orderBy: string[] = [];
    if (this.isKw('GROUP')) {
      this.i++;
      this.expectKw('BY');
      groupBy = names();
    }
    if (this.isKw('ORDER')) {
      this.i++;
      this.expectKw('BY');
      orderBy = names();
    }
    if (this.peek()) throw new SqlError(`Syntax error: Unexpected ${this.peek()!.v}`);
    return { select, table: table.v, where, groupBy, orderBy };
  }

  expr(): Node {
    let l = this.and();
    while (this.isKw('OR')) {
      this.i++;
      l = { k: 'bin', op: 'OR', l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.comparison();
    while (this.isKw('AND')) {
      this.i++;
      l = { k: 'bin', op: 'AND', l, r: this.comparison() };
    }
    return l;
  }
  private comparison(): Node {
    const l = this.additive();
    const p = this.peek();
    if (p?.k === 'op' && ['=', '<', '<=', '>', '>=', '<>', '!='].includes(p.v)) {
      this.i++;
      return { k: 'bin', op: p.v === '<>' ? '!=' : p.v, l, r: this.additive() };
    }
    if (this.isKw('IS')) {
      this.i++;
      const not = this.isKw('NOT');
      if (not) this.i++;
      this.expectKw('NULL');
      return { k: 'isnull', e: l, not };
    }
    return l;
  }
  private additive(): Node {
    let l = this.primary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.take().v;
      l = { k: 'bin', op, l, r: this.primary() };
    }
    return l;
  }
  private primary(): Node {
    const p = this.take();
    if (p.k === 'num')
      return { k: 'lit', v: /[.eE]/.test(p.v) ? { t: 'FLOAT64', v: Number(p.v) } : { t: 'INT64', v: new Exact(p.v) } };
    if (p.k === 'str') return { k: 'lit', v: { t: 'STRING', v: p.v } };
    if (p.k === 'param') return { k: 'param', name: p.v };
    if (p.k === 'op' && p.v === '-') {
      const e = this.primary();
      return { k: 'bin', op: '-', l: { k: 'lit', v: { t: 'INT64', v: new Exact(0) } }, r: e };
    }
    if (p.k === 'op' && p.v === '(') {
      if (this.isKw('SELECT')) return this.scalarSubquery();
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    if (p.k !== 'id') throw new SqlError(`Syntax error: Unexpected "${p.v}"`);
    const word = p.v.toUpperCase();
    if (word === 'NULL') return { k: 'lit', v: null };
    if (word === 'CASE') {
      const whens: Array<[Node, Node]> = [];
      let otherwise: Node | null = null;
      while (this.isKw('WHEN')) {
        this.i++;
        const cond = this.expr();
        this.expectKw('THEN');
        whens.push([cond, this.expr()]);
      }
      if (this.isKw('ELSE')) {
        this.i++;
        otherwise = this.expr();
      }
      this.expectKw('END');
      if (!whens.length) throw new SqlError('Syntax error: CASE without WHEN');
      return { k: 'case', whens, otherwise };
    }
    if (word === 'INTERVAL') {
      const e = this.primary();
      return { k: 'interval', e, unit: this.take().v.toUpperCase() };
    }
    if (this.isOp('(')) {
      this.i++;
      if (word === 'CAST') {
        const e = this.expr();
        this.expectKw('AS');
        const type = this.take().v.toUpperCase();
        this.expectOp(')');
        return { k: 'cast', e, type };
      }
      const args: Node[] = [];
      if (!this.isOp(')')) {
        do args.push(this.expr());
        while (this.isOp(',') && this.take());
      }
      this.expectOp(')');
      return { k: 'call', fn: word, args };
    }
    if (KEYWORDS.has(word)) throw new SqlError(`Syntax error: Unexpected keyword ${word}`);
    return { k: 'col', path: p.v };
  }
  /** (SELECT agg(expr) FROM UNNEST(array) AS alias): the one correlated subquery shape oco uses. */
  private scalarSubquery(): Node {
    this.expectKw('SELECT');
    const expr = this.expr();
    this.expectKw('FROM');
    this.expectKw('UNNEST');
    this.expectOp('(');
    const array = this.take().v;
    this.expectOp(')');
    if (this.isKw('AS')) this.i++;
    const alias = this.take().v;
    this.expectOp(')');
    return { k: 'unnest', expr, array, alias };
  }
}

export function parseQuery(sql: string): Query {
  return new Parser(tokenize(sql)).query();
}

// ---------------------------------------------------------------- evaluation

/** Where a column's value comes from, and its BigQuery type; `[]` marks a REPEATED field's elements. */
export interface Schema {
  /** Column path (dots for STRUCT fields, `x[].y` for fields of REPEATED x) → type. */
  types: Record<string, string>;
  /** Reads a column path from a row (raw, as the fixture holds it). */
  read(row: unknown, path: string): unknown;
}

export interface Env {
  schema: Schema;
  row: unknown;
  /** The row's ingestion partition (UTC day), null in the streaming buffer. */
  partition: string | null;
  params: Record<string, Value>;
  /** UNNEST aliases in scope: alias → [element, path of the array]. */
  scope?: Record<string, [unknown, string]>;
}

const AGGREGATES = new Set(['SUM', 'ANY_VALUE']);

export function isAggregate(n: Node): boolean {
  switch (n.k) {
    case 'call':
      return AGGREGATES.has(n.fn) || n.args.some(isAggregate);
    case 'cast':
      return isAggregate(n.e);
    case 'case':
      return (
        n.whens.some(([c, v]) => isAggregate(c) || isAggregate(v)) || (n.otherwise !== null && isAggregate(n.otherwise))
      );
    case 'bin':
      return isAggregate(n.l) || isAggregate(n.r);
    case 'isnull':
      return isAggregate(n.e);
    default:
      return false;
  }
}

/** Column paths a node reads (not inside UNNEST subqueries' own aliases). */
export function columns(n: Node): string[] {
  switch (n.k) {
    case 'col':
      return [n.path];
    case 'call':
      return n.args.flatMap(columns);
    case 'cast':
    case 'isnull':
    case 'interval':
      return columns(n.e);
    case 'case':
      return [
        ...n.whens.flatMap(([c, v]) => [...columns(c), ...columns(v)]),
        ...(n.otherwise ? columns(n.otherwise) : []),
      ];
    case 'bin':
      return [...columns(n.l), ...columns(n.r)];
    case 'unnest':
      return [n.array];
    default:
      return [];
  }
}

function column(path: string, env: Env): Value {
  const upper = path.toUpperCase();
  if (upper === '_PARTITIONTIME')
    return env.partition === null ? null : { t: 'TIMESTAMP', v: Date.parse(`${env.partition}T00:00:00Z`) };
  if (upper === '_PARTITIONDATE') return env.partition === null ? null : { t: 'DATE', v: env.partition };
  let raw: unknown;
  let typePath: string;
  const [head, ...rest] = path.split('.');
  const scoped = env.scope?.[head!];
  if (scoped) {
    typePath = `${scoped[1]}[]${rest.length ? `.${rest.join('.')}` : ''}`;
    raw = rest.reduce<unknown>((o, k) => (o as Record<string, unknown> | null)?.[k], scoped[0]);
  } else {
    typePath = path;
    raw = env.schema.read(env.row, path);
  }
  const type = env.schema.types[typePath];
  if (!type) throw new SqlError(`Unrecognized name: ${path}`);
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'FLOAT64':
      return { t: 'FLOAT64', v: Number(raw) };
    case 'TIMESTAMP':
      return { t: 'TIMESTAMP', v: Date.parse(String(raw)) };
    case 'ARRAY':
      return { t: 'ARRAY', v: raw as unknown[] };
    default:
      return { t: 'STRING', v: String(raw) };
  }
}

const isNumber = (v: Value): v is Extract<Value, { t: 'FLOAT64' | 'INT64' | 'NUMERIC' | 'BIGNUMERIC' }> =>
  v !== null && (v.t === 'FLOAT64' || v.t === 'INT64' || v.t === 'NUMERIC' || v.t === 'BIGNUMERIC');

function compare(op: string, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  let c: number;
  if (isNumber(a) && isNumber(b)) {
    if (a.t === 'FLOAT64' || b.t === 'FLOAT64') {
      const x = a.t === 'FLOAT64' ? a.v : Number(a.v.toString());
      const y = b.t === 'FLOAT64' ? b.v : Number(b.v.toString());
      c = x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
    } else c = a.v.comparedTo(b.v);
  } else if (a.t === b.t && (a.t === 'STRING' || a.t === 'DATE' || a.t === 'TIMESTAMP')) {
    const x = a.v as string | number;
    const y = b.v as string | number;
    c = x < y ? -1 : x > y ? 1 : 0;
  } else throw new SqlError(`No matching signature for operator ${op} for argument types: ${a.t}, ${b.t}`);
  if (Number.isNaN(c)) return { t: 'BOOL', v: op === '!=' };
  const ok = { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[op];
  return { t: 'BOOL', v: Boolean(ok) };
}

/** SUM as BigQuery types it: FLOAT64 input → FLOAT64 (double additions), NUMERIC → NUMERIC, BIGNUMERIC → BIGNUMERIC, INT64 → INT64. */
export function sum(values: Value[]): Value {
  const present = values.filter((v): v is NonNullable<Value> => v !== null);
  if (!present.length) return null;
  for (const v of present)
    if (!isNumber(v)) throw new SqlError(`No matching signature for aggregate function SUM for argument types: ${v.t}`);
  const nums = present as Array<Extract<Value, { t: 'FLOAT64' | 'INT64' | 'NUMERIC' | 'BIGNUMERIC' }>>;
  if (nums.some((v) => v.t === 'FLOAT64')) {
    let total = 0;
    for (const v of nums) total += v.t === 'FLOAT64' ? v.v : Number(v.v.toString());
    return { t: 'FLOAT64', v: total };
  }
  const type = nums.some((v) => v.t === 'BIGNUMERIC')
    ? 'BIGNUMERIC'
    : nums.some((v) => v.t === 'NUMERIC')
      ? 'NUMERIC'
      : 'INT64';
  const total = nums.reduce((t, v) => t.plus(v.v as Exact), new Exact(0));
  return type === 'INT64' ? { t: 'INT64', v: total } : toDecimalType(total, type);
}

function truthy(v: Value): boolean {
  if (v === null) return false;
  if (v.t !== 'BOOL') throw new SqlError(`Expected BOOL, got ${v.t}`);
  return v.v;
}

/**
 * Evaluates a node. `group` is the group's environments when the node sits in an
 * aggregated SELECT item: aggregates consume the whole group, anything else outside
 * an aggregate must not read a column (BigQuery: "neither grouped nor aggregated").
 */
export function evaluate(n: Node, env: Env, group?: Env[]): Value {
  const ev = (x: Node) => evaluate(x, env, group);
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'param': {
      if (!(n.name in env.params)) throw new SqlError(`Query parameter '${n.name}' not found`);
      return env.params[n.name]!;
    }
    case 'col':
      if (group)
        throw new SqlError(
          `SELECT list expression references column ${n.path} which is neither grouped nor aggregated`,
        );
      return column(n.path, env);
    case 'cast':
      return cast(ev(n.e), n.type);
    case 'isnull': {
      const v = ev(n.e);
      return { t: 'BOOL', v: (v === null) !== n.not };
    }
    case 'interval':
      throw new SqlError('INTERVAL is only valid as an argument of DATE_SUB/DATE_ADD');
    case 'case': {
      for (const [cond, then] of n.whens) if (truthy(ev(cond))) return ev(then);
      return n.otherwise ? ev(n.otherwise) : null;
    }
    case 'bin': {
      if (n.op === 'AND') {
        const l = ev(n.l);
        if (l !== null && !truthy(l)) return { t: 'BOOL', v: false };
        const r = ev(n.r);
        if (r !== null && !truthy(r)) return { t: 'BOOL', v: false };
        return l === null || r === null ? null : { t: 'BOOL', v: true };
      }
      if (n.op === 'OR') {
        const l = ev(n.l);
        if (l !== null && truthy(l)) return { t: 'BOOL', v: true };
        const r = ev(n.r);
        if (r !== null && truthy(r)) return { t: 'BOOL', v: true };
        return l === null || r === null ? null : { t: 'BOOL', v: false };
      }
      if (n.op === '+' || n.op === '-') {
        const l = ev(n.l);
        const r = ev(n.r);
        if (l === null || r === null) return null;
        if (!isNumber(l) || !isNumber(r))
          throw new SqlError(`No matching signature for operator ${n.op} for argument types: ${l.t}, ${r.t}`);
        if (l.t === 'FLOAT64' || r.t === 'FLOAT64') {
          const x = l.t === 'FLOAT64' ? l.v : Number(l.v.toString());
          const y = r.t === 'FLOAT64' ? r.v : Number(r.v.toString());
          return { t: 'FLOAT64', v: n.op === '+' ? x + y : x - y };
        }
        const d = n.op === '+' ? (l.v as Exact).plus(r.v as Exact) : (l.v as Exact).minus(r.v as Exact);
        const type =
          l.t === 'BIGNUMERIC' || r.t === 'BIGNUMERIC'
            ? 'BIGNUMERIC'
            : l.t === 'NUMERIC' || r.t === 'NUMERIC'
              ? 'NUMERIC'
              : 'INT64';
        return type === 'INT64' ? { t: 'INT64', v: d } : toDecimalType(d, type);
      }
      return compare(n.op, ev(n.l), ev(n.r));
    }
    case 'unnest': {
      if (group)
        throw new SqlError(
          `SELECT list expression references column ${n.array} which is neither grouped nor aggregated`,
        );
      const arr = column(n.array, env);
      const elements = arr === null ? [] : arr.t === 'ARRAY' ? arr.v : null;
      if (!elements)
        throw new SqlError(`Values referenced in UNNEST must be arrays. UNNEST contains expression of type ${arr!.t}`);
      const inner = elements.map((el) => ({
        ...env,
        scope: { ...env.scope, [n.alias]: [el, n.array] as [unknown, string] },
      }));
      if (!isAggregate(n.expr)) throw new SqlError('the fake evaluates only aggregating UNNEST subqueries');
      return evaluate(n.expr, env, inner);
    }
    case 'call':
      return call(n, env, group);
  }
}

function call(n: Extract<Node, { k: 'call' }>, env: Env, group?: Env[]): Value {
  const ev = (x: Node) => evaluate(x, env, group);
  const arity = (count: number) => {
    if (n.args.length !== count)
      throw new SqlError(
        `Number of arguments does not match for function ${n.fn}. Supported signature: ${n.fn}(${count} arguments)`,
      );
  };
  switch (n.fn) {
    case 'SUM':
    case 'ANY_VALUE': {
      arity(1);
      if (!group) throw new SqlError(`Aggregate function ${n.fn} not allowed in this context`);
      const values = group.map((g) => evaluate(n.args[0]!, g));
      return n.fn === 'SUM' ? sum(values) : (values[0] ?? null);
    }
    case 'IFNULL': {
      arity(2);
      const a = ev(n.args[0]!);
      return a === null ? ev(n.args[1]!) : a;
    }
    case 'FORMAT': {
      const fmt = ev(n.args[0]!);
      const m = fmt?.t === 'STRING' ? /^%(?:\.(\d+))?g$/.exec(fmt.v) : null;
      if (!m || n.args.length !== 2)
        throw new SqlError(`the fake implements FORMAT('%.Ng', FLOAT64) only, not ${JSON.stringify(fmt)}`);
      const v = ev(n.args[1]!);
      if (v === null) return null;
      if (v.t !== 'FLOAT64') throw new SqlError(`the fake implements FORMAT('%g') over FLOAT64 only, got ${v.t}`);
      return { t: 'STRING', v: printfG(v.v, m[1] === undefined ? 6 : Number(m[1])) };
    }
    case 'FORMAT_DATE': {
      arity(2);
      const fmt = ev(n.args[0]!);
      const d = ev(n.args[1]!);
      if (fmt?.t !== 'STRING' || fmt.v !== '%Y-%m-%d')
        throw new SqlError("the fake implements FORMAT_DATE('%Y-%m-%d', …) only");
      if (d === null) return null;
      if (d.t !== 'DATE')
        throw new SqlError(`No matching signature for function FORMAT_DATE for argument types: STRING, ${d.t}`);
      return { t: 'STRING', v: d.v };
    }
    case 'DATE': {
      arity(1);
      const v = ev(n.args[0]!);
      if (v === null) return null;
      if (v.t === 'TIMESTAMP') return { t: 'DATE', v: new Date(v.v).toISOString().slice(0, 10) };
      if (v.t === 'DATE') return v;
      throw new SqlError(
        `No matching signature for function DATE for argument types: ${v.t}. Supported signatures: DATE(TIMESTAMP, [STRING]); DATE(DATETIME); DATE(INT64, INT64, INT64); DATE(DATE)`,
      );
    }
    case 'TIMESTAMP': {
      arity(1);
      const v = ev(n.args[0]!);
      if (v === null) return null;
      if (v.t === 'DATE') return { t: 'TIMESTAMP', v: Date.parse(`${v.v}T00:00:00Z`) };
      if (v.t === 'TIMESTAMP') return v;
      if (v.t === 'STRING' && !Number.isNaN(Date.parse(v.v))) return { t: 'TIMESTAMP', v: Date.parse(v.v) };
      throw new SqlError(`No matching signature for function TIMESTAMP for argument types: ${v.t}`);
    }
    case 'DATE_SUB':
    case 'DATE_ADD': {
      arity(2);
      const d = ev(n.args[0]!);
      const iv = n.args[1]!;
      if (iv.k !== 'interval' || iv.unit !== 'DAY')
        throw new SqlError(`the fake implements ${n.fn}(DATE, INTERVAL n DAY) only`);
      const count = ev(iv.e);
      if (d === null || count === null) return null;
      if (d.t !== 'DATE' || count.t !== 'INT64')
        throw new SqlError(
          `No matching signature for function ${n.fn} for argument types: ${d.t}, INTERVAL ${count.t}`,
        );
      const days = Number(count.v.toString()) * (n.fn === 'DATE_SUB' ? -1 : 1);
      return { t: 'DATE', v: new Date(Date.parse(`${d.v}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10) };
    }
    case 'TO_JSON_STRING': {
      arity(1);
      const v = ev(n.args[0]!);
      if (v === null) return { t: 'STRING', v: 'null' };
      if (v.t !== 'ARRAY' && v.t !== 'STRING')
        throw new SqlError(`the fake implements TO_JSON_STRING over ARRAY and STRING only, got ${v.t}`);
      return { t: 'STRING', v: JSON.stringify(v.v) };
    }
    default:
      throw new SqlError(`Function not found: ${n.fn}`);
  }
}

/** True when the node reads nothing but constants and query parameters (BigQuery can evaluate it before the scan). */
function constant(n: Node): boolean {
  return columns(n).length === 0;
}
const PARTITION_COLUMNS = ['_PARTITIONTIME', '_PARTITIONDATE'];
/** A node that reads only the partitioning pseudo-column (possibly through DATE/TIMESTAMP). */
function partitionOnly(n: Node): boolean {
  const cols = columns(n);
  return cols.length > 0 && cols.every((c) => PARTITION_COLUMNS.includes(c.toUpperCase()));
}

/**
 * Whether a WHERE clause lets BigQuery eliminate partitions: one top-level conjunct that
 * compares the partitioning pseudo-column with a constant expression (or tests it for
 * NULL, the streaming buffer), or an OR of such predicates.
 */
export function hasPartitionFilter(where: Node | null): boolean {
  if (!where) return false;
  const prunes = (n: Node): boolean => {
    if (n.k === 'isnull') return partitionOnly(n.e);
    if (n.k === 'bin' && n.op === 'OR') return prunes(n.l) && prunes(n.r);
    if (n.k === 'bin' && ['=', '<', '<=', '>', '>='].includes(n.op)) {
      return (partitionOnly(n.l) && constant(n.r)) || (partitionOnly(n.r) && constant(n.l));
    }
    return false;
  };
  const conjuncts = (n: Node): Node[] =>
    n.k === 'bin' && n.op === 'AND' ? [...conjuncts(n.l), ...conjuncts(n.r)] : [n];
  return conjuncts(where).some(prunes);
}
