/**
 * What the call journal costs the gateway: two real detached daemons (SQLite,
 * spend controls loaded, no budgets) in front of one loopback mock upstream,
 * identical but for the journal (the second runs with
 * OCO_BENCH_CALL_JOURNAL=off, a switch that exists for this benchmark only),
 * loaded in turn at concurrency 64 by loadgen.mjs in its own process. Rounds
 * alternate which daemon goes first so drift on a shared machine hits both.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/proxy/journal.ts
 *   BENCH_ROUNDS=8 BENCH_SECONDS=5 BENCH_CONCURRENCY=64 npx tsx bench/proxy/journal.ts
 *   BENCH_AA=1 …   both daemons without the journal: the noise floor of the comparison
 *
 * Besides req/s it reports each daemon's CPU time per request (/proc utime +
 * stime, all threads), which contention on a shared machine disturbs less.
 *
 * Bounded: BENCH_ROUNDS × 2 runs of BENCH_SECONDS each; loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/net.js';
import { loadFor as loadDaemon, median, sleep, startDaemon, stopDaemon, type Daemon } from './two-daemons.js';
import { CallJournal } from '../../src/core/gateway/usage/call-journal.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';

const ROUNDS = Math.min(Number(process.env.BENCH_ROUNDS ?? 6), 20);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 4), 30);
const CONCURRENCY = Math.min(Number(process.env.BENCH_CONCURRENCY ?? 64), 512);
const STREAM = process.env.BENCH_STREAM === '1';
const AA = process.env.BENCH_AA === '1';

const loadFor = (d: Daemon, ms: number) => loadDaemon(d, ms, { concurrency: CONCURRENCY, stream: STREAM });

function journalBytes(d: Daemon): number {
  const dir = join(d.home, 'state', 'journal');
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/**
 * The journal's own cost per call, in this process: an intent, a record, and the
 * recorder's acknowledgment in batches, with lines like the benchmark's calls
 * (process CPU time, so the two write(2) calls' kernel time counts).
 */
function journalCpuPerCall(dir: string): number {
  const j = new CallJournal(dir);
  j.open();
  const attribution = {
    orgId: 'default',
    teamId: 'default',
    agentId: 'default',
    userId: 'default',
    keyId: null,
    tags: [] as string[],
  };
  const runs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 20_000;
    const batch: UsageRecord[] = [];
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID();
      const ts = new Date().toISOString();
      const mark = j.intent({
        id,
        ts,
        provider: 'openai',
        model: 'gpt-4o-mini',
        endpoint: '/v1/chat/completions',
        attribution,
        estimatedInputTokens: 21,
        maxOutputTokens: null,
        admitted: true,
      });
      const r: UsageRecord = {
        id,
        ts,
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        endpoint: '/v1/chat/completions',
        ...attribution,
        inputTokens: 9,
        cachedInputTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        outputTokens: 2,
        reasoningTokens: 0,
        toolPromptTokens: 0,
        costUsd: '0.00000255',
        latencyMs: 1,
        ttfbMs: 1,
        statusCode: 200,
        streamed: false,
        estimated: false,
        errorClass: null,
      };
      j.finished(r, mark, true, 'gpt-4o-mini');
      batch.push(r);
      if (batch.length === 500) j.durable(batch.splice(0));
    }
    const d = process.cpuUsage(t0);
    runs.push((d.user + d.system) / n);
  }
  j.close();
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
    // BENCH_AA=1: both daemons without the journal, to show what the same comparison reads from noise alone.
    const on = await startDaemon('journal-on', mockUrl, AA ? { OCO_BENCH_CALL_JOURNAL: 'off' } : {});
    const off = await startDaemon('journal-off', mockUrl, { OCO_BENCH_CALL_JOURNAL: 'off' });
    daemons.push(on, off);
    for (const d of daemons) await loadFor(d, 1000);

    console.log(
      `call journal cost${AA ? ' (A/A: journal off on both sides)' : ''} — ${new Date().toISOString()}, node ${process.version}, ${STREAM ? 'streaming' : 'non-streaming'} chat completions, concurrency ${CONCURRENCY}, ${ROUNDS} alternated rounds of ${SECONDS}s`,
    );
    console.log('command: npx tsc -p tsconfig.build.json && npx tsx bench/proxy/journal.ts\n');
    console.log(
      'round  first        on req/s  off req/s  on/off   on cpu µs/req  off cpu µs/req  cpu on/off  load avg (1m)',
    );
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const rOn: number[] = [];
    const rOff: number[] = [];
    const offCpuPerReq: number[] = [];
    let maxJournal = 0;
    let idleJournal = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [on, off] : [off, on];
      const got = new Map<string, { rps: number; cpuUsPerReq: number }>();
      const load1 = loadavg()[0]!;
      for (const d of order) {
        const r = await loadFor(d, SECONDS * 1000);
        if (r.errors > 0) throw new Error(`${d.name}: ${r.errors} errors`);
        got.set(d.name, r);
        if (d === on) maxJournal = Math.max(maxJournal, journalBytes(on));
      }
      const a = got.get(on.name)!;
      const b = got.get(off.name)!;
      rOn.push(a.rps);
      rOff.push(b.rps);
      ratios.push(a.rps / b.rps);
      cpuRatios.push(a.cpuUsPerReq / b.cpuUsPerReq);
      offCpuPerReq.push(b.cpuUsPerReq);
      console.log(
        `${String(i + 1).padEnd(7)}${order[0]!.name.padEnd(13)}${a.rps.toFixed(0).padStart(9)}  ${b.rps.toFixed(0).padStart(9)}  ${(a.rps / b.rps).toFixed(3).padStart(6)}   ${a.cpuUsPerReq.toFixed(1).padStart(13)}  ${b.cpuUsPerReq.toFixed(1).padStart(14)}  ${(a.cpuUsPerReq / b.cpuUsPerReq).toFixed(3).padStart(10)}  ${load1.toFixed(2)}`,
      );
    }
    // Once the last batch has committed (flush interval 500 ms), what stays on disk.
    await sleep(1500);
    idleJournal = journalBytes(on);
    console.log(
      `\nmedian: on ${median(rOn).toFixed(0)} req/s, off ${median(rOff).toFixed(0)} req/s; median ratio on/off ${median(ratios).toFixed(3)} (journal cost ${((1 - median(ratios)) * 100).toFixed(1)} %)`,
    );
    console.log(
      `median CPU per request on/off ${median(cpuRatios).toFixed(3)} (+${((median(cpuRatios) - 1) * 100).toFixed(1)} %)`,
    );
    // Wall-clock and per-request CPU both move by ±20 % between identical daemons on a busy machine (BENCH_AA=1);
    // the journal's own CPU per call, measured alone, against the daemon's per request is the steadier figure.
    const own = journalCpuPerCall(join(on.home, 'journal-alone'));
    const offCpu = median(offCpuPerReq);
    console.log(
      `journal alone: ${own.toFixed(1)} µs CPU per call = ${((100 * own) / offCpu).toFixed(1)} % of the daemon's ${offCpu.toFixed(0)} µs per request without it`,
    );
    console.log(
      `journal on disk: at most ${(maxJournal / 1024).toFixed(0)} KiB right after a round, ${(idleJournal / 1024).toFixed(0)} KiB once idle (truncated as batches commit)`,
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
