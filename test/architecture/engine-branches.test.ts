import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * Engine differences live in src/core/base/store: SQL fragments in the dialect, bulk paths
 * behind store.native({ sqlite, postgres }), the embedded file behind store.embeddedFile.
 * Code anywhere else that asks which engine it has (instanceof a store class, a comparison
 * with the engine's name, a table indexed by it) would drift from the store as engines
 * change. Reporting the engine as data (`engine: store.engine` in health output) is fine.
 */
const STORE_DIR = join(ROOT, 'src', 'core', 'base', 'store');

const BRANCHES: Array<{ what: string; re: RegExp }> = [
  { what: 'instanceof a store class', re: /\binstanceof\s+(?:SqliteStore|PostgresStore)\b/ },
  {
    what: 'compares the engine',
    re: /\b(?:engine|dialect\.name)\s*(?:===?|!==?)|(?:===?|!==?)\s*[\w.?]*\b(?:engine|dialect\.name)\b/,
  },
  {
    what: 'compares with an engine name',
    re: /(['"`])(?:sqlite|postgres)\1\s*(?:===?|!==?)|(?:===?|!==?)\s*(['"`])(?:sqlite|postgres)\2/,
  },
  { what: 'indexes a table by the engine', re: /\[\s*[\w.?]*\b(?:engine|dialect\.name)\s*\]/ },
  { what: 'switches on the engine', re: /\bswitch\s*\(\s*[\w.?]*\b(?:engine|dialect\.name)\s*\)/ },
];

/** Commands reach the store through a wing's service: no SQL of their own. */
const COMMAND_SQL = /\b(?:store|tx|q)\s*\.\s*(?:run|all|get|exec|transaction)\s*\(/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === STORE_DIR ? [] : sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Code lines only: comment lines may describe either engine. */
function codeLines(text: string): Array<{ line: number; code: string }> {
  return text
    .split('\n')
    .map((code, i) => ({ line: i + 1, code: code.replace(/\/\/.*$/, '') }))
    .filter(({ code }) => !/^\s*(?:\*|\/\*)/.test(code));
}

function engineBranches(file: string, text: string): string[] {
  const out: string[] = [];
  for (const { line, code } of codeLines(text)) {
    for (const b of BRANCHES) if (b.re.test(code)) out.push(`${file}:${line} ${b.what}: ${code.trim()}`);
  }
  return out;
}

describe('engine differences stay in the store', () => {
  const files = sources(join(ROOT, 'src')).map((f) => ({
    file: relative(ROOT, f).split('\\').join('/'),
    text: readFileSync(f, 'utf8'),
  }));

  it('no code outside src/core/base/store branches on the engine', () => {
    expect(files.flatMap(({ file, text }) => engineBranches(file, text))).toEqual([]);
  });

  it('commands run no SQL themselves', () => {
    const wrong = files
      .filter(({ file }) => file.startsWith('src/commands/'))
      .flatMap(({ file, text }) =>
        codeLines(text)
          .filter(({ code }) => COMMAND_SQL.test(code))
          .map(({ line, code }) => `${file}:${line} ${code.trim()}`),
      );
    expect(wrong).toEqual([]);
  });

  it('catches the branching forms and lets the engine be reported as data', () => {
    const bad = [
      'if (store instanceof SqliteStore) return writeSqlite(store);',
      "const fn = q.engine === 'postgres' ? 'strpos' : 'instr';",
      "if (store.engine !== 'sqlite' || store.location === ':memory:') return undefined;",
      "if ('postgres' === engine) {",
      "if (engine === 'postgres') {",
      'const keyExpr = DAY_EXPR[store.engine];',
      'return { key: d.sql[engine], from: d.from };',
      'switch (store.engine) {',
      "const x = store.dialect.name === 'sqlite' ? a : b;",
    ];
    for (const line of bad) expect(engineBranches('x.ts', line), line).not.toEqual([]);
    const fine = [
      "sendJson(res, 200, { status: 'ok', engine: this.deps.store.engine });",
      'const result = { engine: store.engine, location: store.location };',
      'detail: `${target.engine} at ${target.display}`,',
      "// on PostgreSQL (store.engine === 'postgres') COPY is used",
      " * store.engine === 'sqlite' in a comment",
      "const day = store.dialect.utcDay('ts');",
    ];
    for (const line of fine) expect(engineBranches('x.ts', line), line).toEqual([]);
    expect(COMMAND_SQL.test('await store.run(`DELETE FROM backup_records WHERE name = $1`, [name]);')).toBe(true);
    expect(COMMAND_SQL.test('await forgetObject(store, "backup", name, context, namespace);')).toBe(false);
  });
});
