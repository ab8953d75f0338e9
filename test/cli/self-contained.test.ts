/**
 * The repository is self-contained: a fresh clone runs its build, generators and
 * suites with nothing beside it. Reference data (CRDs, FOCUS tables, AWS models,
 * fixtures) lives in test/reference/ with its source and licence; nothing may reach
 * for a sibling "shared" folder again — in code, scripts or comments, since a
 * comment naming such a path sends the next reader there. .ci/run proves the same
 * end to end by running the suite from a copy of the checkout in an empty folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { REFERENCE } from '../helpers/reference.js';

/** Where the project's code, scripts and docs live; every file under these is read. */
const SCANNED = [
  'src',
  'test',
  'bench',
  'scripts',
  '.ci',
  'docs',
  'README.md',
  'package.json',
  'vitest.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'results']);

/**
 * A path to the sibling folder, however it is spelled: dots, a separator and its name (any
 * depth, either separator), the same as path segments, or one of its sub-folders by name.
 * The expressions are written so that their own source text does not match them.
 */
const OUTSIDE_PATHS: ReadonlyArray<{ what: string; re: RegExp }> = [
  { what: 'a relative path up to the sibling folder', re: /\.\.[\\/]+shared\b/ },
  { what: 'path segments up to the sibling folder', re: /['"`]\.\.['"`]\s*,\s*['"`]shared\b/ },
  {
    what: 'a path into one of its reference folders',
    re: /\bshared[\\/]+(?:velero|focus|aws-models|fixtures|hooks|STYLE\.md)\b/,
  },
];

export function outsideReads(text: string): Array<{ line: number; what: string; text: string }> {
  const hits: Array<{ line: number; what: string; text: string }> = [];
  text.split('\n').forEach((l, i) => {
    for (const p of OUTSIDE_PATHS)
      if (p.re.test(l)) hits.push({ line: i + 1, what: p.what, text: l.trim().slice(0, 160) });
  });
  return hits;
}

function files(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return [];
  if (st.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => !(e.isDirectory() && SKIPPED_DIRS.has(e.name)))
    .flatMap((e) => files(join(path, e.name)));
}

describe('the repository is self-contained', () => {
  it('recognises every spelling of a path to the sibling folder, and nothing else', () => {
    // spelled in pieces so that this file itself stays clean
    const dots = '..';
    const name = 'shared';
    const spelled = [
      `resolve(ROOT, '${dots}/${name}/focus')`,
      `resolve(import.meta.dirname, '${dots}/${dots}/${dots}/${dots}/${name}/velero/crds')`,
      `join(ROOT, '${dots}', '${name}', 'fixtures')`,
      `// GENERATED from ${dots}\\${name}\\focus\\columns.csv`,
      `cp -r /srv/${name}/aws-models test/`,
    ];
    for (const s of spelled) expect(outsideReads(s).length, s).toBeGreaterThan(0);
    for (const s of [
      '// counters shared by several daemons',
      "AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c'",
      'test/reference/focus/columns.csv',
      `join(ROOT, '${dots}', '${name}x')`,
    ]) {
      expect(outsideReads(s), s).toEqual([]);
    }
  });

  it('has no path to a folder beside the checkout in src, test, bench, scripts, .ci or the docs', () => {
    const scanned = SCANNED.flatMap((p) => files(join(ROOT, p)));
    expect(scanned.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of scanned) {
      const buf = readFileSync(file);
      if (buf.includes(0)) continue; // binary
      for (const h of outsideReads(buf.toString('utf8')))
        found.push(`${relative(ROOT, file)}:${h.line}: ${h.what}: ${h.text}`);
    }
    expect(
      found,
      `read the data from test/reference/ (test/helpers/reference.ts) instead:\n${found.join('\n')}`,
    ).toEqual([]);
  });

  it('names source and licence in every reference folder', () => {
    const folders = readdirSync(REFERENCE, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(['aws-models', 'fixtures', 'focus', 'sarif', 'velero-crds']);
    for (const f of folders) {
      const readme = readFileSync(join(REFERENCE, f, 'README.md'), 'utf8');
      expect(readme, `test/reference/${f}/README.md names a licence`).toMatch(
        /Licen[cs]e|licen[cs]e \(|MIT|Apache-2\.0|CC-BY-4\.0/,
      );
      expect(readme, `test/reference/${f}/README.md says what uses it`).toMatch(/[Uu]sed by/);
    }
  });
});
