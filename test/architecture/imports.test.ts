import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * The house rule (docs/architecture.md): commands → cli → wing → base. A wing
 * (gateway, cloud-costs, resilience) imports itself and base only; base imports
 * base only; no wing or base module imports oclif. The daemon wires wings together.
 */
const WINGS = ['gateway', 'cloud-costs', 'resilience'] as const;
type Room = (typeof WINGS)[number] | 'base' | 'cli' | 'commands' | 'daemon' | 'hooks' | 'other';

const ALLOWED: Record<Room, Room[]> = {
  base: ['base'],
  gateway: ['gateway', 'base'],
  'cloud-costs': ['cloud-costs', 'base'],
  resilience: ['resilience', 'base'],
  cli: ['cli', 'base', ...WINGS],
  daemon: ['daemon', 'base', ...WINGS],
  commands: ['commands', 'cli', 'base', 'daemon', ...WINGS],
  hooks: ['hooks', 'cli', 'base'],
  other: [],
};
/** Packages that belong to the command line, never to a wing or to the base. */
const CLI_PACKAGES = /^(@oclif\/|ink$|react$)/;

function roomOf(file: string): Room {
  const rel = relative(join(ROOT, 'src'), file).split('\\').join('/');
  const [top, second] = rel.split('/');
  if (top === 'core')
    return (second && ([...WINGS, 'base', 'cli'] as string[]).includes(second) ? second : 'other') as Room;
  if (top === 'commands' || top === 'daemon' || top === 'hooks') return top;
  return 'other';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

const SPEC = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPEC)].map((m) => (m[1] ?? m[2])!);
}

/** Every import of `files` that breaks the rule, as "file (room) imports spec (room)". */
function violations(files: Array<{ file: string; specs: string[] }>): string[] {
  const wrong: string[] = [];
  for (const { file, specs } of files) {
    const from = roomOf(file);
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const to = roomOf(resolve(dirname(file), spec));
        if (!ALLOWED[from].includes(to)) wrong.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${to})`);
      } else if (CLI_PACKAGES.test(spec) && !['cli', 'commands', 'hooks'].includes(from)) {
        wrong.push(`${relative(ROOT, file)} (${from}) imports ${spec}, which belongs to the command line`);
      }
    }
  }
  return wrong;
}

describe('the import rule', () => {
  const files = sources(join(ROOT, 'src'));

  it('every source file sits in a known room', () => {
    expect(files.filter((f) => roomOf(f) === 'other').map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('imports run one way: commands → cli → wing → base, and no wing imports another', () => {
    expect(violations(files.map((file) => ({ file, specs: imports(file) })))).toEqual([]);
  });

  it('catches a wing-to-wing import, an upward import and oclif in a wing', () => {
    const at = (p: string) => join(ROOT, 'src', p);
    const bad = violations([
      { file: at('core/gateway/spend/alerts.ts'), specs: ['../../resilience/dr/notify.js', '../../base/webhook.js'] },
      { file: at('core/base/store/open.ts'), specs: ['../../gateway/usage/write.js', '../config/resolve.js'] },
      { file: at('core/cloud-costs/ingest.ts'), specs: ['../cli/progress.js', '@oclif/core', 'decimal.js'] },
      {
        file: at('commands/costs/ingest.ts'),
        specs: ['../../core/cloud-costs/ingest.js', '../../core/cli/progress.js', '@oclif/core'],
      },
    ]);
    expect(bad).toEqual([
      'src/core/gateway/spend/alerts.ts (gateway) imports ../../resilience/dr/notify.js (resilience)',
      'src/core/base/store/open.ts (base) imports ../../gateway/usage/write.js (gateway)',
      'src/core/cloud-costs/ingest.ts (cloud-costs) imports ../cli/progress.js (cli)',
      'src/core/cloud-costs/ingest.ts (cloud-costs) imports @oclif/core, which belongs to the command line',
    ]);
    // Static, dynamic and re-export forms are all read.
    expect(imports(join(ROOT, 'src/daemon/jobs.ts')).some((s) => s.includes('resilience/dr/monitor'))).toBe(true);
  });
});
