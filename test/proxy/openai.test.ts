import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness, type Harness } from './harness.js';

/**
 * The openai SDK through the gateway to the fake upstream, once per storage
 * engine. Expected costs are hand-computed from the fake's fixed usage and the
 * shipped price table (USD per 1M tokens).
 */
describe.each(BACKENDS)('OpenAI through the gateway ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let h: Harness;
    let client: OpenAI;
    beforeAll(async () => {
      h = await startHarness({ engine: b.name });
      client = new OpenAI({ apiKey: 'sk-test-openai-key', baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
    });
    afterAll(async () => h?.stop());

    const row = async (id: string) => {
      await h.flush();
      return h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]);
    };

    it('forwards a chat completion untouched and records its exact cost', async () => {
      const { data, response } = await client.chat.completions
        .create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'X-Agent-ID': 'agent-7', 'X-Team-ID': 'payments', 'X-OCO-Tags': 'ci,nightly' } },
        )
        .withResponse();
      expect(data.choices[0]!.message.content).toBe('Hello from the fake model.');
      expect(data.model).toBe('gpt-4o-2024-08-06');
      // gpt-4o: 800 input × 2.5 + 200 cached × 1.25 + 300 output × 10, per 1M tokens.
      expect(response.headers.get('x-cost-usd')).toBe('0.00525');
      expect(response.headers.get('x-fake-upstream')).toBe('yes');
      const id = response.headers.get('x-request-id')!;
      expect(Number(response.headers.get('x-latency-ms'))).toBeGreaterThan(0);
      const seen = h.fake.last()!;
      expect(seen.headers.authorization).toBe('Bearer sk-test-openai-key');
      expect(seen.headers['x-agent-id']).toBeUndefined();
      const r = (await row(id))!;
      expect(r).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        agent_id: 'agent-7',
        team_id: 'payments',
        org_id: 'default',
        user_id: 'default',
        endpoint: '/v1/chat/completions',
        status_code: 200,
      });
      expect(Number(r.input_tokens)).toBe(800);
      expect(Number(r.cached_input_tokens)).toBe(200);
      expect(Number(r.output_tokens)).toBe(300);
      expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.00525');
      expect(JSON.parse(typeof r.tags === 'string' ? r.tags : JSON.stringify(r.tags))).toEqual(['ci', 'nightly']);
      expect(Boolean(r.streamed)).toBe(false);
      expect(Boolean(r.estimated)).toBe(false);
    });

    it('bills reasoning tokens at the output rate without counting them twice', async () => {
      const { response } = await client.chat.completions
        .create({ model: 'o3-mini', messages: [{ role: 'user', content: 'think' }], user: 'alice' })
        .withResponse();
      // o3-mini: 800 × 1.1 + 200 × 0.55 + (200 visible + 100 reasoning) × 4.4 = 0.00088 + 0.00011 + 0.00132
      expect(response.headers.get('x-cost-usd')).toBe('0.00231');
      const r = (await row(response.headers.get('x-request-id')!))!;
      expect(Number(r.output_tokens)).toBe(200);
      expect(Number(r.reasoning_tokens)).toBe(100);
      expect(r.user_id).toBe('alice');
    });

    it('streams chat chunks, asks upstream for usage and hides it from a client that did not ask', async () => {
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { headers: { 'x-fake-chunks': '4' } },
      );
      const parts: string[] = [];
      let sawUsage = false;
      for await (const chunk of stream) {
        if (chunk.usage) sawUsage = true;
        expect('usage' in chunk).toBe(false);
        parts.push(chunk.choices[0]?.delta?.content ?? '');
      }
      expect(parts.join('')).toBe('Hello from the fake');
      expect(sawUsage).toBe(false);
      expect(JSON.parse(h.fake.last()!.body).stream_options).toEqual({ include_usage: true });
      await h.flush();
      const r = (await h.daemon.store.get<Record<string, any>>(
        "SELECT * FROM api_requests WHERE streamed = $1 AND model = 'gpt-4o-2024-08-06' ORDER BY ts DESC LIMIT 1",
        [true],
      ))!;
      expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.00525');
      expect(Boolean(r.estimated)).toBe(false);
    });

    it('gives a client that does not ask for usage exactly the bytes the provider sends without it', async () => {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-x' };
      const direct = await (await fetch(`${h.fake.url}/v1/chat/completions`, { method: 'POST', headers, body })).text();
      const viaProxy = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, { method: 'POST', headers, body });
      expect(await viaProxy.text()).toBe(direct);
    });

    it('passes a client-requested usage chunk through and prices it', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect(usage?.prompt_tokens).toBe(1000);
    });

    it('sends cost and latency of a stream as HTTP trailers', async () => {
      const { request } = await import('undici');
      const res = await request(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      });
      expect(res.headers.trailer).toBe('X-Cost-USD, X-Latency-Ms');
      await res.body.text();
      expect(res.trailers['x-cost-usd']).toBe('0.00525');
      expect(Number(res.trailers['x-latency-ms'])).toBeGreaterThan(0);
    });

    it('prices the Responses API, streaming and not', async () => {
      const { response } = await client.responses.create({ model: 'gpt-4.1', input: 'hello' }).withResponse();
      // gpt-4.1: 700 × 2 + 100 × 0.5 + (300 + 200 reasoning) × 8 = 0.0014 + 0.00005 + 0.004
      expect(response.headers.get('x-cost-usd')).toBe('0.00545');
      const stream = await client.responses.create({ model: 'gpt-4.1', input: 'hello', stream: true });
      let text = '';
      for await (const ev of stream) if (ev.type === 'response.output_text.delta') text += ev.delta;
      expect(text).toBe('Hello from the');
      await h.flush();
      const r = (await h.daemon.store.get<Record<string, any>>(
        "SELECT * FROM api_requests WHERE endpoint = '/v1/responses' AND streamed = $1",
        [true],
      ))!;
      expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.00545');
    });

    it('prices embeddings and legacy completions', async () => {
      const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
      expect(e.data.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
      // 8 tokens × 0.02 per 1M
      expect(e.response.headers.get('x-cost-usd')).toBe('0.00000016');
      const c = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say' }).withResponse();
      // 1000 × 1.5 + 300 × 2
      expect(c.response.headers.get('x-cost-usd')).toBe('0.0021');
      const s = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say', stream: true });
      let text = '';
      for await (const ch of s) text += ch.choices[0]?.text ?? '';
      expect(text).toBe('Hello from the');
    });

    it('records an unknown model as unpriced (null, never 0) and lists it', async () => {
      const { response } = await client.chat.completions
        .create({ model: 'my-private-model', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      expect(response.headers.get('x-cost-usd')).toBeNull();
      const r = (await row(response.headers.get('x-request-id')!))!;
      expect(r.cost_usd).toBeNull();
      const { listUnpriced } = await import('../../src/core/gateway/usage/summary.js');
      expect((await listUnpriced(h.daemon.store)).map((u) => u.model)).toContain('my-private-model');
    });
  });
});
