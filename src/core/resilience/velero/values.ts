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
