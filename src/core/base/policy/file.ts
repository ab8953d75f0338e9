/**
 * Policy files (YAML or JSON: JSON is YAML, so one parser gives positions for both), validated
 * against policies.schema.json. Every error names the file, the line and column, and the field
 * path (policies[1].tags), and the whole file is checked before anything is applied.
 */
import { readFileSync } from 'node:fs';
import type { Document, LineCounter, Node } from 'yaml';
import type { ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import { yaml } from '../lazy.js';
import { closest } from '../suggest.js';
import { policyValidator } from './schema.js';
import type { PolicyDefinition, RuleKind } from './types.js';

const HINT = 'See "oco policy apply --help" for the file format, and "oco policy schema" for its JSON Schema.';

export interface PolicyFileProblem {
  line: number;
  column: number;
  /** The field path: policies[0].tags[1]. */
  field: string;
  message: string;
}

export class PolicyFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: PolicyFileProblem[],
    hint = HINT,
  ) {
    problems = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.field}: ${p.message}`).join('\n'), {
      code: 'OCO_POLICY_INVALID',
      hint,
      details: { file, problems },
    });
  }
}

export function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      code: 'OCO_POLICY_UNREADABLE',
      hint: 'Give the path of a policy file (YAML or JSON) with -f.',
    });
  }
}

export interface ParseOptions {
  /** Every rule kind the wings offer. */
  kinds: Record<string, RuleKind>;
  /** Tag keys seen in the stored data, per domain: a tag key close to one of them but unseen is a typo. */
  tagKeys?: Partial<Record<RuleKind['domain'], string[]>>;
}

type Path = Array<string | number>;

/** Parses and validates a policy file's text; throws PolicyFileError listing every problem found. */
export function parsePolicies(source: string, file: string, o: ParseOptions): PolicyDefinition[] {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyFileError(
      file,
      doc.errors.slice(0, 5).map((e) => {
        const p = lc.linePos(e.pos[0]);
        return { line: p.line, column: p.col, field: '(file)', message: `not valid YAML or JSON: ${firstLine(e)}` };
      }),
    );
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const locate = (path: Path, key?: string) => position(doc, lc, path, key);
  const validate = policyValidator();
  const valid = validate(data);
  // Schema mistakes and the checks the schema cannot make (names, tag keys) are reported together.
  const problems: PolicyFileProblem[] = valid ? [] : dedupe(validate.errors ?? []).map((e) => explain(e, locate, o));
  const list = (data as { policies?: unknown } | null)?.policies;
  const policies = (Array.isArray(list) ? list : []) as PolicyDefinition[];
  const names = new Map<string, number>();
  policies.forEach((p, i) => {
    if (!p || typeof p !== 'object') return;
    const seen = names.get(p.name);
    if (seen !== undefined)
      problems.push({
        ...locate(['policies', i, 'name']),
        field: `policies[${i}].name`,
        message: `"${p.name}" is also the name of policies[${seen}]`,
      });
    names.set(p.name, i);
    const kind = o.kinds[p.kind];
    if (!kind) {
      // The schema names an unknown kind already; this is for a kind the schema has and no wing offers.
      if (valid)
        problems.push({
          ...locate(['policies', i, 'kind']),
          field: `policies[${i}].kind`,
          message: unknownKind(p.kind, o),
        });
      return;
    }
    for (const fieldName of kind.tagKeyFields ?? []) {
      const known = o.tagKeys?.[kind.domain] ?? [];
      const values = p[fieldName];
      if (!Array.isArray(values) || known.length === 0) continue;
      values.forEach((key: unknown, j) => {
        if (typeof key !== 'string' || known.includes(key)) return;
        const near = closest(key, known);
        if (near)
          problems.push({
            ...locate(['policies', i, fieldName, j]),
            field: `policies[${i}].${fieldName}[${j}]`,
            message: `unknown tag key "${key}": no stored ${kind.domain} cost carries it; did you mean "${near}"?`,
          });
      });
    }
  });
  if (problems.length > 0) throw new PolicyFileError(file, problems);
  return policies;
}

function firstLine(e: Error): string {
  return e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** ajv may report one mistake twice (the discriminator and `required` both say "kind" is missing). */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const missingKind = errors.some((e) => e.keyword === 'required' && e.params.missingProperty === 'kind');
  return errors.filter((e) => !(missingKind && e.keyword === 'discriminator'));
}

function unknownKind(kind: string, o: ParseOptions): string {
  const known = Object.keys(o.kinds);
  const near = closest(kind, known);
  return `unknown kind "${kind}"; ${near ? `did you mean "${near}"? ` : ''}kinds: ${known.join(', ')}`;
}

/** One ajv error as file position, field path and a sentence. */
function explain(
  e: ErrorObject,
  locate: (path: Path, key?: string) => { line: number; column: number },
  o: ParseOptions,
): PolicyFileProblem {
  const path: Path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const params = e.params as Record<string, unknown>;
  const field = (extra?: string | number) => fieldPath(extra === undefined ? path : [...path, extra]);
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { ...locate(path, key), field: field(key), message: `unknown field "${key}"` };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { ...locate(path), field: field(key), message: `missing required field "${key}"` };
    }
    case 'discriminator':
      return params.error === 'mapping'
        ? { ...locate([...path, 'kind']), field: field('kind'), message: unknownKind(String(params.tagValue), o) }
        : { ...locate(path), field: field('kind'), message: '"kind" must be text naming a rule kind' };
    case 'enum':
      return {
        ...locate(path),
        field: field(),
        message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return { ...locate(path), field: field(), message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { ...locate(path), field: field(), message: e.message ?? e.keyword };
  }
}

function fieldPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

/** The line and column of the node at `path` (of `key`'s key node when given), or the nearest parent. */
function position(doc: Document, lc: LineCounter, path: Path, key?: string): { line: number; column: number } {
  const { isMap } = yaml();
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (!node?.range) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return linePos(lc, keyNode.range[0]);
    }
    return linePos(lc, node.range[0]);
  }
  return { line: 1, column: 1 };
}

function linePos(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}
