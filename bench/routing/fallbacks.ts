/**
 * What fallbacks cost on the unified endpoint, through the in-process daemon (SQLite, recording on)
 * against the loopback wire fake, one call at a time:
 *   - unified, no fallback list (the plan and the attempt loop on the success path);
 *   - unified with `X-OCO-Fallbacks: claude-sonnet-4-5` (the fallback is translated up front, unused);
 *   - unified whose first attempt answers 500 (route.retries 0): a fallback taken, two records.
 * The passthrough (`/v1/proxy/openai/…`) is printed beside them as the floor.
 *
 *   node --import tsx bench/routing/fallbacks.ts [--calls 1000]
 *
 * Prints p50/p99 in milliseconds per case, after 200 warm-up calls. Loopback only, bounded in
 * count (--calls, at most 20,000) and in time (20 s per case).
 */
import { startHarness } from '../../test/proxy/harness.js';

const args = process.argv.slice(2);
const i = args.indexOf('--calls');
const CALLS = Math.min(Number(i >= 0 ? args[i + 1] : 1000) || 1000, 20_000);
const CASE_MS = 20_000;

const h = await startHarness({
  env: {
    OCO_ROUTE_RETRIES: '0',
    // The failing case fails on every call: a breaker that opened would skip the attempt being measured.
    OCO_ROUTE_BREAKER_FAILURES: '100000',
    OPENAI_API_KEY: 'sk-bench',
    ANTHROPIC_API_KEY: 'sk-bench',
    OCO_LOG_LEVEL: 'warn',
  },
});
const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say ok.' }] });

async function call(path: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
}

async function measure(name: string, once: () => Promise<void>, before?: () => void): Promise<void> {
  for (let n = 0; n < 200; n++) {
    before?.();
    await once();
  }
  const ms: number[] = [];
  const deadline = Date.now() + CASE_MS;
  for (let n = 0; n < CALLS && Date.now() < deadline; n++) {
    before?.();
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(3);
  console.log(`${name.padEnd(44)} calls ${String(ms.length).padStart(6)}  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms`);
}

try {
  await measure('passthrough /v1/proxy/openai', () => call('/v1/proxy/openai/v1/chat/completions'));
  await measure('unified, no fallbacks', () => call('/v1/chat/completions'));
  await measure('unified, X-OCO-Fallbacks (unused)', () =>
    call('/v1/chat/completions', { 'x-oco-fallbacks': 'claude-sonnet-4-5' }),
  );
  await measure(
    'unified, first attempt 500 → fallback',
    () => call('/v1/chat/completions', { 'x-oco-fallbacks': 'claude-sonnet-4-5' }),
    () => h.fake.script('gpt-4o', '500'),
  );
} finally {
  await h.stop();
}
