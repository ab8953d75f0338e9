import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { OcoPaths } from './paths.js';

/**
 * oco's files hold spend, attribution, key hashes and secrets: its directories are 0700
 * and its files 0600. Modes are set with chmod after creating, so the umask cannot widen
 * them, and files made by an older version (or by hand) are narrowed when oco starts.
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/**
 * For the daemon process only (its entry points, never a library caller or a worker thread): whatever
 * it creates later, including files of modules that do not set a mode, comes out 0600/0700 at most.
 */
export function usePrivateUmask(): void {
  process.umask(0o077);
}

/** Creates the directory (and missing parents) 0700, or takes group and other permissions off an existing one. */
export function ensurePrivateDir(dir: string): void {
  createPrivateDir(dir);
  narrow(dir, PRIVATE_DIR);
}

/**
 * Creates the directory and missing parents 0700; an existing one is left as it is (it may not be oco's, e.g. a temp
 * dir).
 */
export function createPrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (first === undefined) return;
  // mkdir's mode passes through the umask; set it on each directory this call created.
  for (let d = resolve(dir); ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIR);
    if (d === resolve(first) || d === dirname(d)) break;
  }
}

/** Opens (creating if needed) a file and sets it to 0600 through the descriptor; returns the descriptor. */
export function openPrivateFile(file: string, flags: 'a' | 'w' | 'r+'): number {
  const fd = openSync(file, flags, PRIVATE_FILE);
  try {
    fchmodSync(fd, PRIVATE_FILE);
  } catch (err) {
    // EPERM: another user's file that this one may write; not oco's to change.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') {
      closeSync(fd);
      throw err;
    }
  }
  return fd;
}

/** Creates an empty file 0600 when missing, narrows an existing one to 0600. */
export function ensurePrivateFile(file: string): void {
  closeSync(openPrivateFile(file, 'a'));
}

/**
 * Takes group and other permissions off the file if it exists; a missing file, or one oco may not chmod, is left alone.
 */
export function narrowFileIfPresent(file: string): void {
  const st = statOrUndefined(file);
  if (st?.isFile()) narrow(file, PRIVATE_FILE, st);
}

export interface Narrowed {
  /** Paths whose modes were changed. */
  changed: string[];
  /** Paths oco could not chmod (owned by another user, read-only file system): left as they were. */
  refused: string[];
}

/**
 * Walks a directory tree: directories at most 0700, regular files at most 0600. Symbolic links are not
 * followed (their target is not oco's to change), nor are sockets or fifos touched.
 * A missing root is nothing to do.
 */
export function privatizeTree(root: string, out: Narrowed = { changed: [], refused: [] }): Narrowed {
  const visit = (path: string) => {
    const st = statOrUndefined(path);
    if (!st || !(st.isDirectory() || st.isFile())) return;
    const result = narrow(path, st.isDirectory() ? PRIVATE_DIR : PRIVATE_FILE, st);
    if (result === 'changed') out.changed.push(path);
    if (result === 'refused') out.refused.push(path);
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch {
      return;
    }
    for (const name of names) visit(join(path, name));
  };
  visit(root);
  return out;
}

const OCO_DIRS = ['configDir', 'dataDir', 'stateDir', 'logDir'] as const;

/**
 * Narrows oco's own directories (config, data, state with its logs) and everything in them,
 * whoever wrote it: files added by a part of oco this module does not know about are covered too.
 * `create` names the directories the caller is about to use, created 0700 when missing.
 */
export function privatizeOcoPaths(paths: OcoPaths, create: ReadonlyArray<(typeof OCO_DIRS)[number]> = []): Narrowed {
  const out: Narrowed = { changed: [], refused: [] };
  for (const dir of create) createPrivateDir(paths[dir]);
  for (const dir of OCO_DIRS) privatizeTree(paths[dir], out);
  return out;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Clears every permission bit outside `allowed` (group, other, set-id; execute on files), so 0755 → 0700
 * and 0644 → 0600, while an owner's own narrower choice (a 0500 directory, a 0400 file) is kept.
 */
function narrow(
  path: string,
  allowed: number,
  st: Stats | undefined = statOrUndefined(path),
): 'same' | 'changed' | 'refused' {
  const current = st ? st.mode & 0o7777 : undefined;
  if (current === undefined || (current & allowed) === current) return 'same';
  try {
    chmodSync(path, current & allowed);
    return 'changed';
  } catch (err) {
    // Removed since it was listed (a rotated log, a replayed spill file): nothing left to protect.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'same';
    // Not ours to change (another owner, a read-only mount): reported by the caller, never fatal to a read.
    return 'refused';
  }
}
