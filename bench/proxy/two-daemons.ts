/**
 * What the A/B benchmarks of one gateway feature share (journal.ts, metrics.ts, tracing.ts): real detached daemons
 * on SQLite in front of one loopback mock, started with only the environment the comparison sets, loaded in turn by
 * loadgen.mjs in its own process, and measured by req/s and by the daemon's CPU per request (/proc utime + stime,
 * all threads: what contention on a shared machine disturbs least).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/helpers/net.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OCO = join(ROOT, 'bin', 'run.js');
export const BENCH_PATH = '/v1/proxy/openai/v1/chat/completions';

export interface Daemon {
  name: string;
  home: string;
  env: NodeJS.ProcessEnv;
  url: string;
  pid: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/** Settings of the caller's shell that would make the two daemons differ from what the comparison sets. */
const STRIPPED = ['DATABASE_URL', 'POSTGRES_HOST', 'REDIS_URL', 'REDIS_HOST', 'OCO_PROXY_API_KEY', 'OCO_ADMIN_API_KEY'];

/** A detached daemon in its own home, with `extra` as the only difference from its twin. */
export async function startDaemon(name: string, mockUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const home = mkdtempSync(join(tmpdir(), `oco-bench-${name}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OCO_HOME: home,
    OCO_PROXY_PORT: String(port),
    OCO_OPENAI_BASE_URL: mockUrl,
    OCO_LOG_LEVEL: 'info',
  };
  for (const k of Object.keys(env))
    if (STRIPPED.includes(k) || k.startsWith('OTEL_') || k.startsWith('OCO_BENCH_')) delete env[k];
  Object.assign(env, extra);
  const { pid } = JSON.parse(await run([OCO, 'proxy', 'start', '--json'], env)) as { pid: number };
  return { name, home, env, url: `http://127.0.0.1:${port}`, pid };
}

export async function stopDaemon(d: Daemon): Promise<void> {
  await run([OCO, 'proxy', 'stop'], d.env).catch(() => '');
}

/** CPU seconds the process has used (user + system, /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** loadgen.mjs against one daemon for `ms`: calls made, req/s, the daemon's CPU µs per call, errors. */
export async function loadFor(
  d: Daemon,
  ms: number,
  o: { concurrency: number; stream?: boolean },
): Promise<{ n: number; rps: number; cpuUsPerReq: number; errors: number }> {
  const cpu0 = cpuSeconds(d.pid);
  const args = [join(import.meta.dirname, 'loadgen.mjs'), d.url, BENCH_PATH, String(o.concurrency), String(ms)];
  const out = await run([...args, ...(o.stream ? ['stream'] : [])], process.env);
  const { n, errors } = JSON.parse(out) as { n: number; errors: number };
  return { n, rps: n / (ms / 1000), cpuUsPerReq: ((cpuSeconds(d.pid) - cpu0) * 1e6) / n, errors };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
