import { CommandHelp, type Command, type Config } from '@oclif/core';
import { closest } from '../base/suggest.js';

/**
 * oclif's parse errors, rewritten as one line that names the flag or argument
 * (with its dashes), for the "Error:" line; the command's usage line is the hint.
 * oclif's texts: "The following errors occurred:\n  Missing required flag entity\n…
 * See more help with --help", "Nonexistent flag: --x", "Missing 1 required arg:\nfile  …",
 * "Parsing --limit \n\t<reason>", "Expected --metric=x to be one of: …".
 */
export interface ParseErrorLike extends Error {
  flags?: string[];
  args?: Array<{ name?: string }>;
}

/** Lines oclif adds around the reasons; they say nothing about what was wrong. */
const NOISE = [/^See more help with --help$/, /^The following errors? occurred:$/];

/** How each kind of reason line reads once rewritten; the first pattern that matches wins. */
const REWRITES: ReadonlyArray<{ pattern: RegExp; line: (m: RegExpExecArray, known: readonly string[]) => string }> = [
  {
    pattern: /^Nonexistent flags?: (.+)$/,
    line: (m, known) =>
      m[1]!
        .split(/,\s*/)
        .map((flag) => {
          const guess = closest(flag.replace(/^-+/, ''), known);
          return `Unknown flag ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`;
        })
        .join('; '),
  },
  {
    pattern: /^Unexpected arguments?: (.+)$/,
    line: (m) => `Unexpected argument${m[1]!.includes(',') ? 's' : ''} ${m[1]}`,
  },
  // oclif reports an exclusive pair once from each side; one sorted line dedupes them.
  {
    pattern: /^(--[\w-]+)(?:=\S*)? cannot also be provided when using (--[\w-]+)$/,
    line: (m) => `${[m[1], m[2]].sort().join(' and ')} cannot be used together`,
  },
];

const MISSING_FLAG = /^Missing required flag (\S+)$/;

/** The one-line message for an oclif parse (or other usage) error. */
export function parseErrorMessage(err: ParseErrorLike, knownFlags: readonly string[] = []): string {
  const plain = err.message.replace(/\u001B\[[0-9;]*m/g, '');
  if (/^Missing \d+ required args?/.test(plain) && err.args?.length) {
    const names = err.args.map((a) => (a.name ?? '').toUpperCase()).filter(Boolean);
    return `Missing required argument${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  }
  const lines = plain
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.some((n) => n.test(l)));
  const missing: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = MISSING_FLAG.exec(line);
    if (m) {
      missing.push(`--${m[1]}`);
      continue;
    }
    // "Parsing --limit" is followed by the flag's own reason on the next line.
    const parsing = /^Parsing (--\S+)$/.exec(line);
    if (parsing && i + 1 < lines.length) {
      out.push(`${parsing[1]}: ${lines[++i]}`);
      continue;
    }
    const rule = REWRITES.map((r) => ({ r, m: r.pattern.exec(line) })).find((x) => x.m);
    out.push(rule ? rule.r.line(rule.m!, knownFlags) : line);
  }
  if (missing.length) out.unshift(`Missing required flag${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  return [...new Set(out)].join('; ') || 'the command line could not be parsed';
}

/** oclif's own usage text (what --help shows under USAGE), unwrapped. */
class UsageHelp extends CommandHelp {
  line(): string {
    return this.defaultUsage();
  }
}

/** "oco budgets create --scope <value> … [--json] …": the command's usage, one line. */
export function usageLine(config: Config, command: Command.Loadable | undefined): string | undefined {
  if (!command) return undefined;
  const id = command.id.replaceAll(':', config.topicSeparator ?? ' ');
  const own = command.usage ? [command.usage].flat()[0] : undefined;
  const body = (own ?? new UsageHelp(command, config, { maxWidth: Number.MAX_SAFE_INTEGER }).line()).replace(
    '<%= command.id %>',
    id,
  );
  return `${config.bin} ${body.startsWith(id) ? body : `${id} ${body}`}`.replace(/\s+/g, ' ').trim();
}
