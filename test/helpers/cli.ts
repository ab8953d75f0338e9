import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'run.js');

/** Variables a developer's shell may carry that would leak into a test's configuration. */
const ISOLATED_PREFIXES = [
  'OCO_',
  'DATABASE_URL',
  'POSTGRES_',
  'REDIS_',
  'OPENAI_',
  'ANTHROPIC_',
  'GOOGLE_',
  'GEMINI_',
  'AWS_',
  'AZURE_',
  'GCP_',
  'KUBECONFIG',
  'VELERO_',
  'XDG_',
];

export function isolatedEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!ISOLATED_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface TempHome {
  path: string;
  cleanup(): void;
}

export function tempHome(): TempHome {
  const path = mkdtempSync(join(tmpdir(), 'oco-test-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  home?: string;
  input?: string;
  timeoutMs?: number;
  cwd?: string;
  /** A command the CLI runs under, e.g. unshare (it gets node, the CLI and its arguments appended). */
  prefix?: string[];
  /** Close the reading end of stdout at once, as `oco … | head -1` does once it has its line. */
  closeStdout?: boolean;
}

/** Runs the built CLI as a child process, the way a user or a CI script does. */
export function runOco(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env = isolatedEnv({ ...(options.home ? { OCO_HOME: options.home } : {}), ...options.env });
  return new Promise((resolvePromise, reject) => {
    const argv = [...(options.prefix ?? []), process.execPath, BIN, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `oco ${args.join(' ')} timed out after ${options.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? -1,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(
              `stdout of "oco ${args.join(' ')}" is not one JSON document:\n${stdout}\nstderr: ${stderr}`,
            );
          }
        },
      });
    });
    child.stdin.end(options.input ?? '');
  });
}
