import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ensurePrivateDir, openPrivateFile } from '../core/base/config/private-files.js';
import type { OcoConfig } from '../core/base/config/resolve.js';
import { ExitCode, OcoError, OperationError, UnreachableError } from '../core/base/errors.js';
import { isErrorCode } from '../core/base/error-codes.js';
import { logFilePath } from '../core/base/log/logger.js';
import { isAlive, looksLikeDaemon, readState, removeState, type DaemonState } from './state.js';
import { isSingleBinary } from '../core/base/runtime.js';

export interface DaemonStatus {
  running: true;
  pid: number;
  url: string;
  host: string;
  port: number;
  version: string;
  engine: string;
  startedAt: string;
  uptimeSeconds: number;
  requestsServed: number;
  inFlight: number;
  recordsQueued: number;
  spillFiles: number;
  logFile: string;
}

/** The daemon described by the state file, if it is really running; a stale file is removed. */
export function runningDaemon(config: OcoConfig): DaemonState | undefined {
  const s = readState(config.paths);
  if (!s) return undefined;
  if (isAlive(s.pid) && looksLikeDaemon(s.pid)) return s;
  removeState(config.paths);
  return undefined;
}

/**
 * The body of the gateway's GET /health (snake_case, as the admin API); a missing version or engine falls back to
 * the state file's.
 */
export interface HealthBody {
  status: string;
  pid: number;
  version?: string;
  engine?: string;
  uptime_s: number;
  requests_served: number;
  in_flight: number;
  records_queued: number;
  spill_files: number;
}

export async function fetchHealth(url: string, timeoutMs = 2000): Promise<HealthBody | undefined> {
  try {
    const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return r.ok ? ((await r.json()) as HealthBody) : undefined;
  } catch {
    return undefined;
  }
}

export async function daemonStatus(config: OcoConfig): Promise<DaemonStatus> {
  const s = runningDaemon(config);
  if (!s)
    throw new UnreachableError('OCO_PROXY_NOT_RUNNING', 'the gateway is not running', {
      hint: 'Start it with "oco proxy start".',
    });
  const h = await fetchHealth(s.url);
  if (!h)
    throw new UnreachableError(
      'OCO_PROXY_UNRESPONSIVE',
      `the gateway (pid ${s.pid}) does not answer on ${s.url}/health`,
      { hint: 'See "oco proxy logs"; "oco proxy restart" replaces it.' },
    );
  return {
    running: true,
    pid: s.pid,
    url: s.url,
    host: s.host,
    port: s.port,
    version: h.version ?? s.version,
    engine: h.engine ?? s.engine,
    startedAt: s.startedAt,
    // /health is HTTP and keeps the admin API's snake_case; the status the CLI prints is camelCase.
    uptimeSeconds: h.uptime_s,
    requestsServed: h.requests_served,
    inFlight: h.in_flight,
    recordsQueued: h.records_queued,
    spillFiles: h.spill_files,
    logFile: s.logFile,
  };
}

/** Fails fast, naming the port, when something already listens there. */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new OperationError('OCO_PROXY_PORT_IN_USE', `port ${port} on ${host} is already in use`, {
            hint: `Stop what listens there, or start on another port: oco proxy start --port ${port + 1}.`,
          }),
        );
      } else {
        reject(
          new OperationError('OCO_PROXY_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, {
            hint: 'Check --host (an address of this machine) and --port.',
          }),
        );
      }
    });
    srv.listen(port, host, () => srv.close(() => resolvePromise()));
  });
}

export function tailLines(file: string, n: number): string[] {
  return readTail(file, n).lines;
}

/** The last n lines and the size they were read up to, where following must start (a line written since is new). */
export function readTail(file: string, n: number): { lines: string[]; end: number } {
  if (!existsSync(file)) return { lines: [], end: 0 };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, Math.max(64 * 1024, n * 2048));
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    if (len < size) lines.shift();
    return { lines: lines.slice(-n), end: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes what is appended to a log file from byte `from` on, polling every 250 ms and starting
 * over when the file shrinks (rotated), until SIGINT or SIGTERM.
 */
export function followLog(file: string, from: number, write: (chunk: Buffer) => void): Promise<void> {
  let pos = from;
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!existsSync(file)) return;
      const size = statSync(file).size;
      if (size < pos) pos = 0; // rotated: the new file starts over
      if (size === pos) return;
      const fd = openSync(file, 'r');
      const buf = Buffer.alloc(size - pos);
      readSync(fd, buf, 0, buf.length, pos);
      closeSync(fd);
      pos = size;
      write(buf);
    }, 250);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * How the detached daemon is run. Installed from npm, node runs dist/daemon/main.js, which loads only
 * the gateway's modules. Per-call objects are small and short-lived: a small young generation and V8's
 * size-over-speed mode keep its memory flat under load (about 137 MB instead of 170 MB peak with 512
 * streams, same latency). A single binary (Node SEA, scripts/build-binary.js) runs only its own CLI, so
 * it runs `oco proxy start --foreground`; NODE_OPTIONS carries the young-generation size (V8 refuses
 * --optimize-for-size there).
 */
function daemonCommand(opts: { host: string; port: number; metricsPort?: number }): {
  args: string[];
  env: Record<string, string>;
} {
  const where = ['--host', opts.host, '--port', String(opts.port)];
  if (opts.metricsPort !== undefined) where.push('--metrics-port', String(opts.metricsPort));
  if (isSingleBinary()) {
    const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
    return {
      args: ['proxy', 'start', '--foreground', ...where],
      env: { NODE_OPTIONS: `${inherited}--max-semi-space-size=1` },
    };
  }
  return {
    args: ['--max-semi-space-size=1', '--optimize-for-size', resolve(import.meta.dirname, 'main.js'), ...where],
    env: {},
  };
}

/**
 * Starts the daemon detached (its own session, output to the log directory) and
 * returns once /health answers with the child's pid. If the child exits first,
 * the error carries the last log lines.
 */
export async function startDetached(
  config: OcoConfig,
  opts: { host: string; port: number; metricsPort?: number; timeoutMs?: number },
): Promise<DaemonState> {
  await assertPortFree(opts.host, opts.port);
  ensurePrivateDir(config.paths.logDir);
  const errFile = join(config.paths.logDir, 'proxy.stderr');
  const errFd = openPrivateFile(errFile, 'w');
  const { args, env } = daemonCommand(opts);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'ignore', errFd],
    // Few malloc arenas: the writer thread and libuv's pool otherwise each grow their own, and RSS with them.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env },
  });
  closeSync(errFd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    const h = await fetchHealth(url, 500);
    if (h && h.pid === child.pid) {
      const s = readState(config.paths);
      if (s && s.pid === child.pid) return s;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (exited === undefined) child.kill('SIGKILL');
  const stderrLines = readFileSync(errFile, 'utf8').split('\n').filter(Boolean);
  const typed = typedError(stderrLines);
  if (typed) throw typed;
  const lines = [...tailLines(logFilePath(config.paths.logDir), 10), ...stderrLines.slice(-10)];
  // The single binary's daemon is the CLI itself: it exits with the documented code but writes no JSON line.
  const exitCode =
    exited === ExitCode.usage || exited === ExitCode.unreachable || exited === ExitCode.policy
      ? exited
      : ExitCode.failure;
  const why = exited !== undefined ? ` (exit code ${exited})` : ' within the timeout';
  throw new OcoError(
    'OCO_PROXY_START_FAILED',
    `the gateway did not start${why}; last log lines:\n${lines.join('\n')}`,
    exitCode,
    {
      hint: `See ${logFilePath(config.paths.logDir)} and ${errFile}.`,
    },
  );
}

/**
 * The typed error the daemon died of (main.ts writes it as one JSON line to its stderr), so
 * that the start fails with that error's code and exit code: an unreachable database is 3.
 */
function typedError(stderrLines: readonly string[]): OcoError | undefined {
  for (const line of [...stderrLines].reverse()) {
    if (!line.startsWith('{"error":')) continue;
    try {
      const e = (
        JSON.parse(line) as {
          error: {
            code: string;
            message: string;
            hint?: string;
            exitCode: ExitCode;
            details?: Record<string, unknown>;
          };
        }
      ).error;
      // A daemon of another version may name a code this one does not know: it keeps its exit code, under the start
      // failure's code.
      return new OcoError(
        isErrorCode(e.code) ? e.code : 'OCO_PROXY_START_FAILED',
        `the gateway did not start: ${e.message}`,
        e.exitCode,
        { hint: e.hint, details: e.details },
      );
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** SIGTERM, then wait for the drain to finish (drain timeout + margin). */
export async function stopDaemon(config: OcoConfig): Promise<{ stopped: boolean; pid?: number }> {
  const s = runningDaemon(config);
  if (!s) return { stopped: false };
  process.kill(s.pid, 'SIGTERM');
  const deadline = Date.now() + config.int('proxy.drainTimeoutMs') + 15_000;
  while (Date.now() < deadline) {
    if (!isAlive(s.pid)) {
      removeState(config.paths);
      return { stopped: true, pid: s.pid };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new OperationError('OCO_PROXY_STOP_TIMEOUT', `the gateway (pid ${s.pid}) did not exit after SIGTERM`, {
    hint: `It may be stuck; kill it with "kill -9 ${s.pid}" (usage records of the last second may be lost).`,
  });
}
