import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { openaiUsage } from '../../src/core/gateway/proxy/providers/openai/usage.js';
import {
  FIELD_RULES,
  TRANSLATIONS,
  TranslationError,
  routeModel,
  translateChatRequest,
  translateEmbeddingsRequest,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequest,
  type EmbeddingsResponse,
} from '../../src/core/gateway/translate/index.js';
import { events, thrown } from './helpers.js';

describe('model → provider', () => {
  it.each([
    ['gpt-4o', 'openai', 'gpt-4o'],
    ['gpt-4.1-mini-2025-04-14', 'openai', 'gpt-4.1-mini-2025-04-14'],
    ['o1', 'openai', 'o1'],
    ['o3-mini', 'openai', 'o3-mini'],
    ['o4-mini', 'openai', 'o4-mini'],
    ['text-embedding-3-small', 'openai', 'text-embedding-3-small'],
    ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['claude-3-5-haiku-20241022', 'anthropic', 'claude-3-5-haiku-20241022'],
    ['gemini-2.5-pro', 'gemini', 'gemini-2.5-pro'],
    ['anthropic/claude-opus-4-1', 'anthropic', 'claude-opus-4-1'],
    ['gemini/text-embedding-004', 'gemini', 'text-embedding-004'],
    ['openai/ft:gpt-4o-mini:acme::abc', 'openai', 'ft:gpt-4o-mini:acme::abc'],
  ])('%s → %s %s', (name, provider, model) => {
    expect(routeModel(name)).toEqual({ provider, model });
  });

  it.each(['llama-3-70b', 'mistral/mistral-large', 'anthropic/', '', 'Claude-3'])(
    '%j is refused, listing what is accepted',
    (name) => {
      const e = thrown(() => routeModel(name));
      expect(e.code).toBe('OCO_TRANSLATE_UNKNOWN_MODEL');
      expect(e.message).toContain('claude-*');
      expect(e.message).toContain('gemini/<model>');
      expect(e.details).toMatchObject({ field: 'model', status: 400 });
    },
  );

  it('errors carry what an OpenAI client expects', () => {
    const e = thrown(() =>
      translateChatRequest({ model: 'claude-x', messages: [{ role: 'user', content: 'a' }], n: 2 }),
    );
    expect(e).toBeInstanceOf(TranslationError);
    expect((e as TranslationError).toOpenAIError()).toEqual({
      error: {
        message: 'n is not supported by anthropic: one choice per call only. Send n separate requests.',
        type: 'invalid_request_error',
        param: 'n',
        code: 'OCO_TRANSLATE_UNSUPPORTED',
      },
    });
    expect(e.exitCode).toBe(2);
  });
});

/** Every request field the official SDK knows is judged by the table (a compile error otherwise). */
type SdkFields = keyof OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
const judged: Record<Exclude<SdkFields, keyof typeof FIELD_RULES>, never> = {};

describe('the field table', () => {
  it('covers every field of the OpenAI SDK request type, for both translated providers', () => {
    expect(judged).toEqual({});
    for (const [field, rules] of Object.entries(FIELD_RULES))
      expect(Object.keys(rules).sort(), field).toEqual(['anthropic', 'gemini']);
  });

  it('ignored fields pass without reaching the provider', () => {
    const b = translateChatRequest({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'a' }],
      metadata: { k: 'v' },
      prompt_cache_key: 'p',
      user: 'u',
    });
    expect(Object.keys(b.body)).toEqual(['contents']);
  });
});

describe('OpenAI is passed through', () => {
  it('request: body as sent, explicit form renamed', () => {
    const req: ChatRequest = {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'a' }],
      logprobs: true,
      n: 3,
      stream: true,
    };
    expect(translateChatRequest(req)).toEqual({
      provider: 'openai',
      path: '/v1/chat/completions',
      stream: true,
      body: { ...req, model: 'gpt-4o' },
    });
    expect(translateEmbeddingsRequest({ model: 'text-embedding-3-small', input: 'a' }).path).toBe('/v1/embeddings');
  });

  it('response and stream unchanged; usage from the passthrough parser', () => {
    const json = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-2024-08-06',
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
    };
    const r = TRANSLATIONS.openai.response(json, { model: 'gpt-4o' });
    expect(r.body).toBe(json);
    expect(r.usage).toEqual({ usage: openaiUsage(json.usage), model: 'gpt-4o-2024-08-06' });

    const s = TRANSLATIONS.openai.stream({ model: 'gpt-4o' });
    const chunk = JSON.stringify({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      choices: [],
      usage: json.usage,
    });
    const out = s.push(chunk) + s.push('[DONE]') + s.end();
    expect(events(out)).toEqual([JSON.parse(chunk), '[DONE]']);
    expect(s.usage()?.usage).toEqual(openaiUsage(json.usage));
  });
});

// The shapes the translators produce are assignable to the official SDK's response types.
export type Checks = [
  ChatCompletion extends OpenAI.Chat.Completions.ChatCompletion ? true : never,
  ChatCompletionChunk extends OpenAI.Chat.Completions.ChatCompletionChunk ? true : never,
  EmbeddingsResponse['data'][number] extends Omit<OpenAI.Embeddings.Embedding, 'embedding'> ? true : never,
];
const checks: Checks = [true, true, true];
void checks;
