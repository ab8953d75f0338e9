import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import { CircuitBreakers } from '../../src/core/gateway/proxy/breaker.js';
import {
  backoffMs,
  parseFallbackHeader,
  retryableStatus,
  retryAfterMs,
  retryWaitMs,
} from '../../src/core/gateway/proxy/fallback.js';
import { listFallbacks, setFallbacks, unsetFallbacks } from '../../src/core/gateway/routing/fallbacks.js';
import { TranslationError } from '../../src/core/gateway/translate/types.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

describe('circuit breaker', () => {
  let now = 0;
  const breakers = () => new CircuitBreakers({ failures: 3, cooldownMs: 1000 }, () => now);

  it('opens after N consecutive failures, half-opens after the cool-down for one probe, closes on its success', () => {
    now = 0;
    const b = breakers();
    const id = 'openai https://api.openai.com';
    b.failure(id);
    b.failure(id);
    expect(b.state(id)).toBe('closed');
    expect(b.acquire(id)).toBe(true);
    b.failure(id);
    expect(b.state(id)).toBe('open');
    expect(b.acquire(id)).toBe(false);
    expect(b.retryAfterMs(id)).toBe(1000);
    now = 999;
    expect(b.acquire(id)).toBe(false);
    now = 1000;
    expect(b.state(id)).toBe('half-open');
    expect(b.acquire(id)).toBe(true); // the probe
    expect(b.acquire(id)).toBe(false); // others wait for its outcome
    b.success(id);
    expect(b.state(id)).toBe('closed');
    expect(b.acquire(id)).toBe(true);
  });

  it('a failed probe opens it for a whole new cool-down; a released probe lets the next one through', () => {
    now = 0;
    const b = breakers();
    for (let i = 0; i < 3; i++) b.failure('u');
    now = 1500;
    expect(b.acquire('u')).toBe(true);
    b.failure('u');
    expect(b.state('u')).toBe('open');
    expect(b.retryAfterMs('u')).toBe(1000);
    now = 2500;
    expect(b.acquire('u')).toBe(true);
    b.release('u');
    expect(b.acquire('u')).toBe(true);
  });

  it('a success resets the count: failures must be consecutive; upstreams are apart', () => {
    now = 0;
    const b = breakers();
    b.failure('a');
    b.failure('a');
    b.success('a');
    b.failure('a');
    b.failure('a');
    expect(b.state('a')).toBe('closed');
    for (let i = 0; i < 3; i++) b.failure('b');
    expect(b.state('b')).toBe('open');
    expect(b.state('a')).toBe('closed');
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds, fractions, an HTTP date, or retry-after-ms first', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.25' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after-ms': '120', 'retry-after': '5' }, now)).toBe(120);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter in the upper half, waits at least Retry-After, never past the cap', () => {
    expect(backoffMs(0, 100, () => 0)).toBe(50);
    expect(backoffMs(0, 100, () => 1)).toBe(100);
    expect(backoffMs(3, 100, () => 1)).toBe(800);
    const s = { retries: 3, retryBaseMs: 100, retryMaxWaitMs: 1000 };
    expect(retryWaitMs(s, 700, 0)).toBe(700);
    expect(retryWaitMs(s, 1000, 0)).toBe(1000);
    // Past the cap: no sleep at all, the next fallback is tried at once.
    expect(retryWaitMs(s, 1001, 0)).toBeUndefined();
    expect(retryWaitMs(s, undefined, 10)).toBe(1000);
  });

  it('retries 429 and 5xx only', () => {
    expect([400, 401, 404, 408, 422, 429, 500, 503, 529].filter(retryableStatus)).toEqual([429, 500, 503, 529]);
  });
});

describe('X-OCO-Fallbacks', () => {
  it('is absent, "none", or comma-separated models a provider claims', () => {
    expect(parseFallbackHeader(undefined, 'gpt-4o')).toBeUndefined();
    expect(parseFallbackHeader('None', 'gpt-4o')).toEqual([]);
    expect(parseFallbackHeader(' claude-sonnet-4-5, gemini/gemini-2.5-pro ', 'gpt-4o')).toEqual([
      'claude-sonnet-4-5',
      'gemini/gemini-2.5-pro',
    ]);
    for (const [v, why] of [
      ['claude-sonnet-4-5,llama-3', /llama-3.*not routed/],
      ['gpt-4o', /own fallback/],
      ['claude-sonnet-4-5,claude-sonnet-4-5', /twice/],
      ['claude-sonnet-4-5,', /empty model name/],
    ] as const) {
      let err: unknown;
      try {
        parseFallbackHeader(v, 'gpt-4o');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TranslationError);
      expect((err as TranslationError).toOpenAIError()).toMatchObject({ error: { param: 'X-OCO-Fallbacks' } });
      expect((err as Error).message).toMatch(why);
    }
  });
});

describe.each(BACKENDS)('stored fallback lists ($name)', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => cleanup?.());

  it.skipIf(!backend.available())('sets, replaces, lists and unsets a list, in order', async () => {
    const set = await setFallbacks(store, 'gpt-4o', 'claude-sonnet-4-5, gemini-2.5-pro');
    expect(set).toMatchObject({ model: 'gpt-4o', fallbacks: ['claude-sonnet-4-5', 'gemini-2.5-pro'] });
    await setFallbacks(store, 'gpt-4o', 'gemini-2.5-pro,claude-sonnet-4-5');
    await setFallbacks(store, 'anthropic/claude-sonnet-4-5', 'gpt-4o');
    const lists = await listFallbacks(store);
    expect(lists.map((l) => [l.model, l.fallbacks])).toEqual([
      ['anthropic/claude-sonnet-4-5', ['gpt-4o']],
      ['gpt-4o', ['gemini-2.5-pro', 'claude-sonnet-4-5']],
    ]);
    expect(Number.isNaN(Date.parse(lists[0]!.updatedAt))).toBe(false);
    expect(await unsetFallbacks(store, 'gpt-4o')).toEqual({ model: 'gpt-4o', removed: true });
    await expect(unsetFallbacks(store, 'gpt-4o')).rejects.toMatchObject({ code: 'OCO_ROUTE_FALLBACK_NOT_FOUND' });
  });

  it.skipIf(!backend.available())('refuses a model no provider claims, naming it, and stores nothing', async () => {
    await expect(setFallbacks(store, 'gpt-4o', 'claude-sonnet-4-5,llama-3')).rejects.toMatchObject({
      code: 'OCO_ROUTE_FALLBACK_INVALID',
      exitCode: 2,
      message: expect.stringMatching(/--to: model "llama-3" is not routed/),
    });
    await expect(setFallbacks(store, 'llama-3', 'gpt-4o')).rejects.toMatchObject({
      message: expect.stringMatching(/^MODEL: model "llama-3"/),
    });
    await expect(setFallbacks(store, 'gpt-4o', 'gpt-4o')).rejects.toMatchObject({ code: 'OCO_ROUTE_FALLBACK_INVALID' });
    expect((await listFallbacks(store)).map((l) => l.model)).not.toContain('llama-3');
  });
});

describe('oco route fallbacks', () => {
  let home: TempHome;
  const oco = (args: string[]) => runOco(['route', 'fallbacks', ...args], { home: home.path, timeoutMs: 30_000 });
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(() => home?.cleanup());

  it('set, list and unset, with --json and a usage error naming the unknown model', async () => {
    const set = await oco(['set', 'gpt-4o', '--to', 'claude-sonnet-4-5,gemini-2.5-pro']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('gpt-4o → claude-sonnet-4-5 → gemini-2.5-pro');
    const list = await oco(['list', '--json']);
    expect(list.json()).toMatchObject({
      fallbacks: [{ model: 'gpt-4o', fallbacks: ['claude-sonnet-4-5', 'gemini-2.5-pro'] }],
    });
    const bad = await oco(['set', 'gpt-4o', '--to', 'mistral-large']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Error: --to: model "mistral-large" is not routed to any provider/);
    const unset = await oco(['unset', 'gpt-4o', '--json']);
    expect(unset.json()).toEqual({ model: 'gpt-4o', removed: true });
    const again = await oco(['unset', 'gpt-4o']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no fallback list/);
    expect((await oco(['list'])).stdout).toMatch(/No fallbacks set/);
  });
});
