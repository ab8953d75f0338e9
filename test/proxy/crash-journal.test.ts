import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/base/money.js';
import { PostgresStore } from '../../src/core/base/store/postgres.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { Row, Store } from '../../src/core/base/store/types.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { BACKENDS } from '../helpers/stores.js';
import { createTestDatabase, type TestDatabase } from '../helpers/services.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { waitFor } from './harness.js';

const CLIENTS = 16;
const CALLS_PER_CLIENT = 9;
const HELD = 16;
const MAX_TOKENS = 100;
// gpt-4o per token (the shipped price table): what the fake's fixed usage and the estimates are priced at.
const GPT4O_INPUT = new Money('0.0000025');
const GPT4O_CACHED = new Money('0.00000125');
const GPT4O_OUTPUT = new Money('0.00001');
// FAKE_USAGE.openai: 1000 prompt tokens of which 200 cached, 300 completion.
const ANSWERED_COST = GPT4O_INPUT.times(800).plus(GPT4O_CACHED.times(200)).plus(GPT4O_OUTPUT.times(300));

function body(call: string, stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o',
    max_tokens: MAX_TOKENS,
    messages: [{ role: 'user', content: `call ${call}` }],
    ...(stream ? { stream: true } : {}),
  });
}

/**
 * kill -9 of the real daemon in the middle of a burst: 16 clients, 144 calls
 * answered (a third of them streams), 16 more held in flight by the fake
 * upstream (half of them mid-stream). Each call carries its name to the fake
 * (x-test-call) and to the record (x-user-id), so every call the fake saw can
 * be found in the store after the restart.
 */
describe.each(BACKENDS)('SIGKILL during a burst loses no call the provider saw ($name)', (backend) => {
  let fake: FakeLlm;
  let home: TempHome;
  let db: TestDatabase | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(async () => fake?.close());
  afterEach(async () => {
    await runOco(['proxy', 'stop'], { home: home.path, env });
    home.cleanup();
    await db?.drop();
  });

  const openStore = (): Store =>
    db
      ? new PostgresStore({ connectionString: db.url, display: db.name })
      : new SqliteStore({ file: join(home.path, 'data', 'oco.db') });

  async function query<T extends Row>(sql: string): Promise<T[]> {
    const store = openStore();
    try {
      return await store.all<T>(sql);
    } finally {
      await store.close();
    }
  }

  it.skipIf(!backend.available())(
    'replays answered calls once and bills in-flight ones as interrupted, estimated',
    async () => {
      home = tempHome();
      db = backend.name === 'postgres' ? await createTestDatabase() : undefined;
      env = {
        OCO_PROXY_PORT: String(await freePort()),
        OCO_OPENAI_BASE_URL: fake.url,
        OCO_ANTHROPIC_BASE_URL: fake.url,
        OCO_GEMINI_BASE_URL: fake.url,
        // The longest interval allowed: most answered calls are still queued when the daemon dies.
        OCO_PROXY_FLUSH_INTERVAL_MS: '1000',
        ...(db ? { DATABASE_URL: db.url } : {}),
      };
      const oco = (args: string[]) => runOco(args, { home: home.path, env, timeoutMs: 30_000 });
      const start = await oco(['proxy', 'start', '--json']);
      expect(start.code, start.stderr).toBe(0);
      const url = `${start.json().url}/v1/proxy/openai/v1/chat/completions`;
      const send = (call: string, stream: boolean, extra: Record<string, string> = {}) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-test-call': call, 'x-user-id': call, ...extra },
          body: body(call, stream),
        });

      // In flight at the kill: half wait before any header, half stop mid-stream.
      const held = Array.from({ length: HELD }, (_, i) => {
        const call = `held-${i}`;
        const stream = i % 2 === 1;
        const extra: Record<string, string> = stream
          ? { 'x-fake-chunks': '200', 'x-fake-chunk-delay-ms': '200' }
          : { 'x-fake-scenario': 'slow', 'x-fake-delay-ms': '15000' };
        return {
          call,
          bytes: Buffer.byteLength(body(call, stream)),
          response: send(call, stream, extra)
            .then((r) => r.text())
            .catch(() => 'cut'),
        };
      });
      // Every held call has reached the fake, and the held streams have sent their first chunks.
      await waitFor(
        async () => fake.requests.filter((r) => String(r.headers['x-test-call']).startsWith('held-')).length === HELD,
        10_000,
        'held calls upstream',
      );
      await new Promise((r) => setTimeout(r, 300));
      // The burst; the daemon dies as soon as its last call is answered, most records still queued.
      const completed = new Set<string>();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = 0; i < CALLS_PER_CLIENT; i++) {
            const call = `c${c}-${i}`;
            const stream = i % 3 === 2;
            const text = await (await send(call, stream)).text();
            if (stream ? text.includes('[DONE]') : text.includes('chat.completion')) completed.add(call);
          }
        }),
      );
      process.kill(start.json().pid, 'SIGKILL');
      expect(completed.size).toBe(CLIENTS * CALLS_PER_CLIENT);
      const seen = new Set(fake.requests.map((r) => String(r.headers['x-test-call'])).filter((c) => c !== 'undefined'));
      const answered = new Set(fake.answered.map((r) => String(r.headers['x-test-call'])));
      await Promise.all(held.map((h) => h.response));
      expect(seen.size).toBe(CLIENTS * CALLS_PER_CLIENT + HELD);
      for (const c of completed) expect(answered.has(c), c).toBe(true);

      // Before the restart: none of the in-flight calls is in the store.
      expect(await query(`SELECT id FROM api_requests WHERE user_id LIKE 'held-%'`)).toEqual([]);
      const before = Number((await query<{ n: number }>('SELECT COUNT(*) AS n FROM api_requests'))[0]!.n);

      const again = await oco(['proxy', 'start', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const rows = await query<Record<string, any>>('SELECT * FROM api_requests');
      const byCall = new Map<string, Array<Record<string, any>>>();
      for (const r of rows) byCall.set(r.user_id, [...(byCall.get(r.user_id) ?? []), r]);
      // Each call the fake saw is there exactly once, and nothing else is.
      expect([...byCall.keys()].sort()).toEqual([...seen].sort());
      for (const [call, rs] of byCall) expect(rs.length, call).toBe(1);
      expect(rows.length).toBeGreaterThanOrEqual(before);

      for (const call of completed) {
        const r = byCall.get(call)![0]!;
        expect(r.error_class, call).toBeNull();
        expect(Boolean(r.estimated), call).toBe(false);
        expect(new Money(r.cost_usd).eq(ANSWERED_COST), call).toBe(true);
      }
      for (const h of held) {
        const r = byCall.get(h.call)![0]!;
        expect(r).toMatchObject({ error_class: 'interrupted', status_code: null, latency_ms: null });
        expect(Boolean(r.estimated)).toBe(true);
        // Billed on the reservation's worst case: the body's bytes / 4 read, max_tokens generated.
        const inTokens = Math.ceil(h.bytes / 4);
        expect([Number(r.input_tokens), Number(r.output_tokens)]).toEqual([inTokens, MAX_TOKENS]);
        expect(new Money(r.cost_usd).eq(GPT4O_INPUT.times(inTokens).plus(GPT4O_OUTPUT.times(MAX_TOKENS))), h.call).toBe(
          true,
        );
      }

      // The rollups count each call once; the spend ledger settled every call (none left reserved), at the recorded cost.
      const hourly = await query<{ n: string | number }>('SELECT SUM(requests) AS n FROM usage_hourly');
      expect(Number(hourly[0]!.n)).toBe(seen.size);
      // ... and so do the daily rollups (per key, and per tag: these calls are untagged), to the exact cost
      const rawCost = rows.reduce(
        (m: Money, r) => (r.cost_usd === null ? m : m.plus(String(r.cost_usd))),
        new Money(0),
      );
      for (const table of ['usage_daily', 'usage_daily_tags']) {
        const daily = await query<{ requests: string | number; cost_usd: string }>(
          `SELECT requests, cost_usd FROM ${table}`,
        );
        expect(
          daily.reduce((n, d) => n + Number(d.requests), 0),
          table,
        ).toBe(seen.size);
        const cost = daily.reduce((m, d) => m.plus(String(d.cost_usd)), new Money(0));
        expect(cost.eq(rawCost), `${table}: ${cost.toFixed()} vs ${rawCost.toFixed()}`).toBe(true);
      }
      const ledger = await query<{ request_id: string; state: string; cost_usd: string }>(
        'SELECT request_id, state, cost_usd FROM spend_events',
      );
      expect(ledger.filter((e) => e.state !== 'settled')).toEqual([]);
      const costOf = new Map(rows.map((r) => [r.id, String(r.cost_usd)]));
      expect(ledger.length).toBe(rows.length);
      for (const e of ledger) expect(new Money(e.cost_usd).eq(costOf.get(e.request_id)!), e.request_id).toBe(true);

      // The replayed journal is gone; a clean stop leaves no segment, and a further restart adds nothing.
      expect((await oco(['proxy', 'stop', '--json'])).code).toBe(0);
      expect(readdirSync(join(home.path, 'state', 'journal'))).toEqual([]);
      expect((await oco(['proxy', 'start', '--json'])).code).toBe(0);
      expect(Number((await query<{ n: number }>('SELECT COUNT(*) AS n FROM api_requests'))[0]!.n)).toBe(rows.length);
    },
    90_000,
  );
});
