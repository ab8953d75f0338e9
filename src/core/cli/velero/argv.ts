import { UsageError } from '../../base/errors.js';

/** What the normaliser needs to know of a command's flags. */
export interface FlagShape {
  type: 'boolean' | 'option';
  allowNo?: boolean;
  aliases?: string[];
}

// Go's strconv.ParseBool, which velero's pflag booleans use: the same spellings mean the same thing.
const GO_BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/**
 * Velero spells booleans `--flag`, `--flag=true` and `--flag=false`. oclif knows only `--flag` and `--no-flag`:
 * it takes `--flag=false` as `--flag` followed by a stray "false", which a multi-value flag before it would
 * then swallow. This rewrites velero's form into oclif's before parsing: `=true` → `--flag`, `=false` →
 * `--no-flag` (or nothing, for a flag that is off unless given), anything else → exit 2 naming the flag.
 */
export function normaliseBooleans(argv: readonly string[], flags: Record<string, FlagShape>): string[] {
  const booleans = new Map<string, { name: string; flag: FlagShape }>();
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.type !== 'boolean') continue;
    for (const spelling of [name, ...(flag.aliases ?? [])]) booleans.set(spelling, { name, flag });
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    // after "--" everything is an argument
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]+)=(.*)$/s.exec(token);
    const target = m ? booleans.get(m[1]!) : undefined;
    if (!m || !target) {
      out.push(token);
      continue;
    }
    const value = GO_BOOLS[m[2]!];
    if (value === undefined) {
      throw new UsageError(`--${m[1]}: "${m[2]}" is not a boolean`, {
        code: 'OCO_BAD_FLAG_VALUE',
        hint: `Use --${m[1]}, --${m[1]}=true or --${m[1]}=false.`,
      });
    }
    if (value) out.push(`--${target.name}`);
    else if (target.flag.allowNo) out.push(`--no-${target.name}`);
    // a flag without a --no- form is off unless given: "=false" asks for the default
  }
  return out;
}
