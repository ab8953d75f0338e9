/**
 * What OpenTelemetry tracing costs the gateway: two real detached daemons (SQLite, spend controls loaded, no
 * budgets) in front of one loopback mock upstream, identical but for OTEL_EXPORTER_OTLP_ENDPOINT: the first
 * exports every call's spans (always_on, batch span processor) to a local OTLP/HTTP sink in this process, the
 * second has tracing off. Loaded in turn at concurrency 64 by loadgen.mjs in its own process; rounds alternate
 * which daemon goes first so drift on a shared machine hits both. Spans go as OTLP/HTTP protobuf, the default.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/proxy/tracing.ts
 *   BENCH_ROUNDS=6 BENCH_SECONDS=5 BENCH_CONCURRENCY=64 BENCH_STREAM=1 npx tsx bench/proxy/tracing.ts
 *   BENCH_AA=1 …   both daemons with tracing off: the noise floor of the comparison
 *   BENCH_SAMPLER=parentbased_always_off …   the traced daemon with that OTEL_TRACES_SAMPLER (the hooks' cost alone)
 *   BENCH_SAMPLER=parentbased_traceidratio BENCH_SAMPLER_ARG=0.1 …   one call in ten sampled
 *   BENCH_PROTOCOL=http/json …   the traced daemon exports OTLP/JSON instead
 *
 * Besides req/s it reports each daemon's CPU time per request (/proc utime + stime, all threads), its resident
 * memory after the rounds, and the spans the sink received per traced call.
 *
 * Bounded: BENCH_ROUNDS (≤ 10) × 2 runs of BENCH_SECONDS (≤ 10) each; loopback only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { protobufSpanCount } from '../../test/fakes/otlp/server.js';
import { freePort } from '../../test/helpers/net.js';
import {
  BENCH_PATH,
  loadFor as loadDaemon,
  median,
  sleep,
  startDaemon,
  stopDaemon,
  type Daemon,
} from './two-daemons.js';
import type { OtlpProtocol } from '../../src/core/base/telemetry/otel-env.js';
import { openTracer } from '../../src/core/base/telemetry/provider.js';
import { createCallTracer } from '../../src/core/gateway/proxy/call-trace.js';
import type { Call } from '../../src/core/gateway/proxy/call.js';
import { emptyUsage } from '../../src/core/gateway/pricing/types.js';

const ROUNDS = Math.min(Number(process.env.BENCH_ROUNDS ?? 5), 10);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 4), 10);
const CONCURRENCY = Math.min(Number(process.env.BENCH_CONCURRENCY ?? 64), 512);
const STREAM = process.env.BENCH_STREAM === '1';
const AA = process.env.BENCH_AA === '1';
const SETTINGS = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('');
const COMMAND = `npx tsc -p tsconfig.build.json && ${SETTINGS}npx tsx bench/proxy/tracing.ts`;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** `uptime` as the machine prints it: the load averages that say how much the numbers can be trusted. */
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

const loadFor = (d: Daemon, ms: number) => loadDaemon(d, ms, { concurrency: CONCURRENCY, stream: STREAM });

/**
 * An OTLP/HTTP sink: accepts every export and counts its spans (JSON: by their span ids, without parsing; protobuf:
 * by the span fields, without decoding the spans). It runs in this process, so it competes with the daemons for
 * the machine's cores, as a collector on the gateway's host would; one elsewhere would not.
 */
async function startSink(): Promise<{ url: string; spans: () => number; close: () => void }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers['content-type'] === 'application/x-protobuf') {
        spans += protobufSpanCount(body);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        return res.end();
      }
      spans += body.toString('utf8').split('"spanId"').length - 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans: () => spans, close: () => server.close() };
}

/**
 * Tracing's own CPU per call, in this process: the same four spans with the same attributes as a buffered
 * call's, exported to the sink (serialisation and HTTP included). The steadier figure on a shared machine.
 */
async function tracingCpuPerCall(sinkUrl: string, protocol: OtlpProtocol): Promise<number> {
  const opened = openTracer(
    {
      url: `${sinkUrl}/v1/traces`,
      protocol,
      headers: {},
      resource: { 'service.name': 'oco' },
      sampler: { kind: 'always_on', parentBased: true, ratio: 1 },
      batch: {},
    },
    { version: 'bench', onExportFailure: () => {} },
  );
  const tracer = createCallTracer(opened.tracer, { propagateUpstream: false });
  const usage = { ...emptyUsage(), inputTokens: 9, outputTokens: 2 };
  const end = { status: 200, usage: undefined, errorClass: null, estimated: false };
  const runs: number[] = [];
  for (let round = 0; round < 8; round++) {
    const n = 5000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const req = { method: 'POST', url: BENCH_PATH, headers: {} } as IncomingMessage;
      const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true });
      tracer.request(req, res as unknown as ServerResponse);
      const call = {
        id: crypto.randomUUID(),
        start: performance.now(),
        endpoint: '/v1/chat/completions',
        provider: 'openai',
        info: { model: 'gpt-4o-mini', stream: false },
        attribution: { orgId: 'default', teamId: 'default', agentId: 'default', userId: 'default', tags: [] },
        ttfb: 0.5,
        streamed: false,
      } as unknown as Call;
      const t = tracer.call(req, call);
      t.admission(1).end(undefined);
      t.upstream(
        {} as Pool,
        { method: 'POST', path: '/v1/chat/completions', headers: {} } as Dispatcher.DispatchOptions,
      );
      t.recording().end(end, 'gpt-4o-mini-2024-07-18', usage, '0.00000255');
      res.emit('close');
      // Let the batch processor's timer and the export run, as between a daemon's calls.
      if (i % 256 === 0) await new Promise((r) => setImmediate(r));
    }
    await opened.forceFlush();
    const d = process.cpuUsage(t0);
    runs.push((d.user + d.system) / n);
  }
  await opened.shutdown();
  return Math.min(...runs.slice(2));
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const daemons: Daemon[] = [];
  const sink = await startSink();
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));
  try {
    const mockPort = await freePort();
    children.push(
      spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), String(mockPort)], { stdio: 'ignore' }),
    );
    const mockUrl = `http://127.0.0.1:${mockPort}`;
    await sleep(500);
    const traced: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
    if (process.env.BENCH_SAMPLER) traced.OTEL_TRACES_SAMPLER = process.env.BENCH_SAMPLER;
    if (process.env.BENCH_SAMPLER_ARG) traced.OTEL_TRACES_SAMPLER_ARG = process.env.BENCH_SAMPLER_ARG;
    if (process.env.BENCH_PROTOCOL) traced.OTEL_EXPORTER_OTLP_PROTOCOL = process.env.BENCH_PROTOCOL;
    const on = await startDaemon('tracing-on', mockUrl, AA ? {} : traced);
    const off = await startDaemon('tracing-off', mockUrl, {});
    daemons.push(on, off);
    // Warm-up; its traced calls count with the rounds' in the span total.
    let tracedCalls = (await loadFor(on, 1000)).n;
    await loadFor(off, 1000);

    console.log(
      `tracing cost${AA ? ' (A/A: tracing off on both sides)' : ''}` +
        `${process.env.BENCH_SAMPLER ? ` (sampler ${process.env.BENCH_SAMPLER} ${process.env.BENCH_SAMPLER_ARG ?? ''})` : ''}` +
        ` (${process.env.BENCH_PROTOCOL ?? 'http/protobuf'}) — ${new Date().toISOString()}, node ` +
        `${process.version}, ${STREAM ? 'streaming' : 'non-streaming'} chat completions, concurrency ` +
        `${CONCURRENCY}, ${ROUNDS} alternated rounds of ${SECONDS}s`,
    );
    console.log(`command: ${COMMAND}`);
    console.log(`uptime before: ${uptime()}\n`);
    console.log('round  first        on req/s  off req/s  on/off   on cpu µs/req  off cpu µs/req  cpu on/off  load 1m');
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const rOn: number[] = [];
    const rOff: number[] = [];
    const offCpuPerReq: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [on, off] : [off, on];
      const got = new Map<string, { n: number; rps: number; cpuUsPerReq: number }>();
      const load1 = loadavg()[0]!;
      for (const d of order) {
        const r = await loadFor(d, SECONDS * 1000);
        if (r.errors > 0) throw new Error(`${d.name}: ${r.errors} errors`);
        got.set(d.name, r);
      }
      const a = got.get(on.name)!;
      const b = got.get(off.name)!;
      tracedCalls += a.n;
      rOn.push(a.rps);
      rOff.push(b.rps);
      ratios.push(a.rps / b.rps);
      cpuRatios.push(a.cpuUsPerReq / b.cpuUsPerReq);
      offCpuPerReq.push(b.cpuUsPerReq);
      const cells = [
        String(i + 1).padEnd(7) + order[0]!.name.padEnd(13),
        a.rps.toFixed(0).padStart(9),
        b.rps.toFixed(0).padStart(9),
        (a.rps / b.rps).toFixed(3).padStart(6),
        a.cpuUsPerReq.toFixed(1).padStart(14),
        b.cpuUsPerReq.toFixed(1).padStart(15),
        (a.cpuUsPerReq / b.cpuUsPerReq).toFixed(3).padStart(10),
        load1.toFixed(2).padStart(8),
      ];
      console.log(cells.join('  '));
    }
    // The batch processor exports every 5 s by default: wait for the last batch before counting.
    await sleep(6000);
    const r = median(ratios);
    const c = median(cpuRatios);
    console.log(
      `\nmedian: on ${median(rOn).toFixed(0)} req/s, off ${median(rOff).toFixed(0)} req/s; ` +
        `median ratio on/off ${r.toFixed(3)} (tracing cost ${((1 - r) * 100).toFixed(1)} % throughput)`,
    );
    console.log(`median CPU per request on/off ${c.toFixed(3)} (${((c - 1) * 100).toFixed(1)} %)`);
    const received = sink.spans();
    console.log(`uptime after: ${uptime()}`);
    if (!AA) {
      const offCpu = median(offCpuPerReq);
      for (const protocol of ['http/protobuf', 'http/json'] as const) {
        const own = await tracingCpuPerCall(sink.url, protocol);
        console.log(
          `tracing alone (${protocol}, every call sampled): ${own.toFixed(1)} µs CPU per call (best of 6 rounds of ` +
            `5000) = ${((100 * own) / offCpu).toFixed(1)} % of the daemon's ${offCpu.toFixed(0)} µs per request without it`,
        );
      }
    }
    console.log(
      `resident memory after the rounds: on ${rssMiB(on.pid).toFixed(1)} MiB, off ${rssMiB(off.pid).toFixed(1)} MiB`,
    );
    if (!AA)
      console.log(
        `spans received by the sink: ${received} for ${tracedCalls} traced calls ` +
          `(${(received / tracedCalls).toFixed(2)} per call; 4 per sampled call: server, admission, upstream, record)`,
      );
  } finally {
    for (const d of daemons) {
      await stopDaemon(d);
      rmSync(d.home, { recursive: true, force: true });
    }
    children.forEach((ch) => ch.exitCode === null && ch.kill('SIGTERM'));
    sink.close();
  }
}

await main();
process.exit(0);
