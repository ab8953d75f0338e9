import { createServer } from 'node:net';
import OpenAI, { APIError } from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdmissionControl,
  AdmissionDecision,
  AdmissionRequest,
  SettleInfo,
} from '../../src/core/gateway/proxy/admission.js';
import { Gateway } from '../../src/core/gateway/proxy/gateway.js';
import { KeyCache } from '../../src/core/gateway/keys/cache.js';
import { loadPriceBook } from '../../src/core/gateway/pricing/index.js';
import { setFallbacks } from '../../src/core/gateway/routing/fallbacks.js';
import { Recorder } from '../../src/core/gateway/usage/recorder.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { startHarness, type Harness } from './harness.js';

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const hi = [{ role: 'user' as const, content: 'hi' }];
const trim = (v: unknown) =>
  String(v)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');

/**
 * Retries and fallbacks on the unified endpoint, through the official openai SDK against the wire
 * fake, whose answers per model are scripted (429, 500, slow, reset). Gemini's base URL is a closed
 * port: every Gemini attempt is a refused connection. Timeouts are 300 ms, the retry wait cap 500 ms.
 */
describe('fallbacks and retries on the unified endpoint', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        OCO_GEMINI_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
        OCO_PROXY_UPSTREAM_TIMEOUT_MS: '300',
        OCO_ROUTE_RETRIES: '1',
        OCO_ROUTE_RETRY_BASE_MS: '10',
        OCO_ROUTE_RETRY_MAX_WAIT_MS: '500',
        OCO_ROUTE_BREAKER_FAILURES: '100',
        OPENAI_API_KEY: 'sk-openai-configured',
        ANTHROPIC_API_KEY: 'sk-ant-configured',
      },
    });
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  /** Every attempt of the calls made for one team, in the order they were made. */
  const attempts = async (team: string) => {
    await h.flush();
    const rows = await h.daemon.store.all<Record<string, any>>(
      'SELECT * FROM api_requests WHERE team_id = $1 ORDER BY ts',
      [team],
    );
    return rows.map((r) => ({
      model: r.model,
      status: Number(r.status_code),
      errorClass: r.error_class,
      cost: r.cost_usd === null ? null : trim(r.cost_usd),
    }));
  };
  const to = (team: string, fallbacks?: string, more: Record<string, string> = {}) => ({
    headers: { 'X-Team-ID': team, ...(fallbacks ? { 'X-OCO-Fallbacks': fallbacks } : {}), ...more },
  });
  const sent = (model: string) => h.fake.requests.filter((r) => r.body.includes(`"model":"${model}"`)).length;

  let listSetAt = 0;
  it('serves with no stored list; a list set meanwhile waits for the next re-read', async () => {
    h.fake.script('gpt-4o', '500', '500');
    const err = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tunset'))
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(500);
    // Checked by the last test: by then the daemon has re-read the lists (every 2 s), no restart.
    await setFallbacks(h.daemon.store, 'gpt-4o', 'claude-sonnet-4-5');
    listSetAt = Date.now();
  });

  it('falls back on 429: a Retry-After past the cap skips the retry, each attempt recorded with its cost', async () => {
    h.fake.script('gpt-4o', '429'); // the fake's 429 says Retry-After: 1 (s), over the 500 ms cap
    const before = sent('gpt-4o');
    const started = Date.now();
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('t429', 'claude-sonnet-4-5'))
      .withResponse();
    expect(Date.now() - started).toBeLessThan(900);
    expect(data.choices[0]!.message.content).toBe('Hello from the fake model.');
    expect(response.headers.get('x-oco-model')).toBe('claude-sonnet-4-5');
    expect(response.headers.get('x-oco-attempts')).toBe('2');
    expect(response.headers.get('x-cost-usd')).toBe('0.014625');
    expect(sent('gpt-4o') - before).toBe(1);
    expect(h.fake.last()!.url).toBe('/v1/messages');
    expect(h.fake.last()!.headers['x-oco-fallbacks']).toBeUndefined();
    // The client's key was for OpenAI: another provider gets the configured key, never the client's.
    expect(h.fake.last()!.headers['x-api-key']).toBe('sk-ant-configured');
    expect(JSON.stringify(h.fake.last()!.headers)).not.toContain('sk-client-key');
    expect(await attempts('t429')).toEqual([
      { model: 'gpt-4o', status: 429, errorClass: 'rate_limited', cost: '0' },
      { model: 'claude-sonnet-4-5', status: 200, errorClass: null, cost: '0.014625' },
    ]);
  });

  it('retries a 500 once on the same model, then falls back', async () => {
    h.fake.script('gpt-4o', '500', '500');
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('t500', 'claude-sonnet-4-5'))
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(response.headers.get('x-oco-attempts')).toBe('3');
    expect(await attempts('t500')).toEqual([
      { model: 'gpt-4o', status: 500, errorClass: 'upstream_5xx', cost: '0' },
      { model: 'gpt-4o', status: 500, errorClass: 'upstream_5xx', cost: '0' },
      { model: 'claude-sonnet-4-5', status: 200, errorClass: null, cost: '0.014625' },
    ]);
    // Only the first attempt carries the request hash: the one the response cache would have answered.
    const hashes = await h.daemon.store.all<{ request_hash: string | null }>(
      'SELECT request_hash FROM api_requests WHERE team_id = $1 ORDER BY ts',
      ['t500'],
    );
    expect(hashes.map((r) => (r.request_hash === null ? null : /^[0-9a-f]{64}$/.test(r.request_hash)))).toEqual([
      true,
      null,
      null,
    ]);
  });

  it('bills a failed attempt when the provider reports usage in its error answer', async () => {
    // An overloaded Anthropic answer that still reports what it read: billed, then the fallback answers.
    const usage = { input_tokens: 1000, output_tokens: 0 };
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, usage };
    h.fake.script('claude-sonnet-4-5', { scenario: '529', body }, { scenario: '529', body });
    const { response } = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: hi }, to('tbilled', 'gpt-4o'))
      .withResponse();
    expect(response.headers.get('x-oco-model')).toBe('gpt-4o');
    // claude-sonnet-4-5 input: 1000 × $3/M = $0.003 per failed attempt
    expect(await attempts('tbilled')).toEqual([
      { model: 'claude-sonnet-4-5', status: 529, errorClass: 'upstream_5xx', cost: '0.003' },
      { model: 'claude-sonnet-4-5', status: 529, errorClass: 'upstream_5xx', cost: '0.003' },
      { model: 'gpt-4o-2024-08-06', status: 200, errorClass: null, cost: '0.00525' },
    ]);
  });

  it('honours a short Retry-After (seconds or retry-after-ms) and retries the same model', async () => {
    h.fake.script('gpt-4o', { scenario: '429', headers: { 'retry-after': '0.3' } });
    let started = Date.now();
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tra', 'claude-sonnet-4-5'))
      .withResponse();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(response.headers.get('x-oco-model')).toBe('gpt-4o');
    expect(response.headers.get('x-oco-attempts')).toBe('2');
    h.fake.script('gpt-4o', { scenario: '503', headers: { 'retry-after-ms': '250', 'retry-after': null } });
    started = Date.now();
    const again = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tra', 'claude-sonnet-4-5'))
      .withResponse();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(again.response.headers.get('x-oco-model')).toBe('gpt-4o');
  });

  it('falls back after timeouts', async () => {
    h.fake.script('gpt-4o', { scenario: 'slow', delayMs: 1500 }, { scenario: 'slow', delayMs: 1500 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tslow', 'claude-sonnet-4-5'))
      .withResponse();
    expect(response.headers.get('x-oco-model')).toBe('claude-sonnet-4-5');
    expect(await attempts('tslow')).toEqual([
      { model: 'gpt-4o', status: 504, errorClass: 'upstream_timeout', cost: '0' },
      { model: 'gpt-4o', status: 504, errorClass: 'upstream_timeout', cost: '0' },
      { model: 'claude-sonnet-4-5', status: 200, errorClass: null, cost: '0.014625' },
    ]);
  });

  it('falls back when the connection is refused (Gemini points at a closed port), across providers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gemini-2.5-pro', messages: hi }, to('trefused', 'gpt-4o'))
      .withResponse();
    expect(data.model).toBe('gpt-4o-2024-08-06');
    expect(response.headers.get('x-oco-model')).toBe('gpt-4o');
    const rows = await attempts('trefused');
    expect(rows.map((r) => [r.model, r.status, r.errorClass])).toEqual([
      ['gemini-2.5-pro', 502, 'upstream_unreachable'],
      ['gemini-2.5-pro', 502, 'upstream_unreachable'],
      ['gpt-4o-2024-08-06', 200, null],
    ]);
    expect(rows[2]!.cost).toBe('0.00525');
  });

  it("skips a fallback on another provider when the client's own key would be all it had", async () => {
    // No Gemini key is configured: the client's OpenAI key must not go to Gemini, so Gemini is not tried.
    h.fake.script('gpt-4o', '500', '500');
    const err = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tnokey', 'gemini-2.5-flash'))
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(500);
    expect(err.headers?.get('x-oco-attempts')).toBe('2');
    expect((await attempts('tnokey')).map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o']);
  });

  it('falls back on a streamed call whose status line is a 429, before anything reached the client', async () => {
    h.fake.script('gpt-4o', '429');
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: hi, stream: true },
      to('tstream429', 'claude-sonnet-4-5'),
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello from the');
    expect((await attempts('tstream429')).map((r) => r.model)).toEqual(['gpt-4o', 'claude-sonnet-4-5']);
  });

  it('never retries once the stream started: a stream cut mid-way is cut for the client', async () => {
    h.fake.script('gpt-4o', 'reset');
    const before = sent('claude-sonnet-4-5');
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: hi, stream: true },
      to('tcut', 'claude-sonnet-4-5'),
    );
    let text = '';
    const failed = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(text).toBe('Hello');
    expect(sent('claude-sonnet-4-5')).toBe(before);
    const rows = await attempts('tcut');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'gpt-4o', status: 200, errorClass: 'upstream_reset' });
  });

  it("answers with the last attempt's error, translated, when every attempt fails", async () => {
    h.fake.script('gpt-4o', '500', '500');
    h.fake.script('claude-sonnet-4-5', '429'); // Retry-After: 1 s is over the cap: no retry
    const err = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tall', 'claude-sonnet-4-5'))
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(429);
    expect(err.error).toMatchObject({ type: 'rate_limit_error', message: 'Rate limit reached' });
    expect(err.headers?.get('x-oco-model')).toBe('claude-sonnet-4-5');
    expect(err.headers?.get('x-oco-attempts')).toBe('3');
    expect(err.headers?.get('retry-after')).toBe('1');
    expect((await attempts('tall')).map((r) => r.status)).toEqual([500, 500, 429]);
  });

  it('X-OCO-Fallbacks: none disables fallbacks; a model no provider claims is a 400 naming the header', async () => {
    h.fake.script('gpt-4o', '500', '500');
    const before = sent('claude-sonnet-4-5');
    const err = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tnone', 'none'))
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(500);
    expect(sent('claude-sonnet-4-5')).toBe(before);
    const total = h.fake.requests.length;
    const bad = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tbad', 'claude-sonnet-4-5,llama-3'))
      .catch((e: unknown) => e)) as APIError;
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({ param: 'X-OCO-Fallbacks' });
    expect(bad.message).toMatch(/llama-3/);
    expect(h.fake.requests.length).toBe(total);
  });

  it('falls back on embeddings too', async () => {
    h.fake.script('text-embedding-3-small', '500', '500');
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'hello' }, to('temb', 'text-embedding-3-large'))
      .withResponse();
    expect(data.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
    expect(response.headers.get('x-oco-model')).toBe('text-embedding-3-large');
  });

  it('applies the stored list (oco route fallbacks set) within seconds, without a restart', async () => {
    // A list older than 4 s is re-read before use (2 s: in the background): the tests in between take about that.
    await new Promise((r) => setTimeout(r, Math.max(0, listSetAt + 4100 - Date.now())));
    h.fake.script('gpt-4o', '500', '500');
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, to('tstored'))
      .withResponse();
    expect(response.headers.get('x-oco-model')).toBe('claude-sonnet-4-5');
    expect(response.headers.get('x-oco-attempts')).toBe('3');
  });
});

/** Admits every model but gpt-4o (as a budget too small for it would), keeping what it saw. */
class ModelBudget implements AdmissionControl {
  admits: AdmissionRequest[] = [];
  settles: Array<{ ticket: unknown; info: SettleInfo }> = [];
  async admit(req: AdmissionRequest): Promise<AdmissionDecision> {
    this.admits.push(req);
    if (req.model === 'gpt-4o')
      return {
        admitted: false,
        status: 429,
        body: { error: { type: 'budget_exceeded', scope: 'team', entity_id: req.attribution.teamId } },
      };
    return { admitted: true, ticket: req.requestId };
  }
  async settle(ticket: unknown, info: SettleInfo): Promise<void> {
    this.settles.push({ ticket, info });
  }
  async close(): Promise<void> {}
}

describe.each(BACKENDS)('circuit breaker and admission per attempt ($name)', (backend) => {
  let fake: FakeLlm;
  let store: Store;
  let cleanup: () => Promise<void>;
  let gateway: Gateway;
  let recorder: Recorder;
  let control: ModelBudget;
  let client: OpenAI;
  const home = tempHome();
  beforeAll(async () => {
    if (!backend.available()) return;
    fake = await startFakeLlm();
    ({ store, cleanup } = await backend.open());
    control = new ModelBudget();
    recorder = new Recorder({ store, spillDir: `${home.path}/spill`, flushIntervalMs: 50, maxQueue: 1000 });
    recorder.start();
    const book = await loadPriceBook(store);
    gateway = new Gateway({
      settings: {
        baseUrls: { openai: fake.url, anthropic: fake.url, gemini: fake.url },
        providerKeys: { openai: 'sk-openai-configured', anthropic: 'sk-ant-configured' },
        maxBodyBytes: 1 << 20,
        upstreamTimeoutMs: 2000,
        admissionFailOpen: false,
        retry: { retries: 0, retryBaseMs: 0, retryMaxWaitMs: 0 },
        breaker: { failures: 2, cooldownMs: 400 },
      },
      store,
      recorder,
      prices: () => book,
      keys: new KeyCache(store),
      logger: pino({ level: 'silent' }),
      admission: [control],
      version: 'test',
    });
    const addr = await gateway.listen(0, '127.0.0.1');
    client = new OpenAI({ apiKey: 'sk-x', baseURL: `http://127.0.0.1:${addr.port}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.drain(1000);
    await recorder?.stop();
    await cleanup?.();
    await fake?.close();
    home.cleanup();
  });

  const call = (model: string, fallbacks: string) =>
    client.chat.completions
      .create({ model, messages: hi }, { headers: { 'X-OCO-Fallbacks': fallbacks } })
      .withResponse()
      .then(
        (r) => ({ status: 200, model: r.response.headers.get('x-oco-model'), err: undefined }),
        (e: APIError) => ({ status: e.status, model: e.headers?.get('x-oco-model') ?? null, err: e }),
      );
  const sentTo = (model: string) => fake.requests.filter((r) => r.body.includes(`"model":"${model}"`)).length;

  it.skipIf(!backend.available())(
    'opens after N failures (skipped, 503 with Retry-After), half-opens after the cool-down, closes on success',
    async () => {
      fake.script('claude-haiku-4-5', '500', '500');
      expect((await call('claude-haiku-4-5', 'none')).status).toBe(500);
      expect((await call('claude-haiku-4-5', 'none')).status).toBe(500);
      const before = sentTo('claude-haiku-4-5');
      // Open: nothing forwarded; with no fallback a 503 naming the cause, with one the fallback answers at once.
      const open = await call('claude-haiku-4-5', 'none');
      expect(open.status).toBe(503);
      expect(open.err!.headers?.get('retry-after')).toBe('1');
      expect(open.err!.message).toMatch(/circuit open/);
      const fellBack = await call('claude-haiku-4-5', 'gpt-5-nano');
      expect(fellBack).toMatchObject({ status: 200, model: 'gpt-5-nano' });
      expect(sentTo('claude-haiku-4-5')).toBe(before);
      // After the cool-down one probe goes through; it succeeds, the circuit closes.
      await new Promise((r) => setTimeout(r, 450));
      expect(await call('claude-haiku-4-5', 'none')).toMatchObject({ status: 200, model: 'claude-haiku-4-5' });
      expect(sentTo('claude-haiku-4-5')).toBe(before + 1);
      // Closed again: one more failure does not open it (the count restarted).
      fake.script('claude-haiku-4-5', '500');
      expect((await call('claude-haiku-4-5', 'none')).status).toBe(500);
      expect((await call('claude-haiku-4-5', 'none')).status).toBe(200);
    },
  );

  it.skipIf(!backend.available())(
    'moves the reservation: each attempt is admitted for its model, and a refused fallback ends the chain',
    async () => {
      fake.script('gpt-5-nano', '500');
      const first = control.admits.length;
      const r = await call('gpt-5-nano', 'gpt-4o,gpt-4.1-mini');
      expect(r.status).toBe(429);
      expect(r.err!.error).toMatchObject({ type: 'budget_exceeded' });
      const admits = control.admits.slice(first);
      expect(admits.map((a) => a.model)).toEqual(['gpt-5-nano', 'gpt-4o']);
      expect(admits[0]!.requestId).not.toBe(admits[1]!.requestId);
      // The failed attempt's ticket is settled once, as failed, at the cost recorded (0: no usage in a 500).
      const settled = control.settles.filter((s) => s.ticket === admits[0]!.requestId);
      expect(settled).toHaveLength(1);
      expect(settled[0]!.info).toMatchObject({ failed: true });
      expect(String(settled[0]!.info.costUsd)).toBe('0');
      expect(sentTo('gpt-4o')).toBe(0);
      expect(sentTo('gpt-4.1-mini')).toBe(0);
      await recorder.flush();
      const rows = await store.all<Record<string, any>>(
        'SELECT model, status_code, error_class FROM api_requests WHERE id IN ($1, $2) ORDER BY ts',
        [admits[0]!.requestId, admits[1]!.requestId],
      );
      expect(rows.map((x) => [x.model, Number(x.status_code), x.error_class])).toEqual([
        ['gpt-5-nano', 500, 'upstream_5xx'],
        ['gpt-4o', 429, 'refused'],
      ]);
    },
  );
});
