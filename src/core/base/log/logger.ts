import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { PRIVATE_FILE, ensurePrivateDir, ensurePrivateFile } from '../config/private-files.js';

export interface DaemonLogger {
  logger: Logger;
  file: string;
  /**
   * Resolves once the file is open. A daemon that fails right after start (port taken) must wait
   * for it: pino flushes at exit, and a flush before the asynchronous open throws over the real error.
   */
  ready: Promise<void>;
  /** Flushes and stops the rotation timer. */
  close(): void;
}

/** Header and field names that could carry a secret: masked even if a caller logs them by mistake. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers["x-oco-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'headers["x-oco-key"]',
  'apiKey',
  'key',
];

const KEEP = 3;

/**
 * The daemon's structured log: JSON lines via pino to an async file stream.
 * Size-capped: every few seconds the file is checked, and past maxBytes it is
 * renamed to .1 (.1 → .2 …, KEEP old files) and reopened. Callers log ids,
 * counts and timings only; request/response bodies and keys are never passed in.
 */
export function createDaemonLogger(options: {
  logDir: string;
  level: string;
  maxBytes: number;
  alsoStdout?: boolean;
}): DaemonLogger {
  ensurePrivateDir(options.logDir);
  const file = join(options.logDir, 'proxy.log');
  // Attribution and ids are in it: 0600, and a new file after rotation is created 0600 too (renamed ones keep it).
  ensurePrivateFile(file);
  // Lines are buffered up to 4 KiB and flushed at least every second: one write per batch, not per line.
  const dest = pino.destination({ dest: file, sync: false, minLength: 4096, mode: PRIVATE_FILE });
  // A log that cannot be written (disk full, directory removed) must not take the gateway down with it.
  dest.on('error', () => {});
  const streams: pino.StreamEntry[] = [{ stream: dest, level: options.level as pino.Level }];
  if (options.alsoStdout)
    streams.push({ stream: pino.destination({ dest: 1, sync: false }), level: options.level as pino.Level });
  const logger = pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
  const flusher = setInterval(() => dest.flush(), 1000);
  flusher.unref();
  const timer = setInterval(() => {
    try {
      if (statSync(file).size < options.maxBytes) return;
      dest.flushSync();
      for (let i = KEEP - 1; i >= 1; i--)
        if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      renameSync(file, `${file}.1`);
      dest.reopen();
    } catch {
      // A missing file (removed by hand) is recreated by the next reopen; nothing to report.
    }
  }, 2000);
  timer.unref();
  return {
    logger,
    file,
    ready: new Promise((resolve) => {
      dest.once('ready', resolve);
      // a log that cannot be opened must not keep the daemon from starting (see dest's error handler)
      dest.once('error', resolve);
    }),
    close() {
      clearInterval(timer);
      clearInterval(flusher);
      try {
        dest.flushSync();
      } catch {
        // Not open yet or already closed: nothing buffered to lose.
      }
      dest.end();
    },
  };
}

export function logFilePath(logDir: string): string {
  return join(logDir, 'proxy.log');
}
