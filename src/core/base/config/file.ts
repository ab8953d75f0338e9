import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Document, LineCounter, Node, YAMLMap } from 'yaml';
import { yaml } from '../lazy.js';
import { ConfigError } from '../errors.js';
import { findKey, suggestKey } from './keys.js';
import { PRIVATE_FILE, ensurePrivateDir } from './private-files.js';
import { parseValue, expectedForm, type ConfigValue } from './values.js';

export interface FileEntry {
  value: ConfigValue;
  line: number;
}

export interface ConfigFile {
  path: string;
  exists: boolean;
  entries: Map<string, FileEntry>;
}

/**
 * Reads and validates the YAML config file. Any problem names the file, the
 * line and the key, and the expected form; the file itself is never touched here.
 */
export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return { path, exists: false, entries: new Map() };
  const text = readFileSync(path, 'utf8');
  const { doc, lines } = parse(path, text);
  const { isMap, isScalar } = yaml();
  const entries = new Map<string, FileEntry>();
  if (doc.contents === null) return { path, exists: true, entries };
  if (!isMap(doc.contents)) {
    throw new ConfigError(`${path}:1: the config file must be a mapping of keys (e.g. "proxy:\\n  port: 8080")`, {
      hint: `Fix or remove ${path}; run "oco config list" to see the known keys.`,
    });
  }
  walk(doc.contents, '', (key, node) => {
    const line = lines.linePos(node.range?.[0] ?? 0).line;
    const def = findKey(key);
    if (!def) {
      const guess = suggestKey(key);
      throw new ConfigError(`${path}:${line}: unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
        hint: 'Run "oco config list" for the known keys.',
      });
    }
    const parsed = parseValue(def, isScalar(node) ? node.value : undefined);
    if (!parsed.ok) {
      throw new ConfigError(`${path}:${line}: bad value for "${key}": ${parsed.reason}`, {
        hint: `Set it with "oco config set ${key} <value>" where the value is ${expectedForm(def)}.`,
      });
    }
    entries.set(key, { value: parsed.value, line });
  });
  return { path, exists: true, entries };
}

/**
 * Sets or removes one key. Validates the existing file first and writes a
 * temporary file that replaces the old one in one rename, so a failure
 * leaves the previous file exactly as it was. Mode 0600: it may hold secrets.
 */
export function updateConfigFile(path: string, key: string, value: ConfigValue | undefined): boolean {
  readConfigFile(path); // refuse to rewrite a file we cannot read cleanly
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = text.trim() === '' ? new (yaml().Document)({}) : parse(path, text).doc;
  const segments = key.split('.');
  let changed: boolean;
  if (value === undefined) {
    changed = doc.hasIn(segments);
    if (changed) {
      doc.deleteIn(segments);
      pruneEmpty(doc, segments.slice(0, -1));
    }
  } else {
    doc.setIn(segments, value);
    changed = true;
  }
  if (!changed) return false;
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, doc.toString(), { mode: PRIVATE_FILE });
  chmodSync(tmp, PRIVATE_FILE);
  renameSync(tmp, path);
  return true;
}

function parse(path: string, text: string): { doc: Document.Parsed; lines: LineCounter } {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line ?? 1;
    const first = err.message.split('\n')[0];
    throw new ConfigError(`${path}:${line}: the config file is not valid YAML: ${first}`, {
      hint: `Fix line ${line} of ${path}; oco never rewrites a file it cannot parse.`,
    });
  }
  return { doc, lines };
}

function walk(map: YAMLMap, prefix: string, visit: (key: string, node: Node) => void): void {
  const { isMap, isScalar } = yaml();
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const full = prefix ? `${prefix}.${k}` : k;
    if (isMap(pair.value)) walk(pair.value, full, visit);
    else visit(full, (pair.value ?? pair.key) as Node);
  }
}

function pruneEmpty(doc: Document, segments: string[]): void {
  const { isMap } = yaml();
  for (let i = segments.length; i > 0; i--) {
    const path = segments.slice(0, i);
    const node = doc.getIn(path);
    if (isMap(node) && node.items.length === 0) doc.deleteIn(path);
  }
}
