import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { startHarness, type Harness } from './harness.js';

const ADMIN_KEY = 'admin-key-for-unified-0123456789';

/**
 * The OpenAI-format routes driven by the official openai SDK pointed at the
 * gateway's /v1, against the wire fakes of all three providers. Expected costs
 * are the passthrough's for the same provider answers (see openai.test.ts and
 * anthropic-gemini.test.ts for the arithmetic).
 */
describe('the unified OpenAI-compatible endpoint', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: ADMIN_KEY, ANTHROPIC_API_KEY: 'sk-ant-configured' } });
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  const row = async (id: string | null) => {
    await h.flush();
    return (await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]))!;
  };
  const trim = (v: unknown) => String(v).replace(/0+$/, '');
  const hi = [{ role: 'user' as const, content: 'hi' }];

  it('answers an OpenAI model as OpenAI would, priced as the passthrough prices it', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: hi }, { headers: { 'X-Team-ID': 'payments' } })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake model.');
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 300 });
    expect(response.headers.get('x-cost-usd')).toBe('0.00525');
    const seen = h.fake.last()!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer sk-client-key');
    expect(seen.headers['x-team-id']).toBeUndefined();
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'openai', endpoint: '/v1/chat/completions', team_id: 'payments' });
    expect(trim(r.cost_usd)).toBe('0.00525');
  });

  it('translates a Claude model to Messages and back, the client key in x-api-key', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: 'be brief' }, ...hi] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]).toMatchObject({
      message: { content: 'Hello from the fake model.' },
      finish_reason: 'stop',
    });
    const seen = h.fake.last()!;
    expect(seen.url).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe('sk-client-key');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.parse(seen.body)).toMatchObject({ system: [{ type: 'text', text: 'be brief' }], max_tokens: 4096 });
    expect(response.headers.get('x-cost-usd')).toBe('0.014625');
  });

  it('records a translated call exactly as the passthrough records the same provider answer', async () => {
    const viaUnified = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: hi })
      .withResponse();
    const upstreamBody = h.fake.last()!.body;
    const viaProxy = await fetch(`${h.url}/v1/proxy/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: upstreamBody,
    });
    expect(viaProxy.status).toBe(200);
    const a = await row(viaUnified.response.headers.get('x-request-id'));
    const b = await row(viaProxy.headers.get('x-request-id'));
    // The unified route also records the body's hash (for the enable-cache rule); the passthrough does not.
    const drop = ({ id: _i, ts: _t, latency_ms: _l, ttfb_ms: _f, request_hash: _h, ...rest }: Record<string, any>) =>
      rest;
    expect(drop(a)).toEqual(drop(b));
    expect(a.endpoint).toBe('/v1/messages');
    expect(a.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.request_hash).toBeNull();
  });

  it('translates a Gemini model to generateContent and back', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gemini-2.5-flash', messages: hi })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake model.');
    expect(h.fake.last()!.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(h.fake.last()!.headers['x-goog-api-key']).toBe('sk-client-key');
    expect(response.headers.get('x-cost-usd')).toBe('0.001446');
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'gemini', endpoint: '/v1beta/models/gemini-2.5-flash:generateContent' });
    expect(trim(r.cost_usd)).toBe('0.001446');
  });

  it.each([
    ['gpt-4o', '0.00525'],
    ['claude-sonnet-4-5', '0.014625'],
    ['gemini-2.5-flash', '0.001446'],
  ])('streams %s as chat.completion.chunk events and prices the stream', async (model, cost) => {
    const stream = await client.chat.completions.create({ model, messages: hi, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.usage ?? undefined).toBeUndefined();
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Hello from the');
    expect(finish).toBe('stop');
    await h.flush();
    const r = (await h.daemon.store.get<Record<string, any>>(
      'SELECT * FROM api_requests WHERE streamed = $1 ORDER BY ts DESC LIMIT 1',
      [true],
    ))!;
    expect(trim(r.cost_usd)).toBe(cost);
    expect(Boolean(r.estimated)).toBe(false);
  });

  it('cuts the client stream when the upstream cuts it, and bills the cut call on an estimate', async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages: hi, stream: true },
      { headers: { 'x-fake-scenario': 'reset', 'x-fake-chunks': '5' } },
    );
    let text = '';
    const failed = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(text).toBe('Hello');
    await h.flush();
    const r = (await h.daemon.store.get<Record<string, any>>(
      "SELECT * FROM api_requests WHERE provider = 'anthropic' AND streamed = $1 ORDER BY ts DESC LIMIT 1",
      [true],
    ))!;
    expect(Boolean(r.estimated)).toBe(true);
    // message_start's input (1000 + 2000 cache read + 700 cache write), as the passthrough estimates a cut stream.
    expect(Number(r.input_tokens)).toBe(3700);
    expect(r.error_class).not.toBeNull();
  });

  it('ends a stream with the usage chunk when stream_options.include_usage is set', async () => {
    for (const model of ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash']) {
      const stream = await client.chat.completions.create({
        model,
        messages: hi,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks[chunks.length - 1]!;
      expect(last.choices).toEqual([]);
      expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    }
  });

  it('carries tools and a tool call back, and the tool result forward with its id', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const first = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: hi, tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ id: 'toolu_fake1', type: 'function', function: { name: 'weather' } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'Paris' });
    expect(JSON.parse(h.fake.last()!.body).tools[0]).toMatchObject({ name: 'weather' });

    const second = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      tools,
      messages: [...hi, choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    expect(second.choices[0]!.message.content).toBe('Hello from the fake model.');
    const sent = JSON.parse(h.fake.last()!.body);
    expect(sent.messages[1].content).toContainEqual(
      expect.objectContaining({ type: 'tool_use', id: 'toolu_fake1', input: { city: 'Paris' } }),
    );
    expect(sent.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_fake1', content: 'sunny' }]);
  });

  it('refuses a field the provider cannot honour with a 400 naming field and provider, nothing forwarded', async () => {
    const before = h.fake.requests.length;
    const err = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: hi, logprobs: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    const e = err as APIError;
    expect(e.status).toBe(400);
    expect(e.param).toBe('logprobs');
    expect(e.code).toBe('OCO_TRANSLATE_UNSUPPORTED');
    expect(e.message).toMatch(/logprobs.*anthropic/);
    const unknown = await client.chat.completions.create({ model: 'llama-3', messages: hi }).catch((x: unknown) => x);
    expect((unknown as APIError).status).toBe(400);
    expect((unknown as APIError).code).toBe('OCO_TRANSLATE_UNKNOWN_MODEL');
    expect(h.fake.requests.length).toBe(before);
  });

  it("gives a provider's error status back in OpenAI's error shape, streamed or not", async () => {
    for (const stream of [false, true]) {
      const err = await client.chat.completions
        .create({ model: 'claude-sonnet-4-5', messages: hi, stream }, { headers: { 'x-fake-scenario': '429' } })
        .catch((e: unknown) => e);
      expect((err as APIError).status).toBe(429);
      expect((err as APIError).error).toMatchObject({ type: 'rate_limit_error', message: 'Rate limit reached' });
      const r = await row((err as APIError).headers?.get('x-request-id') ?? null);
      expect(r).toMatchObject({ status_code: 429, provider: 'anthropic' });
      expect(r.cost_usd === null || Number(r.cost_usd) === 0).toBe(true);
    }
  });

  it('takes a virtual key in the SDK key slot and sends the configured provider key, attributed to the key', async () => {
    const { key, record } = await createKey(h.daemon.store, { name: 'unified', agentId: 'unified-agent' });
    const keyed = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const { response } = await keyed.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: hi })
      .withResponse();
    const seen = h.fake.last()!.headers;
    expect(seen['x-api-key']).toBe('sk-ant-configured');
    expect(JSON.stringify(seen)).not.toContain(key);
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ key_id: record.id, agent_id: 'unified-agent' });
    const bad = new OpenAI({ apiKey: `${key.slice(0, -4)}zzzz`, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const refused = await bad.chat.completions.create({ model: 'gpt-4o', messages: hi }).catch((e: unknown) => e);
    expect((refused as APIError).status).toBe(401);
  });

  it('serves embeddings from OpenAI and Gemini, and refuses them for Anthropic', async () => {
    const oa = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(oa.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
    const g = await client.embeddings
      .create({ model: 'gemini/gemini-embedding-001', input: ['hello world'], encoding_format: 'float' })
      .withResponse();
    expect(g.data.data[0]!.embedding).toEqual([0.1, 0.2, 0.3]);
    const r = await row(g.response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'gemini', endpoint: '/v1beta/models/gemini-embedding-001:batchEmbedContents' });
    expect(Boolean(r.estimated)).toBe(true);
    const no = await client.embeddings.create({ model: 'claude-sonnet-4-5', input: 'x' }).catch((e: unknown) => e);
    expect((no as APIError).status).toBe(400);
  });

  it('lists the priced models of the configured providers in OpenAI list shape', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe('model');
      expect(typeof m.created).toBe('number');
      expect(m.owned_by).toBe('anthropic'); // the only provider with a key configured here
      ids.push(m.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['claude-sonnet-4-5', 'claude-haiku-4-5']));
    expect(ids).not.toContain('gpt-4o');
  });

  it('applies a budget refusal on the unified route too, nothing forwarded', async () => {
    const created = await fetch(`${h.url}/api/v1/budgets`, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        scope: 'team',
        entity_id: 'tight',
        create_entity: true,
        limit_usd: '0.000001',
        period: 'daily',
      }),
    });
    expect(created.status).toBe(201);
    await new Promise((r) => setTimeout(r, 2300)); // the daemon re-reads budgets every 2 s
    const before = h.fake.requests.length;
    const err = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages: hi }, { headers: { 'X-Team-ID': 'tight' } })
      .catch((e: unknown) => e);
    expect((err as APIError).status).toBe(429);
    expect((err as APIError).error).toMatchObject({ type: 'budget_exceeded' });
    expect(h.fake.requests.length).toBe(before);
  });
});
