import { lazyRequire } from '../../base/lazy.js';
import { UsageError } from '../../base/errors.js';
import { parseGoDurationMs } from '../../base/durations.js';

/** Short human form: 3d4h, 25m, 40s. */
export function humanDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h ? `${h}h` : ''}`;
  if (h > 0) return `${h}h${m ? `${m}m` : ''}`;
  if (m > 0) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${s}s`;
}

export function requireDuration(text: string, where: string): number {
  const ms = parseGoDurationMs(text);
  if (ms === undefined)
    throw new UsageError(`${where}: "${text}" is not a duration`, {
      code: 'OCO_BAD_DURATION',
      hint: 'Use Go duration syntax: 720h, 1h30m, 45m, 90s.',
    });
  return ms;
}

// Only schedule commands parse cron; `backup create` should not pay for loading it.
const cron = lazyRequire<typeof import('cron-parser')>('cron-parser');

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/**
 * Velero parses schedules with robfig/cron's standard parser: exactly five fields
 * (minute hour day-of-month month day-of-week), a descriptor such as @daily, or
 * "@every <duration>". Returns a reason when the expression is not one of those.
 */
export function cronProblem(expr: string): string | undefined {
  const e = expr.trim();
  if (e === '') return 'the schedule is empty';
  if (e.startsWith('@every '))
    return parseGoDurationMs(e.slice(7))
      ? undefined
      : `"${e.slice(7)}" after @every is not a duration (e.g. @every 6h)`;
  if (e.startsWith('@'))
    return DESCRIPTORS.has(e)
      ? undefined
      : `unknown descriptor ${e} (use @hourly, @daily, @weekly, @monthly, @yearly or @every <duration>)`;
  const fields = e.split(/\s+/);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  try {
    cron().CronExpressionParser.parse(e, { tz: 'UTC' });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function requireCron(expr: string, where: string): string {
  const problem = cronProblem(expr);
  if (problem) {
    throw new UsageError(`${where}: invalid cron schedule "${expr}": ${problem}`, {
      code: 'OCO_BAD_CRON',
      hint:
        'Use five fields, e.g. "0 2 * * *" (02:00 every day) or "0 */6 * * *" (every 6 hours), or @daily / ' +
        '@every 6h.',
    });
  }
  return expr.trim();
}

/** Fire times of a schedule in (from, to], oldest first, at most `limit` of them. */
export function cronTimes(expr: string, from: Date, to: Date, limit = 1000): Date[] {
  const e = expr.trim();
  if (e.startsWith('@every ')) {
    const step = parseGoDurationMs(e.slice(7)) ?? 0;
    if (step <= 0) return [];
    const out: Date[] = [];
    for (let t = from.getTime() + step; t <= to.getTime() && out.length < limit; t += step) out.push(new Date(t));
    return out;
  }
  const it = cron().CronExpressionParser.parse(e === '@midnight' ? '@daily' : e, {
    currentDate: from,
    endDate: to,
    tz: 'UTC',
  });
  const out: Date[] = [];
  while (out.length < limit && it.hasNext()) out.push(it.next().toDate());
  return out;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Object names: lowercase RFC 1123 subdomain. maxLength 63 when the name also becomes a label value. */
export function requireName(name: string, where: string, maxLength = 253): string {
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > maxLength) {
    throw new UsageError(`${where}: "${name}" is not a valid name`, {
      code: 'OCO_BAD_NAME',
      hint:
        `Use at most ${maxLength} lowercase letters, digits, "-" or ".", starting and ending with a letter or ` +
        `digit.`,
    });
  }
  return name;
}

/**
 * A namespace name or "*" (all); with `wildcards` (velero 1.18's --include/--exclude-namespaces) also a pattern
 * such as app-* or team-?-db: a lowercase RFC 1123 label once each "*" or "?" stands for a letter.
 */
export function requireNamespace(ns: string, where: string, options: { wildcards?: boolean } = {}): string {
  const asName = options.wildcards ? ns.replace(/[*?]/g, 'x') : ns;
  if (ns !== '*' && (!DNS1123_LABEL.test(asName) || ns.length > 63)) {
    throw new UsageError(`${where}: "${ns}" is not a valid namespace name or pattern`, {
      code: 'OCO_BAD_NAME',
      hint:
        'Namespaces are lowercase RFC 1123 labels (a-z, 0-9, "-"), at most 63 characters; "*" means all' +
        (options.wildcards ? ', "*" and "?" inside a name are wildcards (app-*); separate several with commas.' : '.'),
    });
  }
  return ns;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** A kubectl-style selector ("app=web,tier in (a,b),!legacy") as the metav1.LabelSelector Velero stores. */
export function parseLabelSelector(text: string, where: string): LabelSelector {
  const out: LabelSelector = {};
  const bad = (part: string) =>
    new UsageError(`${where}: cannot parse "${part}" in label selector "${text}"`, {
      code: 'OCO_BAD_SELECTOR',
      hint: 'Use key=value, key!=value, key in (a,b), key notin (a,b), key or !key, separated by commas.',
    });
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const key = '([A-Za-z0-9][-A-Za-z0-9_./]*)';
  for (const part of parts.map((p) => p.trim())) {
    if (part === '') throw bad(part);
    let m: RegExpMatchArray | null;
    if ((m = part.match(new RegExp(`^${key}\\s*==?\\s*([-A-Za-z0-9_.]*)$`)))) (out.matchLabels ??= {})[m[1]!] = m[2]!;
    else if ((m = part.match(new RegExp(`^${key}\\s*!=\\s*([-A-Za-z0-9_.]*)$`))))
      (out.matchExpressions ??= []).push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    else if ((m = part.match(new RegExp(`^${key}\\s+(in|notin)\\s*\\(([^)]*)\\)$`)))) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (values.length === 0) throw bad(part);
      (out.matchExpressions ??= []).push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = part.match(new RegExp(`^!${key}$`))))
      (out.matchExpressions ??= []).push({ key: m[1]!, operator: 'DoesNotExist' });
    else if ((m = part.match(new RegExp(`^${key}$`))))
      (out.matchExpressions ??= []).push({ key: m[1]!, operator: 'Exists' });
    else throw bad(part);
  }
  return out;
}

/** "a:b,c:d" (velero's --namespace-mappings) as a map. */
export function parseNamespaceMappings(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [from, to, ...rest] = pair.split(':');
    if (!from || !to || rest.length > 0) {
      throw new UsageError(`${where}: "${pair}" is not source:target`, {
        code: 'OCO_BAD_MAPPING',
        hint: 'Use --namespace-mappings app:app-restored,db:db-restored',
      });
    }
    out[requireNamespace(from, where)] = requireNamespace(to, where);
  }
  return out;
}

/** Splits a comma list flag (given once as "a,b" or repeated). */
export function csv(values: readonly string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = (Array.isArray(values) ? values : [values])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

/** "5m ago" / "in 29d" for an ISO timestamp; "-" when absent. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const diff = now - Date.parse(iso);
  return diff >= 0 ? `${humanDuration(diff)} ago` : `in ${humanDuration(-diff)}`;
}

/**
 * velero's --or-selector: label selectors separated by " or " (velero splits on exactly that), each a kubectl-style
 * selector; the objects matching any of them are taken.
 */
export function parseOrSelector(text: string, where: string): LabelSelector[] {
  const parts = text.split(' or ');
  if (parts.some((p) => p.trim() === '')) {
    throw new UsageError(`${where}: "${text}" has an empty selector`, {
      code: 'OCO_BAD_SELECTOR',
      hint: `Separate selectors with " or ", e.g. ${where} "app=web or tier in (db,cache)"`,
    });
  }
  return parts.map((p) => parseLabelSelector(p.trim(), where));
}

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A label or annotation key as the API server checks it: [prefix/]name, prefix a DNS subdomain. */
function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253))
    return `the prefix "${prefix}" is not a DNS subdomain`;
  if (!QUALIFIED_NAME.test(name) || name.length > 63)
    return 'a key is at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

/**
 * --labels / --annotations (velero's mapStringString flags, k1=v1,k2=v2) checked as the API server checks object
 * metadata, so a bad key is exit 2 before anything is sent rather than a 422 after.
 */
export function requireMetadataMap(
  map: Record<string, string>,
  where: string,
  kind: 'label' | 'annotation',
): Record<string, string> {
  for (const [key, value] of Object.entries(map)) {
    const problem =
      keyProblem(key) ??
      (kind === 'label' && (!LABEL_VALUE.test(value) || value.length > 63)
        ? `the value "${value}" is not a label value (at most 63 letters, digits, "-", "_" or ".")`
        : undefined);
    if (problem) {
      throw new UsageError(`${where}: "${key}=${value}" is not a valid ${kind}: ${problem}`, {
        code: 'OCO_BAD_KEY_VALUES',
        hint: `Use ${where} key1=value1,key2=value2, e.g. ${where} team=payments,example.com/tier=gold`,
      });
    }
  }
  return map;
}

/**
 * velero's --ordered-resources: "pods=ns1/pod1,ns1/pod2;persistentvolumeclaims=ns1/pvc4" as the Backup's
 * orderedResources map (resource → comma-separated names, "namespace/name", or "name" when cluster-scoped).
 */
export function parseOrderedResources(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  const bad = (entry: string, why: string) =>
    new UsageError(`${where}: "${entry}" ${why}`, {
      code: 'OCO_BAD_KEY_VALUES',
      hint:
        `Use resource=namespace/name,namespace/name;resource=name, e.g. ${where} ` +
        '"pods=ns1/pod1,ns1/pod2;persistentvolumes=pv1"',
    });
  const entries = text
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw bad(text, 'names no resource');
  for (const entry of entries) {
    const kv = entry.split('=');
    if (kv.length !== 2 || !kv[0]!.trim()) throw bad(entry, 'is not resource=names');
    const resource = kv[0]!.trim();
    const names = kv[1]!
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (names.length === 0) throw bad(entry, 'lists no object');
    for (const n of names) {
      const [ns, name, ...rest] = n.split('/');
      const ok =
        rest.length === 0 &&
        (name === undefined
          ? DNS1123_SUBDOMAIN.test(ns!)
          : DNS1123_LABEL.test(ns!) && ns!.length <= 63 && DNS1123_SUBDOMAIN.test(name));
      if (!ok) throw bad(entry, `has "${n}", which is neither namespace/name nor a name`);
    }
    out[resource] = names.join(',');
  }
  return out;
}
