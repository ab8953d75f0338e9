import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { anthropicUsage } from '../../src/core/gateway/proxy/providers/anthropic/usage.js';
import {
  TRANSLATIONS,
  translateChatRequest,
  translateEmbeddingsRequest,
  type ChatRequest,
} from '../../src/core/gateway/translate/index.js';
import { FINISH_REASONS } from '../../src/core/gateway/translate/anthropic/finish.js';
import { events, fixture, replay, sdkAnswering, thrown } from './helpers.js';

const t = TRANSLATIONS.anthropic;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function body(req: Partial<ChatRequest>): Record<string, any> {
  const up = translateChatRequest({
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'Hi' }],
    ...req,
  } as ChatRequest);
  expect(up.provider).toBe('anthropic');
  expect(up.path).toBe('/v1/messages');
  return up.body;
}

describe('OpenAI request → Anthropic Messages', () => {
  it('text, system and developer messages, multi-turn, limits, stop, sampling', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: 'And of Japan?' },
      ],
      max_completion_tokens: 100,
      max_tokens: 50,
      stop: 'END',
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-42',
      n: 1,
      logprobs: false,
    });
    expect(b).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Paris.' }] },
        { role: 'user', content: [{ type: 'text', text: 'And of Japan?' }] },
      ],
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      metadata: { user_id: 'u-42' },
    });
  });

  it('max_tokens is required upstream: the client limit, else the default', () => {
    expect(body({ max_tokens: 7 }).max_tokens).toBe(7);
    expect(body({}).max_tokens).toBe(4096);
    expect(
      translateChatRequest(
        { model: 'claude-x', messages: [{ role: 'user', content: 'a' }] },
        { defaultMaxTokens: 1000 },
      ).body.max_tokens,
    ).toBe(1000);
  });

  it('images by URL and base64; PDFs as documents', () => {
    const b = body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(b.messages[0].content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('tools, parallel tool calls and their results keep their ids; results share one user turn', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '25°C' }] },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather now',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            strict: true,
          },
        },
      ],
    });
    expect(b.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather now',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        strict: true,
      },
    ]);
    expect(b.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_b', name: 'get_weather', input: { city: 'Tokyo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_a', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_b', content: '25°C' },
        ],
      },
    ]);
  });

  it('tool_choice forms and parallel_tool_calls', () => {
    expect(body({ tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
    expect(body({ tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
    expect(body({ tool_choice: 'required' }).tool_choice).toEqual({ type: 'any' });
    expect(body({ tool_choice: { type: 'function', function: { name: 'f' } } }).tool_choice).toEqual({
      type: 'tool',
      name: 'f',
    });
    expect(body({ parallel_tool_calls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(body({ tool_choice: 'required', parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(body({ tool_choice: 'none', parallel_tool_calls: false }).tool_choice).toEqual({ type: 'none' });
    expect(body({}).tool_choice).toBeUndefined();
  });

  it('response_format json_schema becomes structured output; json_object is refused', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'number' } },
      required: ['a'],
      additionalProperties: false,
    };
    expect(
      body({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } })
        .output_config,
    ).toEqual({
      format: { type: 'json_schema', schema },
    });
    expect(body({ response_format: { type: 'text' } }).output_config).toBeUndefined();
    const e = thrown(() => body({ response_format: { type: 'json_object' } }));
    expect(e.code).toBe('OCO_TRANSLATE_UNSUPPORTED');
    expect(e.details).toMatchObject({ field: 'response_format', provider: 'anthropic', status: 400 });
  });

  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ seed: 1 }, 'seed'],
    [{ presence_penalty: 0.5 }, 'presence_penalty'],
    [{ temperature: 1.5 }, 'temperature'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ functions: [{ name: 'f' }] }, 'functions'],
    [{ reasoning_effort: 'high' }, 'reasoning_effort'],
    [{ some_future_field: 1 }, 'some_future_field'],
    [{ messages: [{ role: 'user', content: 'a', name: 'bob' }] }, 'messages[0].name'],
    [
      {
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }] }],
      },
      'messages[0].content[0].type',
    ],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
    [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type'],
  ])('%j is refused, naming the field and the provider', (extra, field) => {
    const e = thrown(() => body(extra as Partial<ChatRequest>));
    expect(e.code).toBe('OCO_TRANSLATE_UNSUPPORTED');
    expect(e.details).toMatchObject({ field, provider: 'anthropic', status: 400 });
    expect(e.message).toContain(field);
    expect(e.message).toContain('anthropic');
  });

  it('malformed tool arguments are a 400 naming where', () => {
    const e = thrown(() =>
      body({
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      }),
    );
    expect(e.code).toBe('OCO_TRANSLATE_INVALID');
    expect(e.details).toMatchObject({ field: 'messages[0].tool_calls[0].function.arguments' });
  });

  it('has no embeddings', () => {
    const e = thrown(() => translateEmbeddingsRequest({ model: 'anthropic/claude-x', input: 'a' }));
    expect(e.details).toMatchObject({ provider: 'anthropic', field: 'model' });
  });
});

describe('Anthropic Message → OpenAI chat.completion', () => {
  it('text with cache counts: usage in OpenAI terms, pricing from the passthrough parser', async () => {
    const json = fixture('anthropic/message.text.json') as Record<string, unknown>;
    const { body: c, usage } = t.response(json, { model: 'claude-sonnet-4-5', created: 1700000000 });
    expect(c).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital of France.', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 4221,
        completion_tokens: 9,
        total_tokens: 4230,
        prompt_tokens_details: { cached_tokens: 3000, cache_write_tokens: 1200 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(usage).toEqual({ usage: anthropicUsage(json.usage), model: 'claude-sonnet-4-5-20250929' });
    // What the official SDK makes of it.
    const sdk: OpenAI.Chat.Completions.ChatCompletion = await sdkAnswering(
      JSON.stringify(c),
      'application/json',
    ).chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(sdk.choices[0]!.message.content).toBe('Paris is the capital of France.');
  });

  it('thinking, text and parallel tool calls', () => {
    const { body: c } = t.response(fixture('anthropic/message.tools.json'), { model: 'm', created: 1 });
    expect(c.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check both cities.",
        refusal: null,
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          },
          {
            id: 'toolu_01B7h2k3j4l5m6n7o8p9q0r',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo","unit":"celsius"}' },
          },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(c.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 95 });
  });

  it('finish reasons as a table', () => {
    expect(
      t.response(fixture('anthropic/message.max_tokens.json'), { model: 'm' }).body.choices[0]!.finish_reason,
    ).toBe('length');
    expect(FINISH_REASONS).toEqual({
      end_turn: 'stop',
      stop_sequence: 'stop',
      pause_turn: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      refusal: 'content_filter',
    });
  });
});

describe('Anthropic errors → OpenAI errors', () => {
  it('keeps the type and message', () => {
    expect(
      t.error({
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit',
        },
      }),
    ).toEqual({
      error: {
        message: 'Number of request tokens has exceeded your per-minute rate limit',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_error',
      },
    });
  });
});

describe('Anthropic stream → OpenAI chunks', () => {
  it('text: role first, content deltas, finish, usage chunk, [DONE]', async () => {
    const s = t.stream({ model: 'claude-sonnet-4-5', created: 5, includeUsage: true });
    const sse = replay('anthropic/stream.text.sse', s);
    const ev = events(sse) as any[];
    expect(ev.map((e) => (e === '[DONE]' ? e : (e.choices[0]?.delta ?? 'usage')))).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hello' },
      { content: ', world!' },
      {},
      'usage',
      '[DONE]',
    ]);
    expect(ev[3].choices[0].finish_reason).toBe('stop');
    expect(ev[0]).toMatchObject({
      id: 'msg_01StreamText',
      object: 'chat.completion.chunk',
      model: 'claude-sonnet-4-5-20250929',
      usage: null,
    });
    expect(ev[4]).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 125,
        completion_tokens: 15,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
    expect(s.usage()?.usage).toMatchObject({ inputTokens: 25, cachedInputTokens: 100, outputTokens: 15 });

    const sdk = sdkAnswering(sse, 'text/event-stream').chat.completions.stream({
      model: 'x',
      messages: [],
      stream_options: { include_usage: true },
    });
    const done = await sdk.finalChatCompletion();
    expect(done.choices[0]!.message.content).toBe('Hello, world!');
    expect(done.usage?.total_tokens).toBe(140);
  });

  it('without include_usage: no usage chunk and no usage fields', () => {
    const sse = replay('anthropic/stream.text.sse', t.stream({ model: 'm' }));
    expect(sse).not.toContain('usage');
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('tool-call deltas with index, id and name first, then argument pieces; thinking left out', async () => {
    const s = t.stream({ model: 'm', created: 5, includeUsage: true });
    const sse = replay('anthropic/stream.tools.sse', s, 11);
    const deltas = (events(sse) as any[])
      .filter((e) => e !== '[DONE]' && e.choices.length > 0)
      .map((e) => e.choices[0].delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking both.' },
      {
        tool_calls: [
          { index: 0, id: 'toolu_01T1x1', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] },
      {
        tool_calls: [
          { index: 1, id: 'toolu_01T2y2', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"city": "Tokyo"}' } }] },
      {},
    ]);
    const done = await sdkAnswering(sse, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
    expect(
      done.choices[0]!.message.tool_calls?.map((c) => c.type === 'function' && [c.id, c.function.arguments]),
    ).toEqual([
      ['toolu_01T1x1', '{"city": "Paris"}'],
      ['toolu_01T2y2', '{"city": "Tokyo"}'],
    ]);
    expect(done.usage?.completion_tokens_details?.reasoning_tokens).toBe(40);
    expect(s.usage()?.usage).toMatchObject({ inputTokens: 480, outputTokens: 120 });
  });

  it('a call without arguments (only empty input_json_delta pieces) streams "{}" as the non-stream answer has', async () => {
    const s = t.stream({ model: 'm', created: 5 });
    const ev = (type: string, data: Record<string, unknown>) => s.push(JSON.stringify({ type, ...data }), type);
    const start = { id: 'msg_1', model: 'm', usage: { input_tokens: 5, output_tokens: 1 } };
    const use = { type: 'tool_use', id: 'toolu_now', name: 'now', input: {} };
    const sse =
      ev('message_start', { message: start }) +
      ev('content_block_start', { index: 0, content_block: use }) +
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '' } }) +
      ev('content_block_stop', { index: 0 }) +
      ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }) +
      ev('message_stop', {}) +
      s.end();
    const done = await sdkAnswering(sse, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    const call = done.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && [call.id, call.function.arguments]).toEqual(['toolu_now', '{}']);
    const plain = t.response({ ...start, content: [use], stop_reason: 'tool_use' }, { model: 'm' }).body;
    expect(plain.choices[0]!.message.tool_calls![0]!.function.arguments).toBe('{}');

    // An upstream that gives the whole input at the block's start and streams no pieces keeps it.
    const s2 = t.stream({ model: 'm', created: 5 });
    const whole = { ...use, input: { tz: 'UTC' } };
    const sse2 =
      s2.push(JSON.stringify({ type: 'message_start', message: start })) +
      s2.push(JSON.stringify({ type: 'content_block_start', index: 0, content_block: whole })) +
      s2.push(JSON.stringify({ type: 'content_block_stop', index: 0 })) +
      s2.push(JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'tool_use' } })) +
      s2.end();
    const done2 = await sdkAnswering(sse2, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    const call2 = done2.choices[0]!.message.tool_calls![0]!;
    expect(call2.type === 'function' && call2.function.arguments).toBe('{"tz":"UTC"}');
  });

  it('an error event ends the stream with an OpenAI-style error; no usage is claimed', () => {
    const s = t.stream({ model: 'm', includeUsage: true });
    const ev = events(replay('anthropic/stream.error.sse', s)) as any[];
    expect(ev.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error' } });
    expect(s.usage()).toBeUndefined();
    // What the gateway's estimate of a cut-short stream reads, as for the passthrough.
    expect(s.tracker.generatedChars()).toBe(3);
    expect(s.tracker.knownInputTokens()).toBe(10);
  });

  it('an empty assistant turn is left out rather than sent empty', () => {
    expect(
      body({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: '' },
          { role: 'user', content: 'b' },
        ],
      }).messages,
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
  });
});
