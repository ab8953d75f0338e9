/**
 * CPU cost per request of the gateway daemon (and of a bare node:http + undici
 * forwarder for comparison), independent of wall-clock noise: process CPU time
 * (utime+stime, all threads) divided by requests served, plus the daemon's top
 * self-time functions from a V8 CPU profile.
 *
 *   npx tsx bench/proxy/profile.ts                   (after npx tsc -p tsconfig.build.json)
 *   PROFILE_SECONDS=5 PROFILE_CONCURRENCY=16 PROFILE_CPU=1 PROFILE_STREAM=0 npx tsx bench/proxy/profile.ts
 *
 * Two builds side by side in one run: PROFILE_BASELINE_ROOT names a checkout
 * whose dist/ is the baseline (target "base"); alternate the order, e.g.
 *   PROFILE_BASELINE_ROOT=/tmp/before PROFILE_TARGETS=base,oco,oco,base,base,oco npx tsx bench/proxy/profile.ts
 * Each line then ends with the 1-minute load average, and a summary gives oco/base.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { freePort } from '../../test/helpers/net.js';

const ROOT = process.env.PROFILE_ROOT ?? resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const C = Number(process.env.PROFILE_CONCURRENCY ?? 16);
const CPU_PROF = process.env.PROFILE_CPU === '1';
const STREAM = process.env.PROFILE_STREAM === '1';
const TARGETS = (process.env.PROFILE_TARGETS ?? 'oco,bare').split(',');
const BASELINE_ROOT = process.env.PROFILE_BASELINE_ROOT;
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say ok.' }],
  ...(STREAM ? { stream: true } : {}),
});
const TICK_US = 1e6 / 100; // USER_HZ

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitHttp(url: string, init: RequestInit = {}): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}
/** CPU ticks per thread name (main thread "node", V8 GC helpers, libuv pool, worker threads). */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')).replace(/\d+$/, '');
      const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(parts[11]) + Number(parts[12]));
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]);
}

async function load(origin: string, path: string, ms: number): Promise<{ n: number; errors: number; lat: number[] }> {
  const pool = new Pool(origin, { connections: C, pipelining: 1 });
  let n = 0;
  let errors = 0;
  const lat: number[] = [];
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const r = await pool.request({
            path,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer sk-bench',
              'x-bench-chunks': '5',
              'x-bench-gap-ms': '0',
            },
            body: BODY,
          });
          await r.body.dump();
          if (r.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - t0);
        n++;
      }
    }),
  );
  await pool.close();
  return { n, errors, lat };
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
function summarize(file: string, requests: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const agg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const name = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*\/(node_modules\/)?/, '')}:${cf.lineNumber + 1}`;
    if (cf.functionName === '(idle)') idle += us;
    else total += us;
    agg.set(name, (agg.get(name) ?? 0) + us);
  }
  console.log(
    `profile ${file}: busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms, ${(total / requests).toFixed(1)} µs busy/request (main thread)`,
  );
  const byFile = new Map<string, number>();
  for (const [k, us] of agg) {
    const f = k.split(' ').slice(1).join(' ').replace(/:\d+$/, '');
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  console.log(
    'by file: ' +
      [...byFile]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 25)
        .map(([f, us]) => `${f || '(native)'} ${(us / requests).toFixed(1)}`)
        .join(', '),
  );
  const top = [...agg]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(process.env.PROFILE_TOP ?? 35));
  for (const [k, us] of top)
    console.log(
      `${(us / requests).toFixed(2).padStart(8)} µs/req ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`,
    );
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const home = mkdtempSync(join(tmpdir(), 'oco-prof-'));
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  try {
    const mockPort = await freePort();
    children.push(
      spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), String(mockPort)], { stdio: 'ignore' }),
    );
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    await waitHttp(`${mockUrl}/v1/chat/completions`, { method: 'POST', body: BODY });
    const perCall = new Map<string, number[]>();
    let profDir = '';
    for (const name of TARGETS) {
      const port = await freePort();
      let child: ChildProcess;
      if (name === 'oco' || name === 'base') {
        if (name === 'base' && !BASELINE_ROOT) throw new Error('target "base" needs PROFILE_BASELINE_ROOT');
        const root = name === 'base' ? BASELINE_ROOT! : ROOT;
        // Each daemon its own home: two runs of one build must not share a journal or a pid file.
        const ocoHome = join(home, `${name}-${perCall.get(name)?.length ?? 0}`);
        profDir = join(ocoHome, 'prof');
        const env: NodeJS.ProcessEnv = {
          MALLOC_ARENA_MAX: '2',
          ...process.env,
          OCO_HOME: ocoHome,
          OCO_OPENAI_BASE_URL: mockUrl,
          OCO_LOG_LEVEL: 'info',
        };
        for (const k of [
          'DATABASE_URL',
          'POSTGRES_HOST',
          'REDIS_URL',
          'REDIS_HOST',
          'OCO_PROXY_API_KEY',
          'NODE_OPTIONS',
        ])
          delete env[k];
        const flags = [
          ...(process.env.PROFILE_FLAGS ?? '--max-semi-space-size=1 --optimize-for-size').split(' ').filter(Boolean),
          ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        ];
        child = spawn(
          process.execPath,
          [...flags, join(root, 'dist/daemon/main.js'), '--host', '127.0.0.1', '--port', String(port)],
          { env, stdio: ['ignore', process.env.PROFILE_STDOUT ? 'inherit' : 'ignore', 'inherit'] },
        );
      } else {
        child = spawn(process.execPath, [join(import.meta.dirname, 'bare-proxy.mjs'), String(port), mockUrl], {
          stdio: 'ignore',
        });
      }
      children.push(child);
      const origin = `http://127.0.0.1:${port}`;
      const path = '/v1/proxy/openai/v1/chat/completions';
      await waitHttp(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
        body: BODY,
      });
      await load(origin, path, 1500); // warm-up
      const t0 = cpuTicks(child.pid!);
      const th0 = threadTicks(child.pid!);
      const r = await load(origin, path, SECONDS * 1000);
      const cpu = (cpuTicks(child.pid!) - t0) * TICK_US;
      const th1 = threadTicks(child.pid!);
      r.lat.sort((a, b) => a - b);
      console.log(
        `${name}: c=${C} ${STREAM ? 'stream' : 'json'} ${r.n} requests in ${SECONDS}s (${(r.n / SECONDS).toFixed(0)}/s, ${r.errors} errors), p50 ${r.lat[Math.floor(r.n / 2)]!.toFixed(3)} ms, p99 ${r.lat[Math.floor(r.n * 0.99)]!.toFixed(3)} ms; process CPU ${(cpu / r.n).toFixed(1)} µs/request; load ${loadavg()[0]!.toFixed(2)}`,
      );
      perCall.set(name, [...(perCall.get(name) ?? []), cpu / r.n]);
      console.log(
        `  per thread µs/request: ${[...th1]
          .map(([k, v]) => [k, ((v - (th0.get(k) ?? 0)) * TICK_US) / r.n] as const)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
      );
      if (process.env.PROFILE_STREAMS) {
        // Peak memory as the benchmark drives it: rounds of N concurrent streams (20 chunks 50 ms apart).
        const N = Number(process.env.PROFILE_STREAMS);
        for (let round = 0; round < 2; round++) {
          const pool = new Pool(origin, { connections: N, pipelining: 1 });
          const t1 = performance.now();
          const ttfb: number[] = [];
          await Promise.all(
            Array.from({ length: N }, async () => {
              const t0 = performance.now();
              const res = await pool.request({
                path,
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: 'Bearer sk-bench',
                  'x-bench-chunks': '20',
                  'x-bench-gap-ms': '50',
                },
                body: JSON.stringify({
                  model: 'gpt-4o-mini',
                  messages: [{ role: 'user', content: 'Count.' }],
                  stream: true,
                }),
              });
              let first = true;
              for await (const _c of res.body) {
                if (first) ttfb.push(performance.now() - t0);
                first = false;
              }
            }),
          );
          await pool.close();
          ttfb.sort((a, b) => a - b);
          console.log(
            `  ${N} streams round ${round}: ${(performance.now() - t1).toFixed(0)} ms, ttfb p50 ${ttfb[Math.floor(N / 2)]!.toFixed(1)} ms`,
          );
        }
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        console.log(`  peak RSS ${(Number(m?.[1]) / 1024).toFixed(1)} MB`);
      }
      if ((name === 'oco' || name === 'base') && CPU_PROF) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
        for (const f of readdirSync(profDir)) if (f.endsWith('.cpuprofile')) summarize(join(profDir, f), r.n);
        if (process.env.PROFILE_KEEP) for (const f of readdirSync(profDir)) console.log('kept', join(profDir, f));
      } else {
        // The next target starts once this one is gone, so their CPU never overlaps.
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    const mean = (xs: number[] | undefined) => (xs && xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    if (perCall.has('base') && perCall.has('oco')) {
      const runs = (k: string) =>
        perCall
          .get(k)!
          .map((v) => v.toFixed(1))
          .join(' ');
      console.log(
        `CPU µs/request: base ${runs('base')}; oco ${runs('oco')}; oco/base ${(mean(perCall.get('oco')) / mean(perCall.get('base'))).toFixed(3)}`,
      );
    }
  } finally {
    if (!process.env.PROFILE_KEEP) rmSync(home, { recursive: true, force: true });
  }
}
await main();
process.exit(0);
