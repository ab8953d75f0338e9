import OpenAI from 'openai';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from './harness.js';

/** What the gateway does when the upstream, the client or the request misbehaves. */
describe('gateway error paths', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_PROXY_UPSTREAM_TIMEOUT_MS: '400', OCO_PROXY_MAX_BODY_BYTES: '4096' } });
    client = new OpenAI({ apiKey: 'sk-err', baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  const record = async (id: string) =>
    waitFor(
      async () => {
        await h.flush();
        return h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]);
      },
      5000,
      `record ${id}`,
    );
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/v1/proxy/openai${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-err', ...headers },
      body,
    });
  const chat = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

  it('returns an upstream 429 verbatim and records it as rate limited at no cost', async () => {
    const res = await post('/v1/chat/completions', chat, { 'x-fake-scenario': '429' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await res.json()) as any).toEqual({
      error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    const r = await record(res.headers.get('x-request-id')!);
    expect(r.error_class).toBe('rate_limited');
    expect(Number(r.status_code)).toBe(429);
    expect(String(r.cost_usd)).toMatch(/^0(\.0*)?$/);
  });

  it('returns an upstream 500 verbatim (the SDK sees the provider error)', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [] }, { headers: { 'x-fake-scenario': '500' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
  });

  it('answers 502 in its own error shape when the upstream resets the connection', async () => {
    const res = await post('/v1/chat/completions', chat, { 'x-fake-scenario': 'reset' });
    expect(res.status).toBe(502);
    const body = (await res.json()) as any;
    expect(body.error.type).toBe('upstream_unreachable');
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    const res = await post('/v1/chat/completions', chat, { 'x-fake-scenario': 'slow', 'x-fake-delay-ms': '1500' });
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error.type).toBe('upstream_timeout');
    expect((await record(res.headers.get('x-request-id')!)).error_class).toBe('upstream_timeout');
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const h2 = await startHarness({ fake: h.fake, env: { OCO_OPENAI_BASE_URL: `http://127.0.0.1:${port}` } });
    try {
      const res = await fetch(`${h2.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat,
      });
      expect(res.status).toBe(502);
      expect(((await res.json()) as any).error).toMatchObject({ type: 'upstream_unreachable' });
    } finally {
      await h2.stop();
    }
  });

  it('refuses a body over the limit with 413 without contacting the upstream', async () => {
    const before = h.fake.requests.length;
    const res = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(8000) }] }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.type).toBe('request_too_large');
    expect(h.fake.requests.length).toBe(before);
  });

  it('forwards a body that is not JSON and records the model as unknown', async () => {
    const res = await post('/v1/chat/completions', 'this is not json');
    expect(res.status).toBe(400);
    expect(h.fake.last()!.body).toBe('this is not json');
    const r = await record(res.headers.get('x-request-id')!);
    expect(r.model).toBe('unknown');
    expect(r.cost_usd).toBeNull();
  });

  it('ends the client stream when the upstream resets mid-stream and bills an estimate', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-fake-scenario': 'reset', 'x-fake-chunks': '6' } },
    );
    const got: string[] = [];
    const err = await (async () => {
      for await (const c of stream) got.push(c.choices[0]?.delta?.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await h.flush();
    const r = await waitFor(async () => {
      await h.flush();
      return h.daemon.store.get<Record<string, any>>(
        "SELECT * FROM api_requests WHERE error_class = 'upstream_reset' ORDER BY ts DESC LIMIT 1",
      );
    });
    expect(Boolean(r.estimated)).toBe(true);
    expect(Boolean(r.streamed)).toBe(true);
    expect(Number(r.output_tokens)).toBeGreaterThan(0);
    expect(r.cost_usd).not.toBeNull();
  });

  it('bills a stream the client cancels for what streamed, and aborts the upstream', async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'a long answer please' }], stream: true },
      { headers: { 'x-fake-chunks': '50', 'x-fake-chunk-delay-ms': '40' }, signal: ac.signal },
    );
    let n = 0;
    await (async () => {
      for await (const _ of stream) if (++n === 3) ac.abort();
    })().catch(() => {});
    const r = await waitFor(
      async () => {
        await h.flush();
        return h.daemon.store.get<Record<string, any>>(
          "SELECT * FROM api_requests WHERE error_class = 'client_cancelled' ORDER BY ts DESC LIMIT 1",
        );
      },
      5000,
      'cancelled record',
    );
    expect(Boolean(r.estimated)).toBe(true);
    // 1 prompt of 20 characters ≈ 5 input tokens; a few words streamed ≈ a few output tokens
    expect(Number(r.input_tokens)).toBe(5);
    expect(Number(r.output_tokens)).toBeGreaterThan(0);
    expect(Number(r.output_tokens)).toBeLessThan(20);
    expect(Number(r.latency_ms)).toBeLessThan(1500);
  });

  it('bills a stream the client cancels before its first byte for its estimated input (the provider read the prompt)', async () => {
    const ac = new AbortController();
    const sent = h.fake.requests.length;
    const res = fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-err',
        'x-user-id': 'cancel-early',
        'x-fake-scenario': 'slow',
        'x-fake-delay-ms': '300',
      },
      body: JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'cancel before any byte' }],
        stream: true,
      }),
      signal: ac.signal,
    }).catch((e: unknown) => e);
    await waitFor(async () => h.fake.requests.length > sent, 2000, 'the call upstream');
    ac.abort();
    expect(await res).toBeInstanceOf(Error);
    const r = await waitFor(
      async () => {
        await h.flush();
        return h.daemon.store.get<Record<string, any>>("SELECT * FROM api_requests WHERE user_id = 'cancel-early'");
      },
      5000,
      'cancelled record',
    );
    expect(r.error_class).toBe('client_cancelled');
    expect(Boolean(r.estimated)).toBe(true);
    // "cancel before any byte": 22 characters ≈ 6 input tokens at gpt-4o's 2.50 USD per 1M, nothing generated yet
    expect([Number(r.input_tokens), Number(r.output_tokens)]).toEqual([6, 0]);
    expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.000015');
  });

  it('estimates and marks a completed stream whose final usage never came', async () => {
    const res = await post('/v1/responses', JSON.stringify({ model: 'gpt-4.1', input: 'abcdefgh', stream: true }), {
      'x-fake-scenario': 'nousage',
      'x-fake-chunks': '2',
    });
    await res.text();
    const r = await record(res.headers.get('x-request-id')!);
    expect(Boolean(r.estimated)).toBe(true);
    // "abcdefgh" ≈ 2 input tokens; "Hello from" (10 characters) ≈ 3 output tokens: 2 × 2 + 3 × 8 per 1M
    expect([Number(r.input_tokens), Number(r.output_tokens)]).toEqual([2, 3]);
    expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.000028');
  });

  it('answers unknown routes and providers with 404 JSON', async () => {
    const a = await fetch(`${h.url}/nope`);
    expect(a.status).toBe(404);
    expect(((await a.json()) as any).error.type).toBe('not_found');
    const b = await fetch(`${h.url}/v1/proxy/mistral/v1/chat`);
    expect(b.status).toBe(404);
  });

  it('refuses a malformed attribution header naming it', async () => {
    const res = await post('/v1/chat/completions', chat, { 'x-team-id': 'bad team!' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain('x-team-id');
  });

  it('reports /health and /health/db', async () => {
    const a = await (await fetch(`${h.url}/health`)).json();
    expect(a).toMatchObject({ status: 'ok', engine: 'sqlite', pid: process.pid });
    expect((await (await fetch(`${h.url}/health/db`)).json()) as any).toEqual({ status: 'ok', engine: 'sqlite' });
  });
});
