/**
 * The unified endpoint's cost at concurrency 1, side by side in one run: the mock
 * upstream reached directly (OpenAI chat completions and Anthropic Messages), the bare
 * node:http + undici forwarder (the floor), and the real detached oco daemon on the
 * passthrough (`/v1/proxy/<provider>/…`) and on the translated route
 * (`/v1/chat/completions` to an OpenAI and to an Anthropic model). Each route's added
 * latency is measured against the direct call of the same upstream request; the
 * translated call's extra cost is its added latency minus the passthrough's.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/proxy/unified.ts
 *   BENCH_BASELINE_ROOT=/tmp/before npx tsx bench/proxy/unified.ts
 *
 * With BENCH_BASELINE_ROOT (a checkout whose dist/ is built, e.g. the commit before
 * routing landed) a second part alternates that build's daemon and this one
 * (base,oco,oco,base,…), `route.strategy` off and no cache on both, on the passthrough
 * (c=1 and c=16) and the unified route to OpenAI (c=1), each line with the 1-minute
 * load average, then the medians of oco/base.
 *
 * BENCH_SECONDS per point (default 2), BENCH_ROUNDS rounds of part one (default 3, the
 * order rotating), BENCH_AB_RUNS daemons in part two (default 8). Every loop is
 * bounded in time and count; loopback only. Besides wall-clock latency, each oco line
 * gives the daemon's CPU time per call (utime+stime of all its threads over the calls
 * served), which other load on a shared machine changes much less than latency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { freePort } from '../../test/helpers/net.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AB_RUNS = Number(process.env.BENCH_AB_RUNS ?? 8);
const WARMUP_MS = 1000;
const MAX_REQUESTS_PER_POINT = 200_000;

const CHAT = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Say ok.' }] });
/** What the translation sends Anthropic for CHAT('claude-sonnet-4-5'), so the direct call is the same request. */
const MESSAGES = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Say ok.' }] }],
});
const OPENAI_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
const ANTHROPIC_HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'sk-bench',
  'anthropic-version': '2023-06-01',
};

interface Target {
  name: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The process whose CPU time is read (the oco daemon). */
  pid?: number;
  /** The direct target whose latency this one's added latency is measured against. */
  floor?: string;
}

interface Point {
  lat: number[];
  n: number;
  seconds: number;
  errors: number;
  /** CPU ticks (1/100 s) the measured process used during the point; 0 without a pid. */
  ticks: number;
}

const TICK_US = 1e6 / 100; // USER_HZ

function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]);
}
const cpuPerCall = (p: { ticks: number; n: number }) => (p.ticks > 0 ? ((p.ticks * TICK_US) / p.n).toFixed(0) : '');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load1 = () => loadavg()[0]!.toFixed(2);

async function waitHttp(url: string, init: RequestInit = {}, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** Closed-loop load: `concurrency` callers, each sending the next request when the last one ended. */
async function load(t: Target, concurrency: number, ms: number, record = true): Promise<Point> {
  const pool = new Pool(t.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const lat: number[] = [];
  let errors = 0;
  const ticks0 = cpuTicks(t.pid);
  const start = performance.now();
  const until = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until && lat.length < MAX_REQUESTS_PER_POINT) {
        const t0 = performance.now();
        try {
          const r = await pool.request({ path: t.path, method: 'POST', headers: t.headers, body: t.body });
          await r.body.dump();
          if (r.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        if (record) lat.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const ticks = cpuTicks(t.pid) - ticks0;
  await pool.close();
  return { lat, n: lat.length, seconds, errors, ticks };
}

interface Daemon {
  url: string;
  pid: number;
  env: NodeJS.ProcessEnv;
  root: string;
  home: string;
}

async function startDaemon(root: string, upstream: string): Promise<Daemon> {
  const home = mkdtempSync(join(tmpdir(), 'oco-bench-unified-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OCO_HOME: home,
    OCO_PROXY_PORT: String(port),
    OCO_OPENAI_BASE_URL: upstream,
    OCO_ANTHROPIC_BASE_URL: upstream,
    OCO_ROUTE_STRATEGY: 'off',
    OCO_LOG_LEVEL: process.env.OCO_LOG_LEVEL ?? 'info',
  };
  for (const k of ['DATABASE_URL', 'POSTGRES_HOST', 'REDIS_URL', 'REDIS_HOST', 'OCO_PROXY_API_KEY']) delete env[k];
  const started = await new Promise<{ pid: number }>((res, rej) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'proxy', 'start', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) =>
      code === 0 ? res(JSON.parse(out)) : rej(new Error(`oco proxy start (${root}) failed: ${out}`)),
    );
  });
  return { url: `http://127.0.0.1:${port}`, pid: started.pid, env, root, home };
}

async function stopDaemon(d: Daemon): Promise<void> {
  await new Promise<void>((res) => {
    const p = spawn(process.execPath, [join(d.root, 'bin', 'run.js'), 'proxy', 'stop'], {
      env: d.env,
      stdio: 'ignore',
    });
    p.on('close', () => res());
  });
  rmSync(d.home, { recursive: true, force: true });
}

const row = (cells: Array<string | number>, widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

async function translatedVsPassthrough(mockUrl: string, bareUrl: string, oco: Daemon): Promise<void> {
  const targets: Target[] = [
    {
      name: 'direct openai',
      origin: mockUrl,
      path: '/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
    },
    { name: 'direct anthropic', origin: mockUrl, path: '/v1/messages', headers: ANTHROPIC_HEADERS, body: MESSAGES },
    {
      name: 'bare forwarder',
      origin: bareUrl,
      path: '/v1/proxy/openai/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
      floor: 'direct openai',
    },
    {
      name: 'oco passthrough openai',
      origin: oco.url,
      pid: oco.pid,
      path: '/v1/proxy/openai/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
      floor: 'direct openai',
    },
    {
      name: 'oco passthrough anthropic',
      origin: oco.url,
      pid: oco.pid,
      path: '/v1/proxy/anthropic/v1/messages',
      headers: ANTHROPIC_HEADERS,
      body: MESSAGES,
      floor: 'direct anthropic',
    },
    {
      name: 'oco translated openai',
      origin: oco.url,
      pid: oco.pid,
      path: '/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
      floor: 'direct openai',
    },
    {
      name: 'oco translated anthropic',
      origin: oco.url,
      pid: oco.pid,
      path: '/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('claude-sonnet-4-5'),
      floor: 'direct anthropic',
    },
  ];
  for (const t of targets) await load(t, 1, WARMUP_MS, false);
  const points = new Map<string, Point>(
    targets.map((t) => [t.name, { lat: [], n: 0, seconds: 0, errors: 0, ticks: 0 }]),
  );
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no target always runs first (or right after a warm one).
    const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
    for (const t of order) {
      const p = await load(t, 1, SECONDS * 1000);
      const acc = points.get(t.name)!;
      acc.lat.push(...p.lat);
      acc.n += p.n;
      acc.seconds += p.seconds;
      acc.errors += p.errors;
      acc.ticks += p.ticks;
    }
  }
  const stats = new Map(
    targets.map((t) => {
      const p = points.get(t.name)!;
      const lat = [...p.lat].sort((a, b) => a - b);
      const cpu = cpuPerCall(p);
      return [t.name, { rps: p.n / p.seconds, p50: pct(lat, 50), p99: pct(lat, 99), errors: p.errors, cpu }];
    }),
  );
  console.log(`part 1: concurrency 1, ${ROUNDS} rounds × ${SECONDS} s per target, load average ${load1()} at the end`);
  const w = [26, 7, 7, 7, 9, 9, 6, 11];
  console.log(row(['target', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'errors', 'CPU µs/call'], w));
  for (const t of targets) {
    const s = stats.get(t.name)!;
    const f = t.floor ? stats.get(t.floor)! : undefined;
    console.log(
      row(
        [
          t.name,
          s.rps.toFixed(0),
          s.p50.toFixed(3),
          s.p99.toFixed(3),
          f ? (s.p50 - f.p50).toFixed(3) : '',
          f ? (s.p99 - f.p99).toFixed(3) : '',
          s.errors,
          s.cpu,
        ],
        w,
      ),
    );
  }
  for (const p of ['openai', 'anthropic']) {
    const tr = stats.get(`oco translated ${p}`)!;
    const pa = stats.get(`oco passthrough ${p}`)!;
    console.log(
      `translated − passthrough (${p}): p50 ${(tr.p50 - pa.p50).toFixed(3)} ms (target ≤ 0.3), p99 ${(tr.p99 - pa.p99).toFixed(3)} ms; latency ratio p50 ${(tr.p50 / pa.p50).toFixed(2)}, req/s ratio ${(tr.rps / pa.rps).toFixed(2)}, daemon CPU ${tr.cpu} vs ${pa.cpu} µs/call`,
    );
  }
}

async function beforeAfter(mockUrl: string, oco: Daemon, base: Daemon): Promise<void> {
  const paths = [
    { name: 'passthrough c=1', path: '/v1/proxy/openai/v1/chat/completions', c: 1 },
    { name: 'passthrough c=16', path: '/v1/proxy/openai/v1/chat/completions', c: 16 },
    { name: 'unified openai c=1', path: '/v1/chat/completions', c: 1 },
  ];
  const target = (d: Daemon, path: string): Target => ({
    name: path,
    origin: d.url,
    pid: d.pid,
    path,
    headers: OPENAI_HEADERS,
    body: CHAT('gpt-4o-mini'),
  });
  const direct: Target = {
    name: 'direct',
    origin: mockUrl,
    path: '/v1/chat/completions',
    headers: OPENAI_HEADERS,
    body: CHAT('gpt-4o-mini'),
  };
  for (const d of [base, oco]) for (const p of paths) await load(target(d, p.path), p.c, WARMUP_MS, false);
  console.log(`\npart 2: route.strategy off, no cache — ${BASELINE_ROOT} (base) vs this build (oco), alternated`);
  const w = [5, 20, 7, 7, 7, 9, 11, 6];
  console.log(row(['build', 'path', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'CPU µs/call', 'load1'], w));
  type Run = { rps: number; p50: number; cpu: number };
  const runs = new Map<string, { base: Run[]; oco: Run[] }>(paths.map((p) => [p.name, { base: [], oco: [] }]));
  const order = Array.from({ length: AB_RUNS }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? 'base' : 'oco'));
  for (const which of order) {
    const d = which === 'base' ? base : oco;
    for (const p of paths) {
      const floor = await load(direct, p.c, 500);
      const r = await load(target(d, p.path), p.c, SECONDS * 1000);
      const lat = [...r.lat].sort((a, b) => a - b);
      const added =
        pct(lat, 50) -
        pct(
          [...floor.lat].sort((a, b) => a - b),
          50,
        );
      const run = { rps: r.n / r.seconds, p50: added, cpu: (r.ticks * TICK_US) / r.n };
      runs.get(p.name)![which].push(run);
      const cells = [which, p.name, run.rps.toFixed(0), pct(lat, 50).toFixed(3), pct(lat, 99).toFixed(3)];
      console.log(row([...cells, added.toFixed(3), run.cpu.toFixed(0), load1()], w));
    }
  }
  const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
  for (const p of paths) {
    const r = runs.get(p.name)!;
    console.log(
      `${p.name}: median req/s oco/base ${(m(r.oco, 'rps') / m(r.base, 'rps')).toFixed(3)}; median added p50 base ${m(r.base, 'p50').toFixed(3)} ms, oco ${m(r.oco, 'p50').toFixed(3)} ms; median CPU per call base ${m(r.base, 'cpu').toFixed(0)} µs, oco ${m(r.oco, 'cpu').toFixed(0)} µs (oco/base ${(m(r.oco, 'cpu') / m(r.base, 'cpu')).toFixed(3)})`,
    );
  }
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const daemons: Daemon[] = [];
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });
  try {
    const mockPort = await freePort();
    const mock = spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), String(mockPort)], {
      stdio: 'ignore',
    });
    children.push(mock);
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    await waitHttp(`${mockUrl}/v1/chat/completions`, { method: 'POST', body: CHAT('gpt-4o-mini') });
    const barePort = await freePort();
    const bare = spawn(process.execPath, [join(import.meta.dirname, 'bare-proxy.mjs'), String(barePort), mockUrl], {
      stdio: 'ignore',
    });
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await waitHttp(`${bareUrl}/v1/proxy/openai/v1/chat/completions`, { method: 'POST', body: CHAT('gpt-4o-mini') });
    const oco = await startDaemon(ROOT, mockUrl);
    daemons.push(oco);
    const base = BASELINE_ROOT ? await startDaemon(BASELINE_ROOT, mockUrl) : undefined;
    if (base) daemons.push(base);

    console.log(
      `oco unified endpoint benchmark — ${new Date().toISOString()}, node ${process.version}, loopback, load average ${load1()}`,
    );
    console.log(
      `command: npx tsc -p tsconfig.build.json && ${BASELINE_ROOT ? `BENCH_BASELINE_ROOT=${BASELINE_ROOT} ` : ''}BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS} BENCH_AB_RUNS=${AB_RUNS} npx tsx bench/proxy/unified.ts\n`,
    );
    await translatedVsPassthrough(mockUrl, bareUrl, oco);
    if (base) await beforeAfter(mockUrl, oco, base);
  } finally {
    for (const d of daemons) await stopDaemon(d);
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  }
}

await main();
process.exit(0);
