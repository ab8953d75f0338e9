import { CLASS_EXIT, ERROR_CODES, EXIT_MEANINGS, ExitCode, type ErrorCode } from '../base/error-codes.js';

/**
 * The documents generated from the error-code registry (src/core/base/error-codes.ts): README's
 * exit-code table, docs/errors.md (every code) and the man page's EXIT STATUS. Tests compare the
 * files with these renderings, so a code added to the registry cannot go undocumented.
 */

const EXITS = (Object.values(ExitCode) as ExitCode[]).sort((a, b) => a - b);

function codesOf(exit: ExitCode): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c].exit === exit).sort();
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** README: exit code → meaning, and where the codes are listed. */
export function readmeExitTable(): string {
  return [
    '| code | meaning |',
    '| --- | --- |',
    ...EXITS.map((e) => `| ${e} | ${cell(EXIT_MEANINGS[e])} |`),
    '',
    'Every error code, with its exit code and meaning: [docs/errors.md](docs/errors.md).',
  ].join('\n');
}

/** docs/errors.md: every code of the registry, grouped by exit code. */
export function errorCodesDocument(): string {
  const out = [
    '# Error codes',
    '',
    '<!-- Generated from src/core/base/error-codes.ts by "npm run errors"; do not edit. -->',
    '',
    'Every error oco reports carries a stable code (never renamed) and the exit code of its kind. Without ' +
      '`--json` it is printed as `Error: …` and `Hint: …` on stderr; with `--json` as ' +
      '`{"error":{"code","message","hint","exitCode"}}` on stdout. A command that prints its result and still ' +
      'fails (a budget check, a failed `--wait`, a provider that failed during ingest) prints the result as usual ' +
      'and exits with the code shown in its help.',
    '',
  ];
  for (const e of EXITS) {
    if (e === ExitCode.ok) continue;
    out.push(`## Exit ${e}: ${EXIT_MEANINGS[e]}`, '', '| code | class | meaning |', '| --- | --- | --- |');
    for (const c of codesOf(e)) out.push(`| \`${c}\` | ${ERROR_CODES[c].class} | ${cell(ERROR_CODES[c].meaning)} |`);
    out.push('');
  }
  out.push(
    `Classes and their exit codes (src/core/base/errors.ts): ${Object.entries(CLASS_EXIT)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; OcoError is thrown directly where the exit code is not a class's.`,
    '',
  );
  return out.join('\n');
}

/** The man page's EXIT STATUS section (roff, ASCII): each exit code, its meaning and its codes. */
export function manExitStatus(esc: (text: string) => string): string {
  let out = '.SH EXIT STATUS\n';
  for (const e of EXITS) {
    out += `.TP\n${e}\n${esc(EXIT_MEANINGS[e])}\n`;
    const codes = codesOf(e);
    if (codes.length) out += `.br\nCodes: ${codes.map((c) => `\\fB${c}\\fR`).join(', ')}.\n`;
  }
  return out;
}

const START = '<!-- error-codes:start -->';
const END = '<!-- error-codes:end -->';

/** README with its marked region replaced by the generated exit-code table. */
export function withReadmeExitTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${START} … ${END} region`);
  return `${readme.slice(0, start + START.length)}\n${readmeExitTable()}\n${readme.slice(end)}`;
}
