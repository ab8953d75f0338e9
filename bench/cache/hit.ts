/**
 * A response-cache hit's latency against the passthrough floor, in the same run and process.
 *
 *   node --import tsx bench/cache/hit.ts [--iterations 5000] [--backend store|redis] [--redis redis://127.0.0.1:6379/9]
 *
 * The gateway (built from these sources, SQLite store, cache enabled) runs in this process; the
 * upstream is bench/proxy/mock-upstream.mjs in a child process. One keep-alive connection, one
 * call at a time, the scenarios interleaved call by call so load on the machine hits them alike:
 *   health       GET /health: the gateway's HTTP floor (no body, no store)
 *   passthrough  POST /v1/proxy/openai/v1/chat/completions: forwarded to the mock and recorded
 *   hit          POST /v1/chat/completions, temperature 0, answered from the cache and recorded
 *   hit-stream   the same with stream: true, replayed as SSE
 * For each: p50/p99 seen by the client, and for the hits the gateway's own X-Latency-Ms (request
 * read to answer written: authentication, key hash, lookup, record). Bounded: at most 100,000
 * iterations and 120 s. With --backend redis, Redis db 9 (or --redis) is flushed before and after.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { startDaemon } from '../../src/daemon/daemon.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const iterations = Math.min(Number(arg('iterations', '5000')), 100_000);
const backend = arg('backend', 'store');
const redisUrl = arg('redis', 'redis://127.0.0.1:6379/9');
const DEADLINE = Date.now() + 120_000;

const home = mkdtempSync(join(tmpdir(), 'oco-bench-cache-'));
const mock = spawn(process.execPath, [join(import.meta.dirname, '../proxy/mock-upstream.mjs'), '0'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const mockPort = await new Promise<number>((r) => mock.stdout!.once('data', (d) => r(Number(String(d).trim()))));

async function flushRedis(): Promise<void> {
  if (backend !== 'redis') return;
  const { Redis } = await import('ioredis');
  const r = new Redis(redisUrl);
  await r.flushdb();
  r.disconnect();
}
await flushRedis();

const config = OcoConfig.load({
  env: {
    OCO_HOME: home,
    OCO_OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}`,
    OCO_LOG_LEVEL: 'warn',
    OCO_CACHE_ENABLED: 'true',
    OCO_CACHE_BACKEND: backend,
    ...(backend === 'redis' ? { REDIS_URL: redisUrl } : {}),
  },
});
const daemon = await startDaemon(config, { host: '127.0.0.1', port: 0 });
const pool = new Pool(daemon.state.url, { connections: 1, pipelining: 1 });

const messages = [
  { role: 'system', content: 'You are the billing assistant of ACME. Answer with the invoice id and the amount.' },
  { role: 'user', content: 'Which invoice of March covers the GPU nodes in eu-west-1?' },
];
const chat = JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0 });
const chatStream = JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0, stream: true });
const json = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  client: number[];
  server: number[];
}
const scenarios: Scenario[] = [
  { name: 'health', method: 'GET', path: '/health', client: [], server: [] },
  {
    name: 'passthrough',
    method: 'POST',
    path: '/v1/proxy/openai/v1/chat/completions',
    body: chat,
    client: [],
    server: [],
  },
  { name: 'hit', method: 'POST', path: '/v1/chat/completions', body: chat, client: [], server: [] },
  { name: 'hit-stream', method: 'POST', path: '/v1/chat/completions', body: chatStream, client: [], server: [] },
];

async function call(s: Scenario): Promise<{ ms: number; server: number | undefined; cache: string | undefined }> {
  const t = performance.now();
  const r = await pool.request({ method: s.method, path: s.path, headers: json, body: s.body });
  await r.body.text();
  const ms = performance.now() - t;
  if (r.statusCode !== 200) throw new Error(`${s.name}: status ${r.statusCode}`);
  const lat = r.headers['x-latency-ms'];
  const cache = r.headers['x-oco-cache'];
  return {
    ms,
    server: typeof lat === 'string' ? Number(lat) : undefined,
    cache: typeof cache === 'string' ? cache : undefined,
  };
}

// The first chat call is the miss that fills the cache; wait for its entry.
await call(scenarios[2]!);
for (let i = 0; i < 200; i++) {
  if ((await call(scenarios[2]!)).cache === 'hit') break;
  await new Promise((r) => setTimeout(r, 10));
}
const warmup = Math.min(1000, iterations);
for (let i = 0; i < warmup; i++) for (const s of scenarios) await call(s);
let done = 0;
for (; done < iterations && Date.now() < DEADLINE; done++) {
  for (const s of scenarios) {
    const r = await call(s);
    if (s.name.startsWith('hit') && r.cache !== 'hit') throw new Error(`${s.name}: expected a hit, got ${r.cache}`);
    s.client.push(r.ms);
    if (r.server !== undefined) s.server.push(r.server);
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (x: number) => `${x.toFixed(3)} ms`;
console.log(`node --import tsx bench/cache/hit.ts --iterations ${iterations} --backend ${backend}`);
console.log(`${done} calls per scenario, one at a time, backend ${backend} (store: ${daemon.store.engine})`);
console.log('scenario      client p50   client p99   gateway p50  gateway p99');
for (const s of scenarios) {
  const server = s.server.length ? `${f(pct(s.server, 50)).padEnd(12)} ${f(pct(s.server, 99))}` : '-';
  console.log(`${s.name.padEnd(13)} ${f(pct(s.client, 50)).padEnd(12)} ${f(pct(s.client, 99)).padEnd(12)} ${server}`);
}
await pool.close();
await daemon.stop();
await flushRedis();
mock.kill();
rmSync(home, { recursive: true, force: true });
