/**
 * What `npm pack` ships: the entry points, the build, the man pages and the manifest; nothing of the
 * tests, benchmarks or TypeScript sources (source maps point at sources that are not shipped, so they
 * stay out too). The sizes are printed for docs/architecture.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

interface Packed {
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

describe('npm pack', () => {
  it('ships bin, dist, man, the manifest and the OpenAPI document, and nothing of tests, benches or sources', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const packed = (JSON.parse(r.stdout) as Packed[])[0]!;
    const paths = packed.files.map((f) => f.path).sort();
    const top = new Set(paths.map((p) => p.split('/')[0]));
    expect([...top].sort()).toEqual(['README.md', 'bin', 'dist', 'docs', 'man', 'oclif.manifest.json', 'package.json']);
    // Of docs/, only the admin API's OpenAPI document ships.
    expect(paths.filter((p) => p.startsWith('docs/'))).toEqual(['docs/openapi.json']);
    expect(paths.filter((p) => /\.map$|\.ts$|^dist\/\./.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    for (const f of ['bin/run.js', 'dist/commands/version.js', 'dist/daemon/main.js', 'dist/build-info.json'])
      expect(paths).toContain(f);
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
    for (const page of pjson.man) expect(paths).toContain(page.replace(/^\.\//, ''));
    expect(paths.filter((p) => p.startsWith('man/')).length).toBe(
      readdirSync(join(ROOT, 'man')).filter((f) => f.endsWith('.1')).length,
    );
    // Dependencies are installed by npm, not packed: a tarball of a few megabytes at most.
    expect(packed.size).toBeLessThan(4 * 1024 * 1024);
    process.stdout.write(
      `npm pack: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} kB packed, ` +
        `${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked\n`,
    );
  });
});
