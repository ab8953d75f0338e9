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
 * bounded in time and count; loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  /** The direct target whose latency this one's added latency is measured against. */
  floor?: string;
}

interface Point {
  lat: number[];
  n: number;
  seconds: number;
  errors: number;
}

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
  await pool.close();
  return { lat, n: lat.length, seconds, errors };
}

interface Daemon {
  url: string;
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
  await new Promise<void>((res, rej) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'proxy', 'start', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`oco proxy start (${root}) failed: ${out}`))));
  });
  return { url: `http://127.0.0.1:${port}`, env, root, home };
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
      path: '/v1/proxy/openai/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
      floor: 'direct openai',
    },
    {
      name: 'oco passthrough anthropic',
      origin: oco.url,
      path: '/v1/proxy/anthropic/v1/messages',
      headers: ANTHROPIC_HEADERS,
      body: MESSAGES,
      floor: 'direct anthropic',
    },
    {
      name: 'oco translated openai',
      origin: oco.url,
      path: '/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('gpt-4o-mini'),
      floor: 'direct openai',
    },
    {
      name: 'oco translated anthropic',
      origin: oco.url,
      path: '/v1/chat/completions',
      headers: OPENAI_HEADERS,
      body: CHAT('claude-sonnet-4-5'),
      floor: 'direct anthropic',
    },
  ];
  for (const t of targets) await load(t, 1, WARMUP_MS, false);
  const points = new Map<string, Point>(targets.map((t) => [t.name, { lat: [], n: 0, seconds: 0, errors: 0 }]));
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
    }
  }
  const stats = new Map(
    targets.map((t) => {
      const p = points.get(t.name)!;
      const lat = [...p.lat].sort((a, b) => a - b);
      return [t.name, { rps: p.n / p.seconds, p50: pct(lat, 50), p99: pct(lat, 99), errors: p.errors }];
    }),
  );
  console.log(`part 1: concurrency 1, ${ROUNDS} rounds × ${SECONDS} s per target, load average ${load1()} at the end`);
  const w = [26, 7, 7, 7, 9, 9, 6];
  console.log(row(['target', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'errors'], w));
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
        ],
        w,
      ),
    );
  }
  for (const p of ['openai', 'anthropic']) {
    const tr = stats.get(`oco translated ${p}`)!;
    const pa = stats.get(`oco passthrough ${p}`)!;
    console.log(
      `translated − passthrough (${p}): p50 ${(tr.p50 - pa.p50).toFixed(3)} ms (target ≤ 0.3), p99 ${(tr.p99 - pa.p99).toFixed(3)} ms; latency ratio p50 ${(tr.p50 / pa.p50).toFixed(2)}, req/s ratio ${(tr.rps / pa.rps).toFixed(2)}`,
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
  const w = [5, 20, 7, 7, 7, 9, 6];
  console.log(row(['build', 'path', 'req/s', 'p50 ms', 'p99 ms', 'added p50', 'load1'], w));
  const ratios = new Map<
    string,
    { base: Array<{ rps: number; p50: number }>; oco: Array<{ rps: number; p50: number }> }
  >(paths.map((p) => [p.name, { base: [], oco: [] }]));
  const order = Array.from({ length: AB_RUNS }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? 'base' : 'oco'));
  for (const which of order) {
    const d = which === 'base' ? base : oco;
    for (const p of paths) {
      const floor = await load(direct, p.c, 500);
      const r = await load(target(d, p.path), p.c, SECONDS * 1000);
      const lat = [...r.lat].sort((a, b) => a - b);
      const fl = [...floor.lat].sort((a, b) => a - b);
      const rps = r.n / r.seconds;
      const p50 = pct(lat, 50);
      ratios.get(p.name)![which as 'base' | 'oco'].push({ rps, p50: p50 - pct(fl, 50) });
      console.log(
        row(
          [
            which,
            p.name,
            rps.toFixed(0),
            p50.toFixed(3),
            pct(lat, 99).toFixed(3),
            (p50 - pct(fl, 50)).toFixed(3),
            load1(),
          ],
          w,
        ),
      );
    }
  }
  for (const p of paths) {
    const r = ratios.get(p.name)!;
    const m = (xs: Array<{ rps: number; p50: number }>, k: 'rps' | 'p50') => median(xs.map((x) => x[k]));
    console.log(
      `${p.name}: median req/s oco/base ${(m(r.oco, 'rps') / m(r.base, 'rps')).toFixed(3)}, median added p50 base ${m(r.base, 'p50').toFixed(3)} ms, oco ${m(r.oco, 'p50').toFixed(3)} ms`,
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
