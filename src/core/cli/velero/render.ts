import { yaml } from '../../base/lazy.js';

/** describe output: the summary as aligned "key: value" lines, then spec/status/details as YAML. */
export function printDescription(kind: string, d: Record<string, unknown>): string {
  const head = [
    'name',
    'phase',
    'errors',
    'warnings',
    'items',
    'totalItems',
    'created',
    'started',
    'completed',
    'expires',
    'storageLocation',
    'schedule',
    'backup',
    'failure',
  ];
  const width = Math.max(...head.map((k) => k.length)) + 1;
  const lines = [`${kind}:`];
  for (const k of head) {
    const v = d[k];
    if (v !== null && v !== undefined) lines.push(`  ${`${k}:`.padEnd(width)} ${Array.isArray(v) ? v.join(', ') : v}`);
  }
  const block = (title: string, v: unknown) => {
    if (v && typeof v === 'object' && Object.keys(v).length)
      lines.push(
        `${title}:`,
        ...yaml()
          .stringify(v)
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`),
      );
  };
  block('Spec', d.spec);
  block('Status', d.status);
  const details = d.details as { resources?: unknown; results?: unknown } | undefined;
  if (details) {
    block('Resources', details.resources);
    block('Results', details.results);
  }
  return lines.join('\n');
}
