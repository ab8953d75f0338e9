/**
 * Bytes allocated per request by the gateway, by function: the daemon runs in
 * this process (built modules, as the detached daemon loads them) under V8's
 * sampling heap profiler (collected objects included), load comes from a child.
 *   npx tsx bench/proxy/alloc.ts       (after npx tsc -p tsconfig.build.json)
 *   PROFILE_ROOT=/tmp/before npx tsx bench/proxy/alloc.ts   (a baseline build)
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// PROFILE_ROOT: another checkout's build (its dist/), to compare two builds.
const ROOT = process.env.PROFILE_ROOT ?? resolve(import.meta.dirname, '../..');
const STREAM = process.env.PROFILE_STREAM === '1';
const home = mkdtempSync(join(tmpdir(), 'oco-alloc-'));
const mock = spawn(process.execPath, [join(import.meta.dirname, 'mock-upstream.mjs'), '0'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const mockPort = await new Promise<number>((r) => mock.stdout!.once('data', (d) => r(Number(String(d).trim()))));
const { OcoConfig } = await import(join(ROOT, 'dist/core/base/config/resolve.js'));
const { startDaemon } = await import(join(ROOT, 'dist/daemon/daemon.js'));
const config = OcoConfig.load({
  env: { OCO_HOME: home, OCO_OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}`, OCO_LOG_LEVEL: 'info' },
});
const daemon = await startDaemon(config, { host: '127.0.0.1', port: 0 });
const url = daemon.state.url;
const path = '/v1/proxy/openai/v1/chat/completions';
const run = (ms: number) =>
  new Promise<{ n: number }>((r) => {
    const p = spawn(
      process.execPath,
      [join(import.meta.dirname, 'loadgen.mjs'), url, path, '16', String(ms), ...(STREAM ? ['stream'] : [])],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.on('close', () => r(JSON.parse(out)));
  });
const mem = (w: string) => {
  const m = process.memoryUsage();
  console.log(
    `${w}: rss ${(m.rss / 2 ** 20).toFixed(1)} MB, heapUsed ${(m.heapUsed / 2 ** 20).toFixed(1)} MB, heapTotal ${(m.heapTotal / 2 ** 20).toFixed(1)} MB, external ${(m.external / 2 ** 20).toFixed(1)} MB, arrayBuffers ${(m.arrayBuffers / 2 ** 20).toFixed(1)} MB`,
  );
};
globalThis.gc?.();
mem('idle');
await run(1500);
mem('after warm-up');
globalThis.gc?.();
mem('after gc');
if (process.env.ALLOC_MEM_ONLY) process.exit(0);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never);
const { n } = await run(3000);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: any } };
const agg = new Map<string, number>();
let total = 0;
const walk = (node: any) => {
  const cf = node.callFrame;
  const name = `${cf.functionName || '(anon)'} ${String(cf.url).replace(/^.*\/(node_modules\/)?/, '')}:${cf.lineNumber + 1}`;
  agg.set(name, (agg.get(name) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const c of node.children) walk(c);
};
walk(profile.head);
console.log(`${n} requests; ${(total / n / 1024).toFixed(1)} KiB allocated per request (sampled)`);
for (const [k, b] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 40)))
  console.log(`${(b / n).toFixed(0).padStart(7)} B/req  ${k}`);
await daemon.stop();
mock.kill('SIGTERM');
rmSync(home, { recursive: true, force: true });
process.exit(0);
