import { Money } from '../../src/core/base/money.js';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { startHarness, waitFor, type Harness } from './harness.js';
import { startForwarder, type TcpForwarder } from './tcp-forwarder.js';

const PROVIDER_KEY = 'sk-SECRET-CANARY-91b2c7d4';
const PROXY_KEY = 'proxy-SECRET-CANARY-5e6f';
const PROMPT = 'PROMPT-CANARY-7f3a9 what is the secret plan';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every byte oco wrote under its home: database files, WAL, logs, spill files, state. */
function homeBytes(home: string): string {
  return filesUnder(home)
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

async function traffic(h: Harness, virtualKey: string): Promise<void> {
  const openai = new OpenAI({
    apiKey: PROVIDER_KEY,
    baseURL: `${h.url}/v1/proxy/openai/v1`,
    maxRetries: 0,
    defaultHeaders: { 'X-OCO-Key': PROXY_KEY },
  });
  await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }] });
  const s = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: PROMPT }],
    stream: true,
  });
  for await (const _ of s);
  await openai.chat.completions
    .create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }] },
      { headers: { 'x-fake-scenario': '429' } },
    )
    .catch(() => {});
  await openai.chat.completions.create({ model: 'unpriced-model', messages: [{ role: 'user', content: PROMPT }] });
  const viaVirtual = new OpenAI({ apiKey: virtualKey, baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
  await viaVirtual.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] });
  const anthropic = new Anthropic({
    apiKey: PROVIDER_KEY,
    baseURL: `${h.url}/v1/proxy/anthropic`,
    maxRetries: 0,
    defaultHeaders: { 'X-OCO-Key': PROXY_KEY },
  });
  await anthropic.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 10,
    messages: [{ role: 'user', content: PROMPT }],
  });
  await fetch(`${h.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${PROVIDER_KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-oco-key': PROXY_KEY },
    body: JSON.stringify({ contents: [{ parts: [{ text: PROMPT }] }] }),
  });
}

describe('privacy: keys and prompts never leave memory', () => {
  it('leaves no key or prompt in the SQLite database, its WAL, the logs or state (debug logging on)', async () => {
    const h = await startHarness({
      env: { OCO_PROXY_API_KEY: PROXY_KEY, OCO_LOG_LEVEL: 'trace', OPENAI_API_KEY: PROVIDER_KEY },
    });
    const home = h.home.path;
    const { key: virtualKey } = await createKey(h.daemon.store, { name: 'privacy' });
    try {
      await traffic(h, virtualKey);
      await h.flush();
      expect(Number((await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM api_requests'))!.n)).toBe(7);
    } finally {
      await h.daemon.stop();
    }
    const bytes = homeBytes(home);
    expect(bytes.length).toBeGreaterThan(1000);
    for (const secret of [PROVIDER_KEY, PROXY_KEY, virtualKey, 'PROMPT-CANARY-7f3a9'])
      expect(bytes.includes(secret), secret).toBe(false);
    await h.fake.close();
    h.home.cleanup();
  });
});

describe.skipIf(!pgAvailable())('database down: spill file and replay (PostgreSQL behind a relay)', () => {
  let fwd: TcpForwarder;
  let db: TestDatabase;
  let fake: FakeLlm;
  let h: Harness;
  beforeAll(async () => {
    db = await createTestDatabase();
    fwd = await startForwarder('127.0.0.1', Number(new URL(db.url).port || 5432));
    const url = new URL(db.url);
    url.port = String(fwd.port);
    fake = await startFakeLlm();
    h = await startHarness({
      fake,
      env: { DATABASE_URL: url.toString(), OCO_PROXY_API_KEY: PROXY_KEY, OCO_LOG_LEVEL: 'debug' },
    });
  });
  afterAll(async () => {
    await h?.daemon.stop().catch(() => {});
    await fwd?.close();
    await fake?.close();
    await db?.drop();
    h?.home.cleanup();
  });

  const count = async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const a = await c.query('SELECT COUNT(*)::int AS n FROM api_requests');
      const b = await c.query(
        'SELECT COALESCE(SUM(requests), 0)::int AS n, SUM(cost_usd)::text AS cost FROM usage_hourly',
      );
      const d = await c.query(
        'SELECT COALESCE(SUM(requests), 0)::int AS n, SUM(cost_usd)::text AS cost FROM usage_daily',
      );
      return {
        rows: a.rows[0].n as number,
        rollup: b.rows[0].n as number,
        cost: b.rows[0].cost as string,
        daily: d.rows[0].n as number,
        dailyCost: d.rows[0].cost as string,
      };
    } finally {
      await c.end();
    }
  };

  it('keeps serving while the database is down, spills records without secrets, and replays each once', async () => {
    const { key: virtualKey } = await createKey(h.daemon.store, { name: 'spill' });
    await traffic(h, virtualKey);
    await h.flush();
    expect((await count()).rows).toBe(7);

    fwd.pause();
    const openai = new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${h.url}/v1/proxy/openai/v1`,
      maxRetries: 0,
      defaultHeaders: { 'X-OCO-Key': PROXY_KEY },
    });
    for (let i = 0; i < 5; i++) {
      const r = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: PROMPT }],
      });
      expect(r.choices).toHaveLength(1);
    }
    await h.flush();
    const spillDir = join(h.home.path, 'state', 'spill');
    const spilled = readdirSync(spillDir).filter((f) => f.endsWith('.jsonl'));
    expect(spilled.length).toBeGreaterThan(0);
    // Spend and attribution: only the owner may read them.
    expect(statSync(spillDir).mode & 0o777).toBe(0o700);
    for (const f of spilled) expect(statSync(join(spillDir, f)).mode & 0o777, f).toBe(0o600);
    const spillText = spilled.map((f) => readFileSync(join(spillDir, f), 'utf8')).join('');
    expect(spillText.trim().split('\n')).toHaveLength(5);
    for (const secret of [PROVIDER_KEY, PROXY_KEY, virtualKey, 'PROMPT-CANARY-7f3a9'])
      expect(spillText.includes(secret), secret).toBe(false);
    expect(((await (await fetch(`${h.url}/health/db`)).json()) as any).status).toBe('unavailable');

    fwd.resume();
    const after = await waitFor(
      async () => {
        const c = await count();
        return c.rows === 12 && readdirSync(spillDir).length === 0 ? c : undefined;
      },
      15_000,
      'spill replay',
    );
    // Replaying is idempotent: a second replay of the same records adds nothing.
    expect(after.rollup).toBe(12);
    expect(after.daily).toBe(12);
    expect(new Money(after.dailyCost).eq(after.cost)).toBe(true);
    const again = JSON.parse(`[${spillText.trim().split('\n').join(',')}]`);
    const { writeRecords } = await import('../../src/core/gateway/usage/write.js');
    await h.daemon.store.transaction((tx) => writeRecords(tx, again));
    expect(await count()).toEqual(after);

    // The database's every table, as text: no key, no prompt.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const tables = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
      let dump = '';
      for (const t of tables.rows) dump += JSON.stringify((await c.query(`SELECT * FROM "${t.table_name}"`)).rows);
      expect(dump).toContain('gpt-4o');
      for (const secret of [PROVIDER_KEY, PROXY_KEY, virtualKey, 'PROMPT-CANARY-7f3a9'])
        expect(dump.includes(secret), secret).toBe(false);
    } finally {
      await c.end();
    }
    await h.daemon.stop();
    const logs = filesUnder(join(h.home.path, 'state', 'logs'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
    expect(logs).toContain('usage write failed');
    for (const secret of [PROVIDER_KEY, PROXY_KEY, virtualKey, 'PROMPT-CANARY-7f3a9'])
      expect(logs.includes(secret), secret).toBe(false);
  });
});
