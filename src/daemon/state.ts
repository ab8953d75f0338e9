import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OcoPaths } from '../core/base/config/paths.js';
import { PRIVATE_FILE, ensurePrivateDir } from '../core/base/config/private-files.js';

/** What a running daemon tells other oco processes about itself (stateDir/proxy.json). */
export interface DaemonState {
  pid: number;
  host: string;
  port: number;
  url: string;
  startedAt: string;
  version: string;
  engine: string;
  logFile: string;
}

export function stateFile(paths: OcoPaths): string {
  return join(paths.stateDir, 'proxy.json');
}

export function spillDir(paths: OcoPaths): string {
  return join(paths.stateDir, 'spill');
}

/** The call journal's segments (see src/core/gateway/usage/call-journal.ts). */
export function callJournalDir(paths: OcoPaths): string {
  return join(paths.stateDir, 'journal');
}

export function readState(paths: OcoPaths): DaemonState | undefined {
  const file = stateFile(paths);
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as DaemonState;
    return Number.isInteger(s.pid) && s.pid > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Written atomically (temp file + rename) so a reader never sees half a file; 0600 even over a stale temp file. */
export function writeState(paths: OcoPaths, state: DaemonState): void {
  ensurePrivateDir(paths.stateDir);
  const file = stateFile(paths);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: PRIVATE_FILE });
  chmodSync(`${file}.tmp`, PRIVATE_FILE);
  renameSync(`${file}.tmp`, file);
}

/** Removes the state file only if it still describes this pid (a newer daemon may have replaced it). */
export function clearState(paths: OcoPaths, pid: number): void {
  const s = readState(paths);
  if (!s || s.pid === pid) rmSync(stateFile(paths), { force: true });
}

export function removeState(paths: OcoPaths): void {
  rmSync(stateFile(paths), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a live pid is an oco daemon and not an unrelated process that reused the number. */
export function looksLikeDaemon(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('daemon/main.js') || (cmd.includes('proxy') && cmd.includes('--foreground'));
  } catch {
    // No /proc (macOS): trust the pid.
    return isAlive(pid);
  }
}

export { version } from '../core/base/version.js';
