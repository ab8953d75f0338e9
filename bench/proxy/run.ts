/**
 * Gateway benchmark: one loopback mock upstream reached directly, through oco
 * (the real detached daemon, recording to SQLite) and through the Portkey
 * gateway, side by side in one run.
 *
 *   npx tsx bench/proxy/run.ts            (after npx tsc -p tsconfig.build.json)
 *   BENCH_SECONDS=5 npx tsx bench/proxy/run.ts
 *
 * A bare node:http + undici forwarder (bare-proxy.mjs) runs beside them as the
 * floor any Node gateway starts from on the machine.
 *
 * Measures requests/s and added p50/p99 latency at concurrency 1, 16 and 64;
 * time to first byte and inter-chunk gaps of 512 concurrent streams; peak RSS
 * of each gateway. Every loop is bounded in time and count; loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { freePort } from '../../test/helpers/net.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_MS = 1000;
const MAX_REQUESTS_PER_POINT = 2_000_000;
const STREAMS = Number(process.env.BENCH_STREAMS ?? 512);
const CHUNKS = 20;
const GAP_MS = 50;
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say ok.' }] });
const STREAM_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Count.' }],
  stream: true,
});

interface Target {
  name: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  pid?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function load(
  t: Target,
  concurrency: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const pool = new Pool(t.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const lat: number[] = [];
  let errors = 0;
  let count = 0;
  const run = async (until: number, record: boolean) => {
    while (performance.now() < until && count < MAX_REQUESTS_PER_POINT) {
      const t0 = performance.now();
      try {
        const r = await pool.request({ path: t.path, method: 'POST', headers: t.headers, body: BODY });
        await r.body.dump();
        if (r.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      if (record) {
        lat.push(performance.now() - t0);
        count++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => run(performance.now() + WARMUP_MS, false)));
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => run(start + SECONDS * 1000, true)));
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

async function streams(
  t: Target,
): Promise<{ ttfbP50: number; ttfbP99: number; gapP99: number; gapMax: number; completed: number }> {
  const pool = new Pool(t.origin, { connections: STREAMS, pipelining: 1 });
  const ttfb: number[] = [];
  const gaps: number[] = [];
  let completed = 0;
  const deadline = AbortSignal.timeout(60_000);
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const t0 = performance.now();
      try {
        const r = await pool.request({
          path: t.path,
          method: 'POST',
          headers: { ...t.headers, 'x-bench-chunks': String(CHUNKS), 'x-bench-gap-ms': String(GAP_MS) },
          body: STREAM_BODY,
          signal: deadline,
        });
        let last = 0;
        let text = '';
        for await (const c of r.body) {
          const now = performance.now();
          if (last === 0) ttfb.push(now - t0);
          else gaps.push(now - last);
          last = now;
          text += c.toString();
        }
        if (text.includes('[DONE]')) completed++;
      } catch {
        // counted as not completed
      }
    }),
  );
  await pool.close();
  ttfb.sort((a, b) => a - b);
  gaps.sort((a, b) => a - b);
  return {
    ttfbP50: pct(ttfb, 50),
    ttfbP99: pct(ttfb, 99),
    gapP99: pct(gaps, 99),
    gapMax: gaps[gaps.length - 1] ?? NaN,
    completed,
  };
}

function peakRssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const home = mkdtempSync(join(tmpdir(), 'oco-bench-'));
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('exit', cleanup);
  try {
    const mockPort = await freePort();
    const mock = spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), String(mockPort)], {
      stdio: 'ignore',
    });
    children.push(mock);
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    await waitHttp(`${mockUrl}/v1/chat/completions`, { method: 'POST', body: BODY });

    const ocoPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OCO_HOME: home,
      OCO_PROXY_PORT: String(ocoPort),
      OCO_OPENAI_BASE_URL: mockUrl,
      OCO_LOG_LEVEL: process.env.OCO_LOG_LEVEL ?? 'info',
    };
    // OCO_BENCH_NODE_OPTIONS (e.g. --cpu-prof) reaches only the oco processes, for profiling the daemon.
    if (process.env.OCO_BENCH_NODE_OPTIONS) env.NODE_OPTIONS = process.env.OCO_BENCH_NODE_OPTIONS;
    for (const k of ['DATABASE_URL', 'POSTGRES_HOST', 'REDIS_URL', 'REDIS_HOST', 'OCO_PROXY_API_KEY']) delete env[k];
    const started = await new Promise<{ pid: number }>((res, rej) => {
      const p = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'proxy', 'start', '--json'], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('close', (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`oco proxy start failed: ${out}`))));
    });
    const ocoUrl = `http://127.0.0.1:${ocoPort}`;

    const portkeyPort = await freePort();
    const portkey = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${portkeyPort}`, '--headless'],
      { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } },
    );
    children.push(portkey);
    const portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
    const portkeyHeaders = {
      'content-type': 'application/json',
      authorization: 'Bearer sk-bench',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${mockUrl}/v1`,
    };
    await waitHttp(`${portkeyUrl}/v1/chat/completions`, { method: 'POST', headers: portkeyHeaders, body: BODY });

    // The floor: a bare node:http + undici forwarder (no parsing, pricing or recording), measured the same way.
    const barePort = await freePort();
    const bare = spawn(process.execPath, [join(import.meta.dirname, 'bare-proxy.mjs'), String(barePort), mockUrl], {
      stdio: 'ignore',
    });
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await waitHttp(`${bareUrl}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });

    const targets: Target[] = [
      {
        name: 'direct',
        origin: mockUrl,
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      },
      {
        name: 'bare',
        origin: bareUrl,
        path: '/v1/proxy/openai/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        pid: bare.pid,
      },
      {
        name: 'oco',
        origin: ocoUrl,
        path: '/v1/proxy/openai/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        pid: started.pid,
      },
      { name: 'portkey', origin: portkeyUrl, path: '/v1/chat/completions', headers: portkeyHeaders, pid: portkey.pid },
    ];

    console.log(
      `oco gateway benchmark — ${new Date().toISOString()}, node ${process.version}, ${SECONDS}s per point, loopback`,
    );
    console.log('command: npx tsc -p tsconfig.build.json && npx tsx bench/proxy/run.ts\n');
    const results: Record<string, Record<number, Awaited<ReturnType<typeof load>>>> = {};
    for (const c of [1, 16, 64]) {
      for (const t of targets) {
        (results[t.name] ??= {})[c] = await load(t, c);
      }
    }
    console.log('non-streaming chat completions');
    console.log('concurrency  target    req/s     p50 ms  p99 ms  added p50  added p99  errors');
    for (const c of [1, 16, 64]) {
      const d = results.direct![c]!;
      for (const t of targets) {
        const r = results[t.name]![c]!;
        const added = t.name === 'direct' ? ['', ''] : [(r.p50 - d.p50).toFixed(3), (r.p99 - d.p99).toFixed(3)];
        console.log(
          `${String(c).padEnd(13)}${t.name.padEnd(10)}${r.rps.toFixed(0).padStart(6)}  ${r.p50.toFixed(3).padStart(8)}  ${r.p99.toFixed(3).padStart(6)}  ${added[0]!.padStart(9)}  ${added[1]!.padStart(9)}  ${r.errors}`,
        );
      }
    }
    const c64 = (n: string) => results[n]![64]!.rps;
    console.log(
      `\nat concurrency 64: oco/portkey = ${(c64('oco') / c64('portkey')).toFixed(1)}x, bare/portkey = ${(c64('bare') / c64('portkey')).toFixed(1)}x, oco/direct = ${((100 * c64('oco')) / c64('direct')).toFixed(0)} %, bare/direct = ${((100 * c64('bare')) / c64('direct')).toFixed(0)} %, oco/bare = ${((100 * c64('oco')) / c64('bare')).toFixed(0)} %`,
    );

    console.log(`\n${STREAMS} concurrent streams, ${CHUNKS} chunks ${GAP_MS} ms apart`);
    console.log('target    completed  ttfb p50  ttfb p99  added ttfb p50  gap p99  gap max');
    const s: Record<string, Awaited<ReturnType<typeof streams>>> = {};
    // One warm-up round per target, so every path measures with its connections already open.
    for (const t of targets) {
      await streams(t);
      s[t.name] = await streams(t);
    }
    for (const t of targets) {
      const r = s[t.name]!;
      const added = t.name === 'direct' ? '' : (r.ttfbP50 - s.direct!.ttfbP50).toFixed(3);
      console.log(
        `${t.name.padEnd(10)}${String(r.completed).padStart(9)}  ${r.ttfbP50.toFixed(3).padStart(8)}  ${r.ttfbP99.toFixed(3).padStart(8)}  ${added.padStart(14)}  ${r.gapP99.toFixed(1).padStart(7)}  ${r.gapMax.toFixed(1).padStart(7)}`,
      );
    }
    console.log(
      `\npeak RSS: oco ${peakRssMb(started.pid).toFixed(1)} MB, portkey ${peakRssMb(portkey.pid).toFixed(1)} MB, bare ${peakRssMb(bare.pid).toFixed(1)} MB (bare: plain node, no memory flags)`,
    );

    await new Promise<void>((res) => {
      const p = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'proxy', 'stop'], { env, stdio: 'ignore' });
      p.on('close', () => res());
    });
    const { SqliteStore } = await import('../../src/core/base/store/sqlite.js');
    const store = new SqliteStore({ file: join(home, 'data', 'oco.db') });
    const row = await store.get<{ n: number }>('SELECT COUNT(*) AS n FROM api_requests');
    await store.close();
    console.log(`oco recorded ${row?.n} calls (every request of the run, warm-up included)`);
  } finally {
    cleanup();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
