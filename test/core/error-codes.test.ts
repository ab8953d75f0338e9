/**
 * The error-code registry (src/core/base/error-codes.ts) is the one list of codes: every OCO_ code
 * in src/ is in it, every entry is used, each code is thrown by the class the registry names, and
 * the documents generated from it (README's exit-code table, docs/errors.md) are current.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/core/base/config/keys.js';
import { CLASS_EXIT, ERROR_CODES, type ErrorClass } from '../../src/core/base/error-codes.js';
import { errorCodesDocument, withReadmeExitTable } from '../../src/core/cli/error-docs.js';
import { OcoError, OperationError, UnreachableError, UsageError, formatError } from '../../src/core/base/errors.js';
import { ROOT } from '../helpers/cli.js';

const SRC = join(ROOT, 'src');
const REGISTRY = join(SRC, 'core/base/error-codes.ts');
/** OCO_ strings that name environment variables, not errors. */
const ENV_NAMES = new Set([...CONFIG_KEYS.flatMap((k) => k.env), 'OCO_HOME']);
/** Codes one class does not own alone: a bad flag value found while resolving the configuration is a ConfigError with OCO_USAGE, a missing Redis for budget.backend=redis a UsageError with OCO_CONFIG_INVALID (both exit 2). */
const SHARED: Record<string, ErrorClass[]> = { OCO_USAGE: ['ConfigError'], OCO_CONFIG_INVALID: ['UsageError'] };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && p !== REGISTRY ? [p] : [];
  });
}
const files = sources(SRC).map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }));

function literals(text: string): string[] {
  return [...text.matchAll(/['"`](OCO_[A-Z0-9_]+)['"`]/g)].map((m) => m[1]!);
}

/** [class, code, where] for each error constructed with a literal code (first argument or `code:` option). */
function throwers(): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const { file, text } of files) {
    for (const m of text.matchAll(/new (\w*Error)\(|super\(/g)) {
      const cls = m[1] ?? [...text.slice(0, m.index).matchAll(/class \w+ extends (\w+)/g)].at(-1)?.[1];
      if (!cls) continue;
      const rest = text.slice(m.index + m[0].length, m.index + 700);
      const stop = rest.search(/\bnew \w*Error\(|;\n/);
      const statement = stop === -1 ? rest : rest.slice(0, stop);
      for (const c of statement.matchAll(/^\s*'(OCO_\w+)'|code: (?:[^,\n]*\? )?'(OCO_\w+)'(?: : '(OCO_\w+)')?/g)) {
        for (const code of c.slice(1).filter(Boolean))
          out.push([cls, code!, `${file}:${text.slice(0, m.index).split('\n').length}`]);
      }
    }
  }
  return out;
}

describe('error-code registry', () => {
  it('holds every OCO_ code used in src/', () => {
    const used = new Set(files.flatMap((f) => literals(f.text)).filter((c) => !ENV_NAMES.has(c)));
    expect(
      [...used].filter((c) => !(c in ERROR_CODES)).sort(),
      'codes missing from src/core/base/error-codes.ts',
    ).toEqual([]);
  });

  it('has no dead entries', () => {
    const used = new Set(files.flatMap((f) => literals(f.text)));
    expect(
      Object.keys(ERROR_CODES).filter((c) => !used.has(c)),
      'registered codes nothing throws',
    ).toEqual([]);
    expect(
      Object.keys(ERROR_CODES).filter((c) => ENV_NAMES.has(c)),
      'codes that are also environment variables',
    ).toEqual([]);
  });

  it('is enforced by the compiler (npm run typecheck): unregistered codes and codes of another exit code do not compile', () => {
    // @ts-expect-error not a registered code
    expect(new UsageError('x', { code: 'OCO_NOT_REGISTERED' }).exitCode).toBe(2);
    // @ts-expect-error OCO_USAGE exits 2, an UnreachableError 3
    expect(new UnreachableError('OCO_USAGE', 'x').exitCode).toBe(3);
    // @ts-expect-error OCO_DB_UNREACHABLE exits 3, an OperationError 1
    expect(new OperationError('OCO_DB_UNREACHABLE', 'x').exitCode).toBe(1);
    // Without an explicit exit code an error takes the registry's.
    expect(new OcoError('OCO_UNKNOWN_COMMAND', 'x').exitCode).toBe(127);
  });

  it("gives each code its class's exit code", () => {
    const wrong = Object.entries(ERROR_CODES).filter(
      ([, i]) => i.class !== 'OcoError' && CLASS_EXIT[i.class] !== i.exit,
    );
    expect(wrong).toEqual([]);
  });

  it('names the class that throws each code', () => {
    const found = throwers();
    expect(found.length).toBeGreaterThan(80);
    const wrong = found.filter(([cls, code]) => {
      const info = ERROR_CODES[code as keyof typeof ERROR_CODES];
      if (!info) return true;
      if (cls === info.class || SHARED[code]?.includes(cls as ErrorClass)) return false;
      // A subclass (FocusRowError, PolicyFileError, …) is checked through the class it extends.
      return !(cls in CLASS_EXIT) && cls !== 'OcoError' ? false : true;
    });
    expect(
      wrong.map(
        ([cls, code, where]) =>
          `${where}: ${cls} throws ${code} (registry: ${ERROR_CODES[code as keyof typeof ERROR_CODES]?.class})`,
      ),
    ).toEqual([]);
  });
});

describe('formatError', () => {
  it('is the one Error/Hint text: the hint line only when there is a hint', () => {
    expect(formatError({ message: 'no budget matches', hint: 'See oco budgets list.' })).toBe(
      'Error: no budget matches\nHint: See oco budgets list.\n',
    );
    expect(formatError({ message: 'drill restore ended Failed' })).toBe('Error: drill restore ended Failed\n');
    // Nothing outside errors.ts writes the prefixes by hand.
    const byHand = files
      .filter((f) => !/(base\/errors|cli\/error-docs)\.ts$/.test(f.file) && /[`'"](Error|Hint): /.test(f.text))
      .map((f) => f.file);
    expect(byHand).toEqual([]);
  });
});

describe('documents generated from the registry ("npm run errors")', () => {
  it("README's exit-code table is current", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme, 'run "npm run errors"').toBe(withReadmeExitTable(readme));
  });

  it('docs/errors.md is current', () => {
    expect(readFileSync(join(ROOT, 'docs/errors.md'), 'utf8'), 'run "npm run errors"').toBe(errorCodesDocument());
  });
});
