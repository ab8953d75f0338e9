import { describe, expect, it } from 'vitest';
import { validateUpstream } from '../../src/core/gateway/upstreams/registry.js';
import {
  coolDownMs,
  DEFAULT_COOL_DOWN_MS,
  MAX_COOL_DOWN_MS,
  Rotation,
} from '../../src/core/gateway/upstreams/select.js';
import { routeModel } from '../../src/core/gateway/translate/model-route.js';
import { TranslationError } from '../../src/core/gateway/translate/types.js';

/** A deterministic random source (a linear congruential generator), so ratios are reproducible. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const A = { id: 'builtin:openai', weight: 1 };
const B = { id: 'upstream:openai-eu', weight: 3 };

describe('deployment selection', () => {
  it('picks by weight among the deployments in rotation', () => {
    const r = new Rotation();
    const random = seeded(7);
    const counts = { [A.id]: 0, [B.id]: 0 };
    for (let i = 0; i < 10_000; i++) counts[r.pick([A, B], { random })!.id]!++;
    expect(counts[A.id]! / 10_000).toBeCloseTo(0.25, 1);
    expect(counts[B.id]! / 10_000).toBeCloseTo(0.75, 1);
  });

  it('leaves a rate-limited deployment out until its time, then takes it back', () => {
    const r = new Rotation();
    r.markRateLimited(B.id, 1_000);
    for (let i = 0; i < 50; i++) expect(r.pick([A, B], { now: 999, random: seeded(i) })!.id).toBe(A.id);
    expect(r.outUntil(B.id, 500)).toBe(1_000);
    r.markRateLimited(B.id, 800); // an earlier end does not shorten it
    expect(r.outUntil(B.id, 900)).toBe(1_000);
    expect(r.outUntil(B.id, 1_000)).toBeUndefined();
    const seen = new Set(Array.from({ length: 50 }, (_, i) => r.pick([A, B], { now: 1_000, random: seeded(i) })!.id));
    expect(seen).toEqual(new Set([A.id, B.id]));
  });

  it('sends the call to the one that frees first when all are out, and honours exclusions', () => {
    const r = new Rotation();
    r.markRateLimited(A.id, 5_000);
    r.markRateLimited(B.id, 3_000);
    expect(r.pick([A, B], { now: 100 })!.id).toBe(B.id);
    expect(r.pick([A, B], { now: 100, exclude: new Set([B.id]) })!.id).toBe(A.id);
    expect(r.pick([A, B], { exclude: new Set([A.id, B.id]) })).toBeUndefined();
    expect(r.pick([])).toBeUndefined();
  });

  it('reads the cool-down from retry-after-ms, Retry-After seconds or date, else the default', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(coolDownMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
    expect(coolDownMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(coolDownMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(coolDownMs({ 'retry-after': '86400' }, now)).toBe(MAX_COOL_DOWN_MS);
    expect(coolDownMs({}, now)).toBe(DEFAULT_COOL_DOWN_MS);
    expect(coolDownMs({ 'retry-after': 'soon' }, now)).toBe(DEFAULT_COOL_DOWN_MS);
  });
});

describe('registry input', () => {
  it('normalises a valid upstream', () => {
    expect(
      validateUpstream({
        name: 'groq',
        baseUrl: 'https://api.groq.com/openai/v1/',
        keyEnv: 'GROQ_API_KEY',
        models: 'a, b,a',
      }),
    ).toEqual({
      name: 'groq',
      kind: 'openai-compatible',
      baseUrl: 'https://api.groq.com/openai/v1',
      keyEnv: 'GROQ_API_KEY',
      models: ['a', 'b'],
      weight: 1,
    });
  });

  it('refuses names of built-ins and malformed values, naming the flag', () => {
    expect(() => validateUpstream({ name: 'gemini', baseUrl: 'http://x' })).toThrow(/built-in/);
    expect(() => validateUpstream({ name: 'a_b', baseUrl: 'http://x' })).toThrow(/NAME must be a lowercase slug/);
    expect(() => validateUpstream({ name: 'a', baseUrl: 'http://x?k=v' })).toThrow(/--base-url must not have a query/);
    expect(() => validateUpstream({ name: 'a', baseUrl: 'http://x', kind: 'azure' })).toThrow(/--kind must be one of/);
    expect(() => validateUpstream({ name: 'a', baseUrl: 'http://x', weight: 1.5 })).toThrow(/--weight/);
  });
});

describe('NAME/model routing', () => {
  const registered = new Map([
    ['groq', { models: ['llama-3.1-70b'] }],
    ['ollama', { models: null }],
  ]);

  it('sends NAME/model over OpenAI wire format to the registered upstream', () => {
    expect(routeModel('groq/llama-3.1-70b', registered)).toEqual({
      provider: 'openai',
      model: 'llama-3.1-70b',
      upstream: 'groq',
    });
    expect(routeModel('ollama/qwen2.5:7b', registered)).toEqual({
      provider: 'openai',
      model: 'qwen2.5:7b',
      upstream: 'ollama',
    });
    expect(routeModel('anthropic/claude-x', registered)).toEqual({ provider: 'anthropic', model: 'claude-x' });
  });

  it('refuses a model off the list, and an unregistered NAME, listing what is accepted', () => {
    expect(() => routeModel('groq/mixtral', registered)).toThrow(/its models \(--models\): llama-3.1-70b/);
    try {
      routeModel('mistral/small', registered);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TranslationError);
      expect((err as Error).message).toContain('groq/<model>, ollama/<model>');
    }
    expect(() => routeModel('groq/llama-3.1-70b')).toThrow(/not routed to any provider/);
  });
});
