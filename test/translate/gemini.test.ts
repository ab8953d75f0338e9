import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { geminiUsage } from '../../src/core/gateway/proxy/providers/gemini/usage.js';
import {
  TRANSLATIONS,
  translateChatRequest,
  translateEmbeddingsRequest,
  type ChatRequest,
  type EmbeddingsRequest,
} from '../../src/core/gateway/translate/index.js';
import { FINISH_REASONS } from '../../src/core/gateway/translate/gemini/finish.js';
import { events, fixture, replay, sdkAnswering, thrown } from './helpers.js';

const t = TRANSLATIONS.gemini;

function up(req: Partial<ChatRequest>) {
  const r = translateChatRequest({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'Hi' }],
    ...req,
  } as ChatRequest);
  expect(r.provider).toBe('gemini');
  return r;
}
const body = (req: Partial<ChatRequest>): Record<string, any> => up(req).body;

describe('OpenAI request → Gemini generateContent', () => {
  it('paths: generateContent, or streamGenerateContent?alt=sse; explicit provider form', () => {
    expect(up({}).path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(up({ stream: true, stream_options: { include_usage: true } })).toMatchObject({
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      stream: true,
    });
    expect(up({ model: 'gemini/gemma-3-27b-it' }).path).toBe('/v1beta/models/gemma-3-27b-it:generateContent');
  });

  it('system and developer → systemInstruction; multi-turn with model role; generationConfig', () => {
    const b = body({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Paris.' }] },
        { role: 'user', content: 'And Japan?' },
      ],
      max_tokens: 64,
      stop: ['END', 'STOP'],
      temperature: 1.5,
      top_p: 0.5,
      n: 2,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      seed: 7,
      user: 'u-1',
    });
    expect(b).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Capital of France?' }] },
        { role: 'model', parts: [{ text: 'Paris.' }] },
        { role: 'user', parts: [{ text: 'And Japan?' }] },
      ],
      generationConfig: {
        maxOutputTokens: 64,
        stopSequences: ['END', 'STOP'],
        temperature: 1.5,
        topP: 0.5,
        candidateCount: 2,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        seed: 7,
      },
    });
  });

  it('images (base64 → inlineData, URL → fileData), audio, files', () => {
    const b = body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.PNG?x=1' } },
            { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(b.contents[0].parts).toEqual([
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { fileUri: 'https://example.com/cat.PNG?x=1', mimeType: 'image/png' } },
      { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('tools, parallel calls and results: results named after their call, in one user turn; signatures go back', () => {
    const b = body({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1__thought__CiQB0e2K',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1__thought__CiQB0e2K', content: '{"temp":18}' },
        { role: 'tool', tool_call_id: 'call_2', content: '09:00' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
        { type: 'function', function: { name: 'get_time' } },
      ],
    });
    expect(b.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather',
            parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } },
          },
          { name: 'get_time' },
        ],
      },
    ]);
    expect(b.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CiQB0e2K' },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 18 } } },
          { functionResponse: { name: 'get_time', response: { content: '09:00' } } },
        ],
      },
    ]);
  });

  it('tool results sent in another order than the calls go back in call order (Gemini pairs by position)', () => {
    const call = (id: string, city: string) => ({
      id,
      type: 'function' as const,
      function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
    });
    const b = body({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        { role: 'assistant', content: null, tool_calls: [call('call_p', 'Paris'), call('call_t', 'Tokyo')] },
        { role: 'tool', tool_call_id: 'call_t', content: '{"city":"Tokyo","temp":9}' },
        { role: 'tool', tool_call_id: 'call_p', content: '{"city":"Paris","temp":18}' },
        { role: 'user', content: 'And tomorrow?' },
      ],
    });
    expect(b.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { city: 'Paris', temp: 18 } } },
        { functionResponse: { name: 'get_weather', response: { city: 'Tokyo', temp: 9 } } },
        { text: 'And tomorrow?' },
      ],
    });
  });

  it('a tool result whose call is unknown is a 400 (Gemini needs the name)', () => {
    const e = thrown(() => body({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }));
    expect(e).toMatchObject({ code: 'OCO_TRANSLATE_INVALID', details: { field: 'messages[0].tool_call_id' } });
  });

  it('tool_choice forms; strict tools are validated', () => {
    const cfg = (req: Partial<ChatRequest>) => body(req).toolConfig;
    expect(cfg({ tool_choice: 'auto' })).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(cfg({ tool_choice: 'none' })).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(cfg({ tool_choice: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(cfg({ tool_choice: { type: 'function', function: { name: 'f' } } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] },
    });
    const strict = [
      { type: 'function' as const, function: { name: 'f', parameters: { type: 'object' }, strict: true } },
    ];
    expect(cfg({ tools: strict })).toEqual({ functionCallingConfig: { mode: 'VALIDATED' } });
    expect(cfg({ tools: strict, tool_choice: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(cfg({})).toBeUndefined();
  });

  it('JSON mode and json_schema', () => {
    expect(body({ response_format: { type: 'json_object' } }).generationConfig).toEqual({
      responseMimeType: 'application/json',
    });
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    expect(
      body({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).generationConfig,
    ).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it.each([
    [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
    [{ logprobs: true }, 'logprobs'],
    [{ logit_bias: { '1': 1 } }, 'logit_bias'],
    [{ audio: { voice: 'x', format: 'mp3' } }, 'audio'],
    [{ store: true }, 'store'],
    [
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] },
      'messages[0].content[0].file',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'flac' } }] }] },
      'messages[0].content[0].input_audio.format',
    ],
  ])('%j is refused, naming the field and the provider', (extra, field) => {
    const e = thrown(() => body(extra as Partial<ChatRequest>));
    expect(e.code).toBe('OCO_TRANSLATE_UNSUPPORTED');
    expect(e.details).toMatchObject({ field, provider: 'gemini', status: 400 });
  });
});

describe('Gemini response → OpenAI chat.completion', () => {
  it('text; thoughts left out of content and counted as reasoning; usage in OpenAI terms', async () => {
    const json = fixture('gemini/response.text.json') as Record<string, unknown>;
    const { body: c, usage } = t.response(json, { model: 'gemini-2.5-flash', created: 9 });
    expect(c).toEqual({
      id: 'mJ8taOvqAq2hz7IPj4GgqAk',
      object: 'chat.completion',
      created: 9,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital of France.', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 1250,
        completion_tokens: 50,
        total_tokens: 1300,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 42 },
      },
    });
    expect(usage).toEqual({ usage: geminiUsage(json.usageMetadata), model: 'gemini-2.5-flash' });
    const sdk: OpenAI.Chat.Completions.ChatCompletion = await sdkAnswering(
      JSON.stringify(c),
      'application/json',
    ).chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [],
    });
    expect(sdk.usage?.prompt_tokens_details?.cached_tokens).toBe(1024);
  });

  it('parallel function calls → tool_calls with JSON-string arguments; STOP after calls → tool_calls', () => {
    const { body: c } = t.response(fixture('gemini/response.tools.json'), { model: 'm' });
    const choice = c.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls.map((x) => [x.type, x.function.name, x.function.arguments])).toEqual([
      ['function', 'get_weather', '{"city":"Paris","unit":"celsius"}'],
      ['function', 'get_weather', '{"city":"Tokyo","unit":"celsius"}'],
    ]);
    expect(calls[0]!.id).toMatch(/^call_[0-9a-f]{24}__thought__CiQB0e2Kb7Zq0bQ=$/);
    expect(calls[1]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(calls.map((x) => x.id)).size).toBe(2);

    // The signature travels back to Gemini with the next turn.
    const next = body({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '18' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '25' },
      ],
    });
    expect(next.contents[1].parts[0].thoughtSignature).toBe('CiQB0e2Kb7Zq0bQ=');
    expect(next.contents[2].parts.map((p: any) => p.functionResponse.name)).toEqual(['get_weather', 'get_weather']);
  });

  it('n candidates → n choices; finish reasons as a table', () => {
    const { body: c } = t.response(fixture('gemini/response.candidates.json'), { model: 'm' });
    expect(c.choices.map((x) => [x.index, x.message.content, x.finish_reason])).toEqual([
      [0, 'A short poem that runs out of', 'length'],
      [1, null, 'content_filter'],
    ]);
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'])
      expect(FINISH_REASONS[r]).toBe('content_filter');
    expect(FINISH_REASONS.MAX_TOKENS).toBe('length');
  });

  it('a blocked prompt is one empty choice with content_filter', () => {
    const { body: c, usage } = t.response(fixture('gemini/response.blocked.json'), { model: 'gemini-2.5-flash' });
    expect(c.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null },
        finish_reason: 'content_filter',
        logprobs: null,
      },
    ]);
    expect(usage?.usage.inputTokens).toBe(14);
  });
});

describe('Gemini errors → OpenAI errors', () => {
  it('maps the Google status to an OpenAI error type', () => {
    expect(
      t.error({
        error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' },
      }),
    ).toEqual({
      error: {
        message: 'API key not valid. Please pass a valid API key.',
        type: 'invalid_request_error',
        param: null,
        code: 'INVALID_ARGUMENT',
      },
    });
    expect(
      t.error({ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }).error
        .type,
    ).toBe('rate_limit_error');
  });
});

describe('Gemini stream → OpenAI chunks', () => {
  it('text: role first, content deltas, finish, final usage chunk, [DONE]', async () => {
    const s = t.stream({ model: 'gemini-2.5-flash', created: 3, includeUsage: true });
    const sse = replay('gemini/stream.text.sse', s);
    const ev = events(sse) as any[];
    expect(
      ev.map((e) => (e === '[DONE]' ? e : e.choices[0] ? [e.choices[0].delta, e.choices[0].finish_reason] : 'usage')),
    ).toEqual([
      [{ role: 'assistant', content: 'Hello' }, null],
      [{ content: ', world' }, null],
      [{ content: '!' }, null],
      [{}, 'stop'],
      'usage',
      '[DONE]',
    ]);
    expect(ev[4].usage).toEqual({
      prompt_tokens: 30,
      completion_tokens: 24,
      total_tokens: 54,
      prompt_tokens_details: { cached_tokens: 16 },
      completion_tokens_details: { reasoning_tokens: 20 },
    });
    expect(s.usage()?.usage).toMatchObject({
      inputTokens: 14,
      cachedInputTokens: 16,
      outputTokens: 4,
      reasoningTokens: 20,
    });
    const done = await sdkAnswering(sse, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    expect(done.choices[0]!.message.content).toBe('Hello, world!');
  });

  it('an answer that is only calls opens without content, so the assembled message has content null', async () => {
    const s = t.stream({ model: 'gemini-2.5-flash', created: 3 });
    const call = { functionCall: { name: 'get_weather', args: { city: 'Paris' } } };
    const sse =
      s.push(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [call] }, index: 0 }] })) +
      s.push(
        JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }] }),
      ) +
      s.end();
    const first = (events(sse) as any[])[0].choices[0].delta;
    expect(first.role).toBe('assistant');
    expect('content' in first).toBe(false);
    const done = await sdkAnswering(sse, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    expect(done.choices[0]!.message.content).toBeNull();
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('function calls arrive whole: one delta per call with index, id, name and arguments', async () => {
    const sse = replay('gemini/stream.tools.sse', t.stream({ model: 'm', created: 3 }));
    const ev = (events(sse) as any[]).filter((e) => e !== '[DONE]');
    expect(ev[1].choices[0].delta.tool_calls.map((c: any) => [c.index, c.type, c.function])).toEqual([
      [0, 'function', { name: 'get_weather', arguments: '{"city":"Paris"}' }],
      [1, 'function', { name: 'get_weather', arguments: '{"city":"Tokyo"}' }],
    ]);
    expect(ev.at(-1).choices[0].finish_reason).toBe('tool_calls');
    const done = await sdkAnswering(sse, 'text/event-stream')
      .chat.completions.stream({ model: 'x', messages: [] })
      .finalChatCompletion();
    expect(done.choices[0]!.message.content).toBe('Checking both.');
    expect(done.choices[0]!.message.tool_calls).toHaveLength(2);
  });
});

describe('OpenAI embeddings ↔ Gemini batchEmbedContents', () => {
  const req: EmbeddingsRequest = { model: 'gemini/gemini-embedding-001', input: ['a', 'b'], dimensions: 4 };

  it('request: one entry per input', () => {
    expect(translateEmbeddingsRequest(req)).toEqual({
      provider: 'gemini',
      path: '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      stream: false,
      body: {
        requests: [
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 },
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 4 },
        ],
      },
    });
    expect(thrown(() => translateEmbeddingsRequest({ model: 'gemini/x', input: [1, 2, 3] })).details).toMatchObject({
      field: 'input',
      provider: 'gemini',
    });
  });

  it('response: float lists or base64 float32; no usage invented', async () => {
    const { body: r, usage } = t.embeddingsResponse(fixture('gemini/embeddings.batch.json'), req);
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    expect(r.data[1]!.embedding).toEqual([-0.02071742, 0.01345412, 0.25, -0.5]);
    expect(r.usage).toBeUndefined();
    expect(usage).toBeUndefined();
    const b64 = t.embeddingsResponse(fixture('gemini/embeddings.batch.json'), {
      ...req,
      encoding_format: 'base64',
    }).body;
    const buf = Buffer.from(b64.data[1]!.embedding as string, 'base64');
    expect([0, 1, 2, 3].map((i) => buf.readFloatLE(i * 4))).toEqual([
      Math.fround(-0.02071742),
      Math.fround(0.01345412),
      0.25,
      -0.5,
    ]);
    // The official SDK decodes base64 itself when it asked for floats; here we check it parses our list.
    const sdk = await sdkAnswering(
      JSON.stringify({ ...r, usage: { prompt_tokens: 0, total_tokens: 0 } }),
      'application/json',
    ).embeddings.create({
      model: 'x',
      input: 'a',
      encoding_format: 'float',
    });
    expect(sdk.data).toHaveLength(2);
  });
});
