import { ConfigError } from '../errors.js';
import { readConfigFile } from './file.js';
import { CONFIG_KEYS, type ConfigKeyDef } from './keys.js';
import { resolvePaths, type OcoPaths } from './paths.js';
import { displayValue, parseValue, expectedForm, type ConfigValue } from './values.js';

export type ConfigSource =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string; line: number }
  | { kind: 'default' }
  | { kind: 'unset' };

export interface ResolvedEntry {
  def: ConfigKeyDef;
  value: ConfigValue | undefined;
  source: ConfigSource;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Values given as command flags, by config key, with the flag name for messages. */
  flags?: Record<string, { value: unknown; flag: string } | undefined>;
}

/**
 * The effective configuration. Precedence: flags > environment > config file > defaults.
 * Values are validated where they come from, so an error names the flag, the variable or the file line.
 */
export class OcoConfig {
  readonly paths: OcoPaths;
  readonly env: NodeJS.ProcessEnv;
  private readonly entries: Map<string, ResolvedEntry>;

  private constructor(paths: OcoPaths, env: NodeJS.ProcessEnv, entries: Map<string, ResolvedEntry>) {
    this.paths = paths;
    this.env = env;
    this.entries = entries;
  }

  static load(options: ResolveOptions = {}): OcoConfig {
    const env = options.env ?? process.env;
    const paths = resolvePaths(env);
    const file = readConfigFile(paths.configFile);
    const entries = new Map<string, ResolvedEntry>();
    for (const def of CONFIG_KEYS) {
      entries.set(def.key, resolveOne(def, env, file.entries, options.flags?.[def.key], paths.configFile));
    }
    return new OcoConfig(paths, env, entries);
  }

  get<T extends ConfigValue = ConfigValue>(key: string): T | undefined {
    return this.entry(key).value as T | undefined;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : String(v);
  }

  int(key: string): number {
    return Number(this.get(key));
  }

  bool(key: string): boolean {
    return this.get(key) === true;
  }

  entry(key: string): ResolvedEntry {
    const e = this.entries.get(key);
    if (!e) throw new Error(`config key "${key}" is not declared in CONFIG_KEYS`);
    return e;
  }

  list(): ResolvedEntry[] {
    return [...this.entries.values()];
  }

  /** Entries as printable data: secrets masked, sources spelled out. */
  describe(): Array<{
    key: string;
    value: string | number | boolean | null;
    source: string;
    secret: boolean;
    description: string;
  }> {
    return this.list().map((e) => ({
      key: e.def.key,
      value: displayValue(e.def, e.value),
      source: sourceLabel(e.source),
      secret: Boolean(e.def.secret),
      description: e.def.description,
    }));
  }
}

function resolveOne(
  def: ConfigKeyDef,
  env: NodeJS.ProcessEnv,
  fileEntries: Map<string, { value: ConfigValue; line: number }>,
  flag: { value: unknown; flag: string } | undefined,
  configFile: string,
): ResolvedEntry {
  if (flag && flag.value !== undefined) {
    const parsed = parseValue(def, flag.value);
    if (!parsed.ok) throw new ConfigError(`bad value for --${flag.flag}: ${parsed.reason}`, { code: 'OCO_USAGE' });
    return { def, value: parsed.value, source: { kind: 'flag', name: flag.flag } };
  }
  for (const name of def.env) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = parseValue(def, raw);
    if (!parsed.ok) {
      throw new ConfigError(`environment variable ${name} has a bad value: ${parsed.reason}`, {
        hint: `Set ${name} to ${expectedForm(def)}, or unset it.`,
      });
    }
    return { def, value: parsed.value, source: { kind: 'env', name } };
  }
  const fromFile = fileEntries.get(def.key);
  if (fromFile) return { def, value: fromFile.value, source: { kind: 'file', path: configFile, line: fromFile.line } };
  if (def.default !== undefined) return { def, value: def.default, source: { kind: 'default' } };
  return { def, value: undefined, source: { kind: 'unset' } };
}

export function sourceLabel(source: ConfigSource): string {
  switch (source.kind) {
    case 'flag':
      return `flag --${source.name}`;
    case 'env':
      return `env ${source.name}`;
    case 'file':
      return `file ${source.path}:${source.line}`;
    default:
      return source.kind;
  }
}
