/**
 * DR policy files. Every error names the file, the line and column, and the
 * field path (policies[1].rpo), and says what was expected.
 */
import { readFileSync } from 'node:fs';
import type { Node, YAMLMap } from 'yaml';
import { yaml } from '../../base/lazy.js';
import { ConfigError } from '../../base/errors.js';
import { parseGoDurationMs } from '../../base/durations.js';
import { cronProblem, parseLabelSelector } from '../velero/values.js';

export interface DrPolicy {
  name: string;
  namespaces: string[];
  excludeNamespaces?: string[];
  schedule: string;
  rpoMs: number;
  rtoMs?: number;
  retentionMs: number;
  storageLocation?: string;
  selector?: string;
  snapshotVolumes?: boolean;
  defaultVolumesToFsBackup?: boolean;
  /** How far back status looks for missed runs and failed backups. */
  windowMs: number;
  /** The text form of each duration, as written, for display. */
  text: { rpo: string; rto?: string; retention: string; window: string };
}

/** A policy as stored: applied in one cluster context and Velero namespace. */
export interface StoredDrPolicy extends DrPolicy {
  context: string;
  namespace: string;
}

/** The last status check a policy's row keeps (last_result.status). */
export interface PolicyCheck {
  at: string;
  ok: boolean;
  breaches: unknown[];
  warnings: unknown[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Schedules are named oco-<policy>; a schedule name is also a label value (63 characters). */
export const SCHEDULE_PREFIX = 'oco-';
const MAX_NAME = 63 - SCHEDULE_PREFIX.length;

type FieldKind = 'name' | 'namespaces' | 'cron' | 'duration' | 'string' | 'bool' | 'selector';
interface FieldDef {
  kind: FieldKind;
  required?: boolean;
  expected: string;
}

/** The policy file's fields, as data: adding one is one row here and one line in toPolicy. */
const FIELDS: Record<string, FieldDef> = {
  name: { kind: 'name', required: true, expected: `a lowercase name (a-z, 0-9, "-"), at most ${MAX_NAME} characters` },
  namespaces: { kind: 'namespaces', required: true, expected: 'a non-empty list of namespace names, e.g. [app, db]' },
  excludeNamespaces: { kind: 'namespaces', expected: 'a list of namespace names' },
  schedule: {
    kind: 'cron',
    required: true,
    expected: 'a cron expression with five fields, e.g. "0 */6 * * *", or @daily / @every 6h',
  },
  rpo: { kind: 'duration', required: true, expected: 'a duration such as 24h or 90m' },
  rto: { kind: 'duration', expected: 'a duration such as 1h or 30m' },
  retention: { kind: 'duration', expected: 'a duration such as 720h' },
  window: { kind: 'duration', expected: 'a duration such as 168h' },
  storageLocation: { kind: 'name', expected: 'the name of a BackupStorageLocation' },
  selector: { kind: 'selector', expected: 'a label selector such as app=web' },
  snapshotVolumes: { kind: 'bool', expected: 'true or false' },
  defaultVolumesToFsBackup: { kind: 'bool', expected: 'true or false' },
};

export class PolicyFileError extends ConfigError {
  constructor(file: string, line: number, col: number, message: string, hint?: string) {
    super(`${file}:${line}:${col}: ${message}`, {
      code: 'OCO_DR_POLICY_INVALID',
      hint: hint ?? 'See "oco dr policy apply --help" for the file format.',
    });
  }
}

export function parsePolicyFile(file: string, text?: string): DrPolicy[] {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      code: 'OCO_DR_POLICY_UNREADABLE',
      hint: 'Give the path of a policy YAML file with -f.',
    });
  }
  return parsePolicies(source, file);
}

export function parsePolicies(source: string, file = 'dr.yaml'): DrPolicy[] {
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, uniqueKeys: true });
  const at = (node: Node | null | undefined, fallback = 0) => lc.linePos(node?.range?.[0] ?? fallback);
  const fail = (node: Node | null | undefined, message: string, hint?: string): never => {
    const p = at(node);
    throw new PolicyFileError(file, p.line, p.col, message, hint);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = e.linePos?.[0] ?? { line: 1, col: 1 };
    throw new PolicyFileError(file, p.line, p.col, `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'expected a mapping with a "policies" list at the top');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'policies') fail(pair.key as Node, `unknown top-level key "${key}" (expected only "policies")`);
  }
  const list = root.get('policies', true) as Node | undefined;
  if (!isSeq(list) || list.items.length === 0) return fail(list ?? root, '"policies" must be a non-empty list');
  const names = new Set<string>();
  return list.items.map((item, i) => {
    const where = `policies[${i}]`;
    if (!isMap(item))
      return fail(item as Node, `${where} must be a mapping of fields (name, namespaces, schedule, rpo, ...)`);
    const policy = toPolicy(item, where, fail);
    if (names.has(policy.name))
      fail((item.get('name', true) as Node) ?? item, `${where}.name: "${policy.name}" is used by an earlier policy`);
    names.add(policy.name);
    return policy;
  });
}

function toPolicy(
  map: YAMLMap,
  where: string,
  fail: (node: Node | null | undefined, message: string, hint?: string) => never,
): DrPolicy {
  const { isScalar } = yaml();
  const values: Record<string, unknown> = {};
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const def = FIELDS[key];
    if (!def) {
      const close = Object.keys(FIELDS).find(
        (k) => k.toLowerCase() === key.toLowerCase() || k.startsWith(key.slice(0, 3)),
      );
      fail(
        pair.key as Node,
        `${where}: unknown field "${key}"`,
        close ? `Did you mean "${close}"?` : `Known fields: ${Object.keys(FIELDS).join(', ')}.`,
      );
    }
    values[key] = checkField(key, def!, pair.value as Node, `${where}.${key}`, fail);
  }
  for (const [key, def] of Object.entries(FIELDS)) {
    if (def.required && values[key] === undefined)
      fail(map, `${where}: missing required field "${key}" (${def.expected})`);
  }
  const text = {
    rpo: values.rpo as string,
    rto: values.rto as string | undefined,
    retention: (values.retention as string | undefined) ?? '720h',
    window: (values.window as string | undefined) ?? '168h',
  };
  return {
    name: values.name as string,
    namespaces: values.namespaces as string[],
    ...(values.excludeNamespaces ? { excludeNamespaces: values.excludeNamespaces as string[] } : {}),
    schedule: values.schedule as string,
    rpoMs: parseGoDurationMs(text.rpo)!,
    ...(text.rto ? { rtoMs: parseGoDurationMs(text.rto)! } : {}),
    retentionMs: parseGoDurationMs(text.retention)!,
    windowMs: parseGoDurationMs(text.window)!,
    ...(values.storageLocation ? { storageLocation: values.storageLocation as string } : {}),
    ...(values.selector ? { selector: values.selector as string } : {}),
    ...(values.snapshotVolumes !== undefined ? { snapshotVolumes: values.snapshotVolumes as boolean } : {}),
    ...(values.defaultVolumesToFsBackup !== undefined
      ? { defaultVolumesToFsBackup: values.defaultVolumesToFsBackup as boolean }
      : {}),
    text,
  };
}

function checkField(
  key: string,
  def: FieldDef,
  node: Node,
  path: string,
  fail: (node: Node | null | undefined, message: string, hint?: string) => never,
): unknown {
  const { isScalar, isSeq } = yaml();
  const bad = (detail: string): never => fail(node, `${path}: ${detail}; expected ${def.expected}`);
  const scalar = (): unknown => (isScalar(node) ? node.value : bad('not a single value'));
  switch (def.kind) {
    case 'namespaces': {
      if (!isSeq(node)) return bad('not a list');
      if (def.required && node.items.length === 0) return bad('empty list');
      return node.items.map((n, j) => {
        const v = isScalar(n) ? String(n.value) : '';
        if (!(v === '*' || (NAMESPACE.test(v) && v.length <= 63)))
          fail(n as Node, `${path}[${j}]: "${v}" is not a namespace name; expected ${def.expected}`);
        return v;
      });
    }
    case 'bool': {
      const v = scalar();
      return typeof v === 'boolean' ? v : bad(`${JSON.stringify(v)} is not a boolean`);
    }
    default: {
      const raw = scalar();
      if (typeof raw !== 'string' && typeof raw !== 'number') return bad(`${JSON.stringify(raw)} is not text`);
      const v = String(raw).trim();
      if (def.kind === 'name' && !(NAME.test(v) && v.length <= (key === 'name' ? MAX_NAME : 253)))
        return bad(`"${v}" is not a valid name`);
      if (def.kind === 'duration' && !parseGoDurationMs(v)) return bad(`"${v}" is not a duration`);
      if (def.kind === 'cron') {
        const problem = cronProblem(v);
        if (problem) return bad(`invalid cron "${v}": ${problem}`);
      }
      if (def.kind === 'selector') {
        try {
          parseLabelSelector(v, path);
        } catch {
          return bad(`cannot parse selector "${v}"`);
        }
      }
      return v;
    }
  }
}
