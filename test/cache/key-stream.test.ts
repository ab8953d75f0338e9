import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/core/gateway/cache/key.js';
import { cacheMode } from '../../src/core/gateway/cache/policy.js';
import { ChunkAssembler, replayStream } from '../../src/core/gateway/cache/stream.js';
import type { ChatCompletion } from '../../src/core/gateway/translate/types.js';

const parts = (request: Record<string, unknown>, over: Record<string, string> = {}) =>
  cacheKey({ kind: 'chat', provider: 'openai', model: 'gpt-4o', orgId: 'org-a', request, ...over });

describe('cache key', () => {
  const req = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };

  it('is the same for the same request whatever its key order, stream flags or end user', () => {
    const k = parts(req);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(parts({ temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'gpt-4o' })).toBe(k);
    expect(parts({ ...req, stream: true, stream_options: { include_usage: true }, user: 'u1' })).toBe(k);
  });

  it('differs for anything that changes the answer, and for another org, provider or model', () => {
    const k = parts(req);
    expect(parts({ ...req, temperature: 0.1 })).not.toBe(k);
    expect(parts({ ...req, messages: [{ role: 'user', content: 'hi!' }] })).not.toBe(k);
    expect(parts({ ...req, max_tokens: 10 })).not.toBe(k);
    expect(parts(req, { orgId: 'org-b' })).not.toBe(k);
    expect(parts(req, { provider: 'anthropic' })).not.toBe(k);
    expect(parts(req, { model: 'gpt-4o-mini' })).not.toBe(k);
  });
});

describe('cache mode', () => {
  it('caches temperature 0, embeddings and X-OCO-Cache: on; bypasses off and other temperatures', () => {
    expect(cacheMode(undefined, 'chat', { temperature: 0 })).toBe('lookup');
    expect(cacheMode(undefined, 'chat', {})).toBe('bypass');
    expect(cacheMode(undefined, 'chat', { temperature: 0.2 })).toBe('bypass');
    expect(cacheMode(undefined, 'embeddings', {})).toBe('lookup');
    expect(cacheMode('ON', 'chat', { temperature: 1 })).toBe('lookup');
    expect(cacheMode('off', 'chat', { temperature: 0 })).toBe('bypass');
    expect(cacheMode('off', 'embeddings', {})).toBe('bypass');
    expect(cacheMode('semantic', 'chat', { temperature: 1 })).toBe('semantic');
    expect(cacheMode('semantic', 'embeddings', {})).toBe('lookup');
    expect(cacheMode('maybe', 'chat', {})).toEqual({ invalid: expect.stringContaining('X-OCO-Cache') });
  });
});

describe('stream replay and assembly', () => {
  const completion: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'Hello there.', refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };

  it('replays the chunks a real stream gives, the usage chunk only when asked, and ends with [DONE]', () => {
    const text = replayStream(completion, true);
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-1')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: completion.usage });
    expect(replayStream(completion, false)).not.toContain('"usage"');
  });

  it('assembles what it replays back into the same completion, tool calls included', () => {
    const a = new ChunkAssembler();
    const text = replayStream(completion, true);
    // Split at arbitrary points, as a socket would.
    for (let i = 0; i < text.length; i += 7) a.push(text.slice(i, i + 7));
    expect(a.result()).toEqual(completion);
  });

  it('gives nothing for a stream that did not finish', () => {
    const a = new ChunkAssembler();
    const text = replayStream(completion, false);
    a.push(text.slice(0, text.indexOf('data: [DONE]')));
    expect(a.result()).toBeUndefined();
  });
});
