import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

/** @anthropic-ai/sdk and @google/genai through the gateway; costs hand-computed from FAKE_USAGE. */
describe('Anthropic and Gemini through the gateway', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let gemini: GoogleGenAI;
  beforeAll(async () => {
    h = await startHarness();
    anthropic = new Anthropic({ apiKey: 'sk-ant-test-key', baseURL: `${h.url}/v1/proxy/anthropic`, maxRetries: 0 });
    gemini = new GoogleGenAI({ apiKey: 'gemini-test-key', httpOptions: { baseUrl: `${h.url}/v1/proxy/gemini` } });
  });
  afterAll(async () => h?.stop());

  const latest = async (where: string, params: unknown[] = []) => {
    await h.flush();
    return (await h.daemon.store.get<Record<string, any>>(
      `SELECT * FROM api_requests WHERE ${where} ORDER BY ts DESC LIMIT 1`,
      params as never,
    ))!;
  };
  const trim = (v: unknown) => String(v).replace(/0+$/, '');

  it('prices an Anthropic message with cache reads and 5-minute and 1-hour cache writes', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Hello from the fake model.' });
    // 1000 × 3 + 2000 read × 0.3 + 300 (5m) × 3.75 + 400 (1h) × 6 + 500 × 15, per 1M tokens
    expect(response.headers.get('x-cost-usd')).toBe('0.014625');
    // This SDK version sends the key as a bearer token; older ones as x-api-key. Either must pass through.
    const seen = h.fake.last()!.headers;
    expect([seen['x-api-key'], seen.authorization]).toContain('Bearer sk-ant-test-key');
    const r = await latest('id = $1', [response.headers.get('x-request-id')]);
    expect(
      [r.input_tokens, r.cached_input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.output_tokens].map(
        Number,
      ),
    ).toEqual([1000, 2000, 300, 400, 500]);
  });

  it("takes an Anthropic stream's last cumulative message_delta, never the sum", async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await stream.finalText();
    expect(text).toBe('Hello from the');
    const r = await latest("provider = 'anthropic' AND streamed = $1", [true]);
    expect(Number(r.output_tokens)).toBe(500);
    expect(trim(r.cost_usd)).toBe('0.014625');
  });

  it('prices Gemini generateContent with cached, thoughts and tool-use tokens', async () => {
    const res = await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    expect(res.text).toBe('Hello from the fake model.');
    expect(h.fake.last()!.headers['x-goog-api-key']).toBe('gemini-test-key');
    // (1200 − 200 cached) × 0.3 + 200 × 0.03 + 300 × 2.5 + 150 thoughts × 2.5 + 50 tool-use × 0.3
    expect(res.sdkHttpResponse?.headers?.['x-cost-usd']).toBe('0.001446');
    const r = await latest("provider = 'gemini' AND streamed = $1", [false]);
    expect(
      [r.input_tokens, r.cached_input_tokens, r.output_tokens, r.reasoning_tokens, r.tool_prompt_tokens].map(Number),
    ).toEqual([1000, 200, 300, 150, 50]);
  });

  it('takes the last usageMetadata of a Gemini SSE stream', async () => {
    const stream = await gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    let text = '';
    for await (const c of stream) text += c.text ?? '';
    expect(text).toBe('Hello from the');
    const r = await latest("provider = 'gemini' AND streamed = $1", [true]);
    expect(trim(r.cost_usd)).toBe('0.001446');
    expect(Boolean(r.estimated)).toBe(false);
  });

  it('reads usage from a non-SSE Gemini stream (a JSON array)', async () => {
    const res = await fetch(`${h.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    const arr = JSON.parse(await res.text());
    expect(arr).toHaveLength(3);
    const r = await latest("provider = 'gemini' AND streamed = $1", [true]);
    expect(trim(r.cost_usd)).toBe('0.001446');
  });

  it('estimates Gemini embeddings (no usage in the response) and marks them estimated', async () => {
    const res = await gemini.models.embedContent({ model: 'gemini-embedding-001', contents: 'hello world' });
    expect(res.embeddings?.[0]?.values).toEqual([0.1, 0.2, 0.3]);
    const r = await latest("endpoint LIKE '%batchEmbedContents'");
    expect(Boolean(r.estimated)).toBe(true);
    // "hello world" = 11 characters ≈ 3 tokens × 0.15 per 1M
    expect(Number(r.input_tokens)).toBe(3);
    expect(trim(r.cost_usd)).toBe('0.00000045');
  });

  it('uses the configured provider key when the client sends none, and forwards ?key= untouched', async () => {
    const h2 = await startHarness({
      fake: h.fake,
      env: { ANTHROPIC_API_KEY: 'sk-ant-from-config', GEMINI_API_KEY: 'gm-from-config' },
    });
    try {
      const res = await fetch(`${h2.url}/v1/proxy/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [] }),
      });
      expect(res.status).toBe(200);
      expect(h.fake.last()!.headers['x-api-key']).toBe('sk-ant-from-config');
      await fetch(`${h2.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=client-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(h.fake.last()!.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent?key=client-key');
      expect(h.fake.last()!.headers['x-goog-api-key']).toBeUndefined();
    } finally {
      await h2.stop();
    }
  });
});
