import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/core/base/config/keys.js';
import { configurationDocument } from '../../src/core/cli/config-docs.js';
import { ROOT } from '../helpers/cli.js';

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('links the configuration reference, which documents every key with its environment variables and default', () => {
    expect(readme).toContain('[docs/configuration.md](docs/configuration.md)');
    const reference = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    expect(reference, 'docs/configuration.md is out of step: run npm run config-doc').toBe(configurationDocument());
    const rows = new Map(
      reference
        .split('\n')
        .filter((l) => /^\| [a-z][\w.]+ \| `/.test(l))
        .map((l) => [l.split('|')[1]!.trim(), l]),
    );
    for (const k of CONFIG_KEYS) {
      const row = rows.get(k.key);
      expect(row, `docs/configuration.md has no row for ${k.key}`).toBeDefined();
      for (const env of k.env) expect(row, `${k.key} row names ${env}`).toContain(`\`${env}\``);
      if (k.default !== undefined) expect(row!.split('|')[3]!.trim(), `${k.key} default`).toBe(String(k.default));
    }
    expect(
      [...rows.keys()].filter((key) => !CONFIG_KEYS.some((k) => k.key === key)),
      'rows for keys that do not exist',
    ).toEqual([]);
  });

  it('stays a user guide: under 16 KB, no work log, benchmark figures in docs/benchmarks.md', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(16 * 1024);
    expect(readme).not.toMatch(/this session|last session|before the change|what changed/i);
    const bench = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8');
    expect(bench).not.toMatch(/this session|last session/i);
    // Each benchmark section names the command that reproduces it.
    for (const script of [
      'bench/proxy/run.ts',
      'bench/spend/admission.ts',
      'bench/ingest/run.ts',
      'bench/k8s/velero.bench.ts',
      'bench/cli/startup.ts',
    ])
      expect(bench).toContain(script);
    // Every document the README links to exists.
    for (const [, target] of readme.matchAll(/\]\((docs\/[\w.-]+\.md)\)/g))
      expect(readFileSync(join(ROOT, target!), 'utf8').length).toBeGreaterThan(0);
  });

  it('prints the test command CI runs, right after its marker', () => {
    expect(readme).toMatch(/<!-- test-command -->\n```sh\nscripts\/oco-env npm test\n```/);
  });
});
