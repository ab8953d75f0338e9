/**
 * What metrics cost the gateway: two real detached daemons (SQLite) in front of one loopback mock
 * upstream, identical but for metrics.enabled (the second runs with OCO_METRICS_ENABLED=false), loaded
 * in turn at concurrency 64 by loadgen.mjs in its own process, while /metrics of the first is scraped
 * every second (15 times Prometheus's usual rate). Rounds alternate which daemon goes first.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/proxy/metrics.ts
 *   BENCH_ROUNDS=6 BENCH_SECONDS=4 BENCH_CONCURRENCY=64 npx tsx bench/proxy/metrics.ts
 *
 * Reports req/s and each daemon's CPU time per request (/proc utime + stime), their ratios on/off in
 * the same run, and the metrics' own CPU per call measured alone in this process.
 *
 * Bounded: BENCH_ROUNDS × 2 runs of BENCH_SECONDS each; loopback only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { freePort } from '../../test/helpers/net.js';
import { loadFor as loadDaemon, median, sleep, startDaemon, stopDaemon, type Daemon } from './two-daemons.js';
import { AllowList } from '../../src/core/base/metrics/labels.js';
import { money } from '../../src/core/base/money.js';
import { GatewayMetrics } from '../../src/core/gateway/metrics.js';
import type { Call } from '../../src/core/gateway/proxy/call.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';

const ROUNDS = Math.min(Number(process.env.BENCH_ROUNDS ?? 6), 20);
const SETTINGS = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('');

/** `uptime` as the machine prints it: the load averages that say how much the numbers can be trusted. */
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 4), 30);
const CONCURRENCY = Math.min(Number(process.env.BENCH_CONCURRENCY ?? 64), 512);

/** The "on" daemon's /metrics is scraped every second while it is loaded, as a Prometheus would. */
async function loadFor(d: Daemon, ms: number): Promise<{ rps: number; cpuUsPerReq: number; errors: number }> {
  let scraping = d.name === 'metrics-on';
  const scraper = (async () => {
    while (scraping) {
      await (await fetch(`${d.url}/metrics`)).text();
      await sleep(1000);
    }
  })();
  const r = await loadDaemon(d, ms, { concurrency: CONCURRENCY });
  scraping = false;
  await scraper;
  return r;
}

/** GatewayMetrics.ended alone, per call, with calls like the benchmark's (process CPU time). */
function metricsCpuPerCall(): number {
  const m = new GatewayMetrics(new Registry(), { allow: new AllowList([]), maxModels: 200 });
  const call = { provider: 'openai', ttfb: 1.2, sentAt: performance.now() } as unknown as Call;
  const record = {
    model: 'gpt-4o-mini-2024-07-18',
    teamId: 'default',
    agentId: 'default',
    inputTokens: 9,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 2,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    statusCode: 200,
  } as UsageRecord;
  const cost = money('0.00000255');
  const runs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 100_000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) m.ended(call, record, cost, 1.5);
    const d = process.cpuUsage(t0);
    runs.push((d.user + d.system) / n);
  }
  return median(runs);
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const daemons: Daemon[] = [];
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  try {
    const mockPort = await freePort();
    children.push(
      spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), String(mockPort)], { stdio: 'ignore' }),
    );
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    await sleep(500);
    const on = await startDaemon('metrics-on', mockUrl, { OCO_METRICS_ENABLED: 'true' });
    const off = await startDaemon('metrics-off', mockUrl, { OCO_METRICS_ENABLED: 'false' });
    daemons.push(on, off);
    for (const d of daemons) await loadFor(d, 1000);
    console.log(
      `metrics cost — ${new Date().toISOString()}, node ${process.version}, non-streaming chat completions, concurrency ${CONCURRENCY}, ${ROUNDS} alternated rounds of ${SECONDS}s, /metrics scraped every 1 s on the "on" daemon`,
    );
    console.log(`command: npx tsc -p tsconfig.build.json && ${SETTINGS}npx tsx bench/proxy/metrics.ts`);
    console.log(`uptime before: ${uptime()}\n`);
    console.log(
      'round  first        on req/s  off req/s  on/off   on cpu µs/req  off cpu µs/req  cpu on/off  load avg (1m)',
    );
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const rOn: number[] = [];
    const rOff: number[] = [];
    const offCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [on, off] : [off, on];
      const got = new Map<string, { rps: number; cpuUsPerReq: number }>();
      const load1 = loadavg()[0]!;
      for (const d of order) {
        const r = await loadFor(d, SECONDS * 1000);
        if (r.errors > 0) throw new Error(`${d.name}: ${r.errors} errors`);
        got.set(d.name, r);
      }
      const a = got.get(on.name)!;
      const b = got.get(off.name)!;
      rOn.push(a.rps);
      rOff.push(b.rps);
      ratios.push(a.rps / b.rps);
      cpuRatios.push(a.cpuUsPerReq / b.cpuUsPerReq);
      offCpu.push(b.cpuUsPerReq);
      console.log(
        `${String(i + 1).padEnd(7)}${order[0]!.name.padEnd(13)}${a.rps.toFixed(0).padStart(9)}  ${b.rps.toFixed(0).padStart(9)}  ${(a.rps / b.rps).toFixed(3).padStart(6)}   ${a.cpuUsPerReq.toFixed(1).padStart(13)}  ${b.cpuUsPerReq.toFixed(1).padStart(14)}  ${(a.cpuUsPerReq / b.cpuUsPerReq).toFixed(3).padStart(10)}  ${load1.toFixed(2)}`,
      );
    }
    console.log(`uptime after: ${uptime()}`);
    const r = median(ratios);
    console.log(
      `\nmedian: on ${median(rOn).toFixed(0)} req/s, off ${median(rOff).toFixed(0)} req/s; median ratio on/off ${r.toFixed(3)} (throughput cost ${((1 - r) * 100).toFixed(1)} %)`,
    );
    console.log(
      `median CPU per request on/off ${median(cpuRatios).toFixed(3)} (+${((median(cpuRatios) - 1) * 100).toFixed(1)} %)`,
    );
    const own = metricsCpuPerCall();
    console.log(
      `metrics alone: ${own.toFixed(2)} µs CPU per call = ${((100 * own) / median(offCpu)).toFixed(2)} % of the daemon's ${median(offCpu).toFixed(0)} µs per request without them`,
    );
  } finally {
    for (const d of daemons) {
      await stopDaemon(d);
      rmSync(d.home, { recursive: true, force: true });
    }
    children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  }
}

await main();
process.exit(0);
