import OpenAI, { APIError } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureFor } from '../fakes/llm/tools.js';
import { startHarness, type Harness } from './harness.js';

/**
 * The official openai SDK pointed at the gateway's /v1 gets the same result shapes
 * from all three providers: text, streams with a final usage chunk, parallel tool
 * calls (streamed ones assembled by the SDK's own helper), tool results carried back
 * in each provider's own form and checked there (the fakes refuse a result that
 * answers no call, or the wrong one), tool_choice, JSON mode, and a 400 naming a
 * field that cannot be translated.
 */

type Sent = Record<string, any>;

interface Case {
  provider: 'openai' | 'anthropic' | 'gemini';
  model: string;
  /** Usage as the OpenAI client sees it, from the fake's fixed numbers (see FAKE_USAGE). */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** The provider-native tool_choice the fake received. */
  sentChoice(body: Sent): unknown;
  nativeChoice: Record<'auto' | 'none' | 'required' | 'named', unknown>;
  /** The tool results as the provider received them: [call id or name, result content]. */
  sentResults(body: Sent): Array<[string, unknown]>;
  /** Whether the provider names its calls (Gemini sends no ids: the gateway makes them). */
  stableIds: boolean;
  /** A field this provider cannot be sent, and the param the 400 names. */
  refused?: { extra: Partial<ChatCompletionCreateParamsNonStreaming>; param: string };
}

const CASES: Case[] = [
  {
    provider: 'openai',
    model: 'gpt-4o',
    usage: { prompt_tokens: 1000, completion_tokens: 300, total_tokens: 1300 },
    sentChoice: (b) => b.tool_choice,
    nativeChoice: {
      auto: 'auto',
      none: 'none',
      required: 'required',
      named: { type: 'function', function: { name: 'local_time' } },
    },
    sentResults: (b) =>
      b.messages
        .filter((m: any) => m.role === 'tool')
        .map((m: any) => [m.tool_call_id, JSON.parse(typeof m.content === 'string' ? m.content : m.content[0].text)]),
    stableIds: true,
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    // input 1000 + cache read 2000 + cache writes 700; output 500.
    usage: { prompt_tokens: 3700, completion_tokens: 500, total_tokens: 4200 },
    sentChoice: (b) => b.tool_choice,
    nativeChoice: {
      auto: { type: 'auto' },
      none: { type: 'none' },
      required: { type: 'any' },
      named: { type: 'tool', name: 'local_time' },
    },
    sentResults: (b) =>
      b.messages
        .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
        .filter((x: any) => x.type === 'tool_result')
        .map((x: any) => [x.tool_use_id, JSON.parse(x.content)]),
    stableIds: true,
    refused: { extra: { response_format: { type: 'json_object' } }, param: 'response_format' },
  },
  {
    provider: 'gemini',
    // A Gemini 3 model: its calls carry a thought signature that must come back.
    model: 'gemini-3-pro-preview',
    // prompt 1200 + tool-use prompt 50; candidates 300 + thoughts 150.
    usage: { prompt_tokens: 1250, completion_tokens: 450, total_tokens: 1700 },
    sentChoice: (b) => b.toolConfig?.functionCallingConfig,
    nativeChoice: {
      auto: { mode: 'AUTO' },
      none: { mode: 'NONE' },
      required: { mode: 'ANY' },
      named: { mode: 'ANY', allowedFunctionNames: ['local_time'] },
    },
    sentResults: (b) =>
      b.contents
        .flatMap((c: any) => c.parts)
        .filter((p: any) => p.functionResponse)
        .map((p: any) => [p.functionResponse.name, p.functionResponse.response]),
    stableIds: false,
    refused: { extra: { parallel_tool_calls: false }, param: 'parallel_tool_calls' },
  },
];

const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'weather', description: 'The weather in a city', parameters: city } },
  { type: 'function', function: { name: 'local_time', description: 'The time in a city', parameters: city } },
];
const ASK: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Use the tools.' },
  { role: 'user', content: 'Weather and time in Paris and Tokyo?' },
];

const fnCalls = (c: ChatCompletion) =>
  (c.choices[0]!.message.tool_calls ?? []) as ChatCompletionMessageFunctionToolCall[];
/** A call without its id, for comparing answers whose ids the gateway made up. */
const shape = (c: ChatCompletionMessageFunctionToolCall) => ({ type: c.type, function: c.function });

describe('the openai SDK against each provider through /v1/chat/completions', () => {
  let h: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    h = await startHarness();
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => h?.stop());

  const sent = (): Sent => JSON.parse(h.fake.answered.at(-1)!.body);

  describe.each(CASES)('$provider ($model)', (c) => {
    it('answers text in chat.completion shape with the provider usage in OpenAI terms', async () => {
      const r = await client.chat.completions.create({ model: c.model, messages: ASK });
      expect(r.object).toBe('chat.completion');
      expect(r.choices).toHaveLength(1);
      expect(r.choices[0]).toMatchObject({
        index: 0,
        finish_reason: 'stop',
        message: { role: 'assistant', content: 'Hello from the fake model.' },
      });
      expect(r.usage).toMatchObject(c.usage);
    });

    it('streams text; with include_usage the last chunk is the usage, equal to the non-stream counts', async () => {
      const stream = await client.chat.completions.create(
        { model: c.model, messages: ASK, stream: true, stream_options: { include_usage: true } },
        { headers: { 'x-fake-chunks': '4' } },
      );
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const body = chunks.slice(0, -1);
      expect(body.map((k) => k.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from the fake');
      expect(body[0]!.choices[0]!.delta.role).toBe('assistant');
      expect(body.filter((k) => k.choices[0]?.finish_reason).map((k) => k.choices[0]!.finish_reason)).toEqual(['stop']);
      expect(body.every((k) => k.usage == null)).toBe(true);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject(c.usage);
    });

    it('makes parallel tool calls: ids, names, JSON-string arguments; the SDK stream helper assembles the same', async () => {
      const plain = await client.chat.completions.create({ model: c.model, messages: ASK, tools: TOOLS });
      expect(plain.choices[0]!.finish_reason).toBe('tool_calls');
      const calls = fnCalls(plain);
      expect(calls.map((k) => [k.type, k.function.name, JSON.parse(k.function.arguments)])).toEqual([
        ['function', 'weather', { city: 'Paris' }],
        ['function', 'local_time', { city: 'Tokyo' }],
      ]);
      for (const k of calls) expect(typeof k.function.arguments).toBe('string');
      if (c.stableIds) expect(new Set(calls.map((k) => k.id)).size).toBe(2);
      else for (const k of calls) expect(k.id).toMatch(/^call_[0-9a-f]{24}/);

      const runner = client.chat.completions.stream({
        model: c.model,
        messages: ASK,
        tools: TOOLS,
        stream_options: { include_usage: true },
      });
      const argsDone: string[] = [];
      runner.on('tool_calls.function.arguments.done', (e) => argsDone.push(e.arguments));
      const streamed = await runner.finalChatCompletion();
      expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
      expect(streamed.choices[0]!.message.content).toBe(plain.choices[0]!.message.content);
      const scalls = fnCalls(streamed);
      if (c.stableIds) expect(scalls).toEqual(calls);
      else expect(scalls.map(shape)).toEqual(calls.map(shape));
      expect(argsDone).toEqual(calls.map((k) => k.function.arguments));
      expect(streamed.usage).toMatchObject(c.usage);
    });

    it('carries tool results back linked to their calls, in any order, and the provider accepts them', async () => {
      for (const stream of [false, true]) {
        const first = stream
          ? await client.chat.completions.stream({ model: c.model, messages: ASK, tools: TOOLS }).finalChatCompletion()
          : await client.chat.completions.create({ model: c.model, messages: ASK, tools: TOOLS });
        const assistant = first.choices[0]!.message;
        const calls = fnCalls(first);
        // Results in the reverse order of the calls: OpenAI links by id, and so must every translation.
        const results: ChatCompletionMessageParam[] = [...calls].reverse().map((k) => ({
          role: 'tool',
          tool_call_id: k.id,
          content: JSON.stringify({ city: JSON.parse(k.function.arguments).city, answer: `${k.function.name} ok` }),
        }));
        const second = await client.chat.completions.create({
          model: c.model,
          tools: TOOLS,
          messages: [...ASK, assistant, ...results],
        });
        expect(second.choices[0]!.message.content).toBe('Hello from the fake model.');
        expect(second.choices[0]!.finish_reason).toBe('stop');
        const got = c.sentResults(sent());
        expect(got).toHaveLength(2);
        const byCall = new Map(calls.map((k) => [k.id, k]));
        for (const [key, content] of got) {
          // Anthropic and OpenAI name the call by id; Gemini by function name, in call order.
          const call = c.stableIds ? byCall.get(key)! : calls.find((k) => k.function.name === key)!;
          expect(content).toMatchObject({ city: JSON.parse(call.function.arguments).city });
        }
      }
    });

    it('answers one tool twice in one turn (two calls of the same function) and takes both results back', async () => {
      const weather = [TOOLS[0]!];
      const first = await client.chat.completions.create(
        { model: c.model, messages: ASK, tools: weather },
        { headers: { 'x-fake-repeat': '2' } },
      );
      const calls = fnCalls(first);
      expect(calls.map((k) => [k.function.name, JSON.parse(k.function.arguments).city])).toEqual([
        ['weather', 'Paris'],
        ['weather', 'Tokyo'],
      ]);
      expect(calls[0]!.id).not.toBe(calls[1]!.id);
      const results: ChatCompletionMessageParam[] = [calls[1]!, calls[0]!].map((k) => ({
        role: 'tool',
        tool_call_id: k.id,
        content: JSON.stringify({ city: JSON.parse(k.function.arguments).city }),
      }));
      const second = await client.chat.completions.create({
        model: c.model,
        tools: weather,
        messages: [...ASK, first.choices[0]!.message, ...results],
      });
      expect(second.choices[0]!.message.content).toBe('Hello from the fake model.');
    });

    it('takes a tool result whose content is a list of text parts', async () => {
      const first = await client.chat.completions.create({ model: c.model, messages: ASK, tools: [TOOLS[0]!] });
      const [call] = fnCalls(first);
      const r = await client.chat.completions.create({
        model: c.model,
        tools: [TOOLS[0]!],
        messages: [
          ...ASK,
          first.choices[0]!.message,
          { role: 'tool', tool_call_id: call!.id, content: [{ type: 'text', text: '{"city":"Paris","sky":"clear"}' }] },
        ],
      });
      expect(r.choices[0]!.message.content).toBe('Hello from the fake model.');
      expect(c.sentResults(sent())).toEqual([[c.stableIds ? call!.id : 'weather', { city: 'Paris', sky: 'clear' }]]);
    });

    if (c.provider !== 'gemini') {
      it('with parallel_tool_calls false makes one call', async () => {
        const r = await client.chat.completions.create({
          model: c.model,
          messages: ASK,
          tools: TOOLS,
          parallel_tool_calls: false,
        });
        expect(fnCalls(r).map((k) => k.function.name)).toEqual(['weather']);
      });
    }

    it('a call of a function without parameters has arguments "{}", streamed or not', async () => {
      const now: ChatCompletionTool[] = [{ type: 'function', function: { name: 'now' } }];
      const plain = await client.chat.completions.create({ model: c.model, messages: ASK, tools: now });
      const streamed = await client.chat.completions
        .stream({ model: c.model, messages: ASK, tools: now })
        .finalChatCompletion();
      for (const r of [plain, streamed])
        expect(fnCalls(r).map((k) => [k.function.name, k.function.arguments])).toEqual([['now', '{}']]);
    });

    it('maps tool_choice auto, none, required and a named function to the provider and obeys it', async () => {
      const choices: Array<[keyof Case['nativeChoice'], ChatCompletionToolChoiceOption, string[]]> = [
        ['auto', 'auto', ['weather', 'local_time']],
        ['none', 'none', []],
        ['required', 'required', ['weather', 'local_time']],
        ['named', { type: 'function', function: { name: 'local_time' } }, ['local_time']],
      ];
      for (const [name, tool_choice, called] of choices) {
        const r = await client.chat.completions.create({ model: c.model, messages: ASK, tools: TOOLS, tool_choice });
        expect(c.sentChoice(sent()), name).toEqual(c.nativeChoice[name]);
        expect(
          fnCalls(r).map((k) => k.function.name),
          name,
        ).toEqual(called);
        expect(r.choices[0]!.finish_reason, name).toBe(called.length > 0 ? 'tool_calls' : 'stop');
      }
    });

    it('answers json_schema structured output as JSON text, streamed or not', async () => {
      const response_format = {
        type: 'json_schema' as const,
        json_schema: {
          name: 'forecast',
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, celsius: { type: 'number' } },
            required: ['city', 'celsius'],
            additionalProperties: false,
          },
        },
      };
      const r = await client.chat.completions.create({ model: c.model, messages: ASK, response_format });
      expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ city: 'Paris', celsius: 21 });
      const s = await client.chat.completions
        .stream({ model: c.model, messages: ASK, response_format })
        .finalChatCompletion();
      expect(JSON.parse(s.choices[0]!.message.content!)).toEqual({ city: 'Paris', celsius: 21 });
    });

    if (c.provider !== 'anthropic') {
      it('answers JSON mode (json_object) as JSON text', async () => {
        const r = await client.chat.completions.create({
          model: c.model,
          messages: [...ASK, { role: 'user', content: 'Answer in JSON.' }],
          response_format: { type: 'json_object' },
        });
        expect(JSON.parse(r.choices[0]!.message.content!)).toEqual({ answer: 'Hello from the fake model.' });
      });
    }

    if (c.refused) {
      const refused = c.refused;
      it(`refuses ${refused.param} with a 400 APIError naming it, nothing forwarded`, async () => {
        const before = h.fake.requests.length;
        const e = await client.chat.completions
          .create({ model: c.model, messages: ASK, tools: TOOLS, ...refused.extra })
          .catch((x: unknown) => x);
        expect(e).toBeInstanceOf(APIError);
        expect(e).toMatchObject({ status: 400, param: refused.param, code: 'OCO_TRANSLATE_UNSUPPORTED' });
        expect((e as APIError).message).toContain(refused.param);
        expect((e as APIError).message).toContain(c.provider);
        expect(h.fake.requests.length).toBe(before);
      });
    }

    it('a tool result that answers no call is a 400 APIError (the provider’s, or the translation’s naming the field)', async () => {
      const e = await client.chat.completions
        .create({
          model: c.model,
          tools: TOOLS,
          messages: [...ASK, { role: 'tool', tool_call_id: 'call_nobody', content: 'x' }],
        })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(APIError);
      expect((e as APIError).status).toBe(400);
      if (c.provider === 'gemini') expect((e as APIError).param).toBe('messages[2].tool_call_id');
      else expect((e as APIError).message).toMatch(/tool/);
    });
  });

  it('the Gemini fake refuses, as Gemini does, results out of call order, miscounted, or a signed call unsigned', async () => {
    const call = (city: string, signed: boolean) => ({
      functionCall: { name: 'weather', args: { city } },
      ...(signed ? { thoughtSignature: signatureFor('weather') } : {}),
    });
    const answer = (city: string) => ({ functionResponse: { name: 'weather', response: { city } } });
    const send = async (model: string, calls: unknown[], answers: unknown[]) => {
      const r = await fetch(`${h.url}/v1/proxy/gemini/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({
          contents: [
            { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
            { role: 'model', parts: calls },
            { role: 'user', parts: answers },
          ],
        }),
      });
      return { status: r.status, body: (await r.json()) as any };
    };
    const ok = await send(
      'gemini-3-pro-preview',
      [call('Paris', true), call('Tokyo', false)],
      [answer('Paris'), answer('Tokyo')],
    );
    expect(ok.status).toBe(200);
    const swapped = await send(
      'gemini-2.5-flash',
      [call('Paris', false), call('Tokyo', false)],
      [answer('Tokyo'), answer('Paris')],
    );
    expect(swapped.status).toBe(400);
    const short = await send('gemini-2.5-flash', [call('Paris', false), call('Tokyo', false)], [answer('Paris')]);
    expect(short.body.error.message).toMatch(/number of function response parts/);
    const unsigned = await send('gemini-3-pro-preview', [call('Paris', false)], [answer('Paris')]);
    expect(unsigned).toMatchObject({ status: 400, body: { error: { status: 'INVALID_ARGUMENT' } } });
    expect(unsigned.body.error.message).toMatch(/thought_signature/);
  });

  it("sends a Gemini 3 call's thought signature back on its functionCall part", async () => {
    const first = await client.chat.completions.create({ model: 'gemini-3-pro-preview', messages: ASK, tools: TOOLS });
    const calls = fnCalls(first);
    await client.chat.completions.create({
      model: 'gemini-3-pro-preview',
      tools: TOOLS,
      messages: [
        ...ASK,
        first.choices[0]!.message,
        ...calls.map((k) => ({ role: 'tool' as const, tool_call_id: k.id, content: 'ok' })),
      ],
    });
    const model = sent().contents.find((t: any) => t.role === 'model');
    expect(model.parts[0]).toEqual({
      functionCall: { name: 'weather', args: { city: 'Paris' } },
      thoughtSignature: signatureFor('weather'),
    });
    expect(model.parts[1].thoughtSignature).toBeUndefined();
  });
});
