import { UsageError } from '../errors.js';
import { updateConfigFile } from './file.js';
import { findKey, suggestKey, type ConfigKeyDef } from './keys.js';
import { OcoConfig } from './resolve.js';
import { displayValue, expectedForm, parseValue, type ConfigValue } from './values.js';

export function requireKey(key: string): ConfigKeyDef {
  const def = findKey(key);
  if (!def) {
    const guess = suggestKey(key);
    throw new UsageError(`unknown config key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
      code: 'OCO_CONFIG_UNKNOWN_KEY',
      hint: 'Run "oco config list" for the known keys.',
    });
  }
  return def;
}

export interface ConfigGetResult {
  key: string;
  value: string | number | boolean | null;
  source: string;
  secret: boolean;
}

export function getConfigValue(key: string, reveal = false): ConfigGetResult {
  const def = requireKey(key);
  const config = OcoConfig.load();
  const entry = config.entry(key);
  const row = config.describe().find((r) => r.key === key)!;
  return {
    key,
    value: reveal ? (entry.value ?? null) : displayValue(def, entry.value),
    source: row.source,
    secret: Boolean(def.secret),
  };
}

export interface ConfigSetResult {
  key: string;
  value: string | number | boolean | null;
  file: string;
  changed: boolean;
  /** An environment variable that overrides the file, if one is set. */
  overriddenBy?: string;
}

export function setConfigValue(key: string, raw: string): ConfigSetResult {
  const def = requireKey(key);
  const parsed = parseValue(def, raw);
  if (!parsed.ok) {
    throw new UsageError(`bad value for ${key}: ${parsed.reason}`, {
      code: 'OCO_CONFIG_BAD_VALUE',
      hint: `Give ${expectedForm(def)}.`,
    });
  }
  return write(def, parsed.value);
}

export function unsetConfigValue(key: string): ConfigSetResult {
  return write(requireKey(key), undefined);
}

function write(def: ConfigKeyDef, value: ConfigValue | undefined): ConfigSetResult {
  const before = OcoConfig.load();
  const changed = updateConfigFile(before.paths.configFile, def.key, value);
  const overriddenBy = def.env.find((name) => before.env[name] !== undefined && before.env[name] !== '');
  return {
    key: def.key,
    value: value === undefined ? null : displayValue(def, value),
    file: before.paths.configFile,
    changed,
    ...(overriddenBy ? { overriddenBy } : {}),
  };
}
