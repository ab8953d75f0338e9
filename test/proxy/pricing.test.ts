import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateNames } from '../../src/core/gateway/pricing/family.js';
import {
  PriceBook,
  loadPriceBook,
  modelLimits,
  priceUsage,
  emptyUsage,
  type TokenUsage,
} from '../../src/core/gateway/pricing/index.js';
import { importLiteLlm, setPrice } from '../../src/core/gateway/pricing/service.js';
import { BACKENDS } from '../helpers/stores.js';
import type { Store } from '../../src/core/base/store/types.js';

const usage = (u: Partial<TokenUsage>): TokenUsage => ({ ...emptyUsage(), ...u });

describe('model families', () => {
  it.each([
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4-0613', 'gpt-4'],
    ['gpt-3.5-turbo-0125', 'gpt-3.5-turbo'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash'],
    ['models/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
  ])('%s resolves to %s', (model, family) => {
    const book = new PriceBook();
    const provider = model.startsWith('claude') ? 'anthropic' : model.includes('gemini') ? 'gemini' : 'openai';
    expect(book.family(provider, model)).toBe(family);
    expect(candidateNames(model)).toContain(family);
  });

  it('does not resolve an unknown model to a shorter known one', () => {
    const book = new PriceBook();
    expect(book.family('openai', 'gpt-4o-custom-finetune')).toBeNull();
    expect(priceUsage(book, 'openai', 'gpt-4o-custom-finetune', usage({ inputTokens: 10 }))).toBeNull();
  });
});

/** Golden costs, one token class at a time, hand-computed from the shipped table (USD per 1M tokens). */
describe('exact cost per token class', () => {
  const book = new PriceBook();
  const cost = (provider: 'openai' | 'anthropic' | 'gemini', model: string, u: Partial<TokenUsage>) =>
    priceUsage(book, provider, model, usage(u))!.toFixed();
  it.each([
    ['openai', 'gpt-4o', { inputTokens: 1 }, '0.0000025'],
    ['openai', 'gpt-4o', { cachedInputTokens: 1_000_000 }, '1.25'],
    ['openai', 'gpt-4o', { outputTokens: 3 }, '0.00003'],
    ['openai', 'o3', { reasoningTokens: 7 }, '0.000056'],
    ['openai', 'gpt-3.5-turbo', { cachedInputTokens: 10 }, '0.000005'],
    ['anthropic', 'claude-opus-4-1', { cacheWrite5mTokens: 1000 }, '0.01875'],
    ['anthropic', 'claude-opus-4-1', { cacheWrite1hTokens: 1000 }, '0.03'],
    ['anthropic', 'claude-opus-4-1', { cachedInputTokens: 1000 }, '0.0015'],
    ['anthropic', 'claude-3-haiku', { outputTokens: 1 }, '0.00000125'],
    ['gemini', 'gemini-2.5-flash', { toolPromptTokens: 100 }, '0.00003'],
    ['gemini', 'gemini-2.5-flash', { reasoningTokens: 100 }, '0.00025'],
    ['gemini', 'gemini-2.0-flash-lite', { cachedInputTokens: 1000 }, '0.000075'],
  ] as const)('%s %s %j costs %s', (provider, model, u, expected) => {
    expect(cost(provider, model, u)).toBe(expected);
  });

  it('switches every class to the >200k tier when the prompt is larger (Gemini 2.5 Pro, Claude Sonnet 4.5)', () => {
    // 200,000 prompt tokens is still the base tier: 200000 × 1.25 + 1000 × 10
    expect(cost('gemini', 'gemini-2.5-pro', { inputTokens: 200_000, outputTokens: 1000 })).toBe('0.26');
    // 200,001: 200001 × 2.5 + 1000 × 15
    expect(cost('gemini', 'gemini-2.5-pro', { inputTokens: 200_001, outputTokens: 1000 })).toBe('0.5150025');
    // cached tokens count toward the tier: 150000 × 6 + 60000 × 0.6 + 1000 × 22.5
    expect(
      cost('anthropic', 'claude-sonnet-4-5', { inputTokens: 150_000, cachedInputTokens: 60_000, outputTokens: 1000 }),
    ).toBe('0.9585');
  });

  it('adds a million small costs exactly', () => {
    let total = priceUsage(book, 'openai', 'gpt-4o-mini', usage({ inputTokens: 1 }))!;
    const one = total;
    for (let i = 1; i < 1_000_000; i++) total = total.plus(one);
    expect(total.toFixed()).toBe('0.15');
  });

  it("tells spend controls a model's output limit", () => {
    expect(modelLimits(book, 'openai', 'gpt-4o-2024-08-06').maxOutputTokens).toBe(16_384);
    expect(modelLimits(book, 'anthropic', 'claude-sonnet-4-5-20250929').maxOutputTokens).toBe(64_000);
    expect(modelLimits(book, 'openai', 'nobody-knows')).toEqual({});
  });
});

describe.each(BACKENDS)('price versions and import ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await b.open());
    });
    afterAll(async () => cleanup?.());

    it('keeps old calls at their price when a new one takes effect', async () => {
      const jan = new Date('2026-01-01T00:00:00Z');
      const mar = new Date('2026-03-01T00:00:00Z');
      await setPrice(store, { provider: 'openai', model: 'gpt-4o', prices: { output: '12' }, effectiveFrom: mar });
      const book = await loadPriceBook(store);
      const u = usage({ inputTokens: 1000, outputTokens: 1000 });
      expect(priceUsage(book, 'openai', 'gpt-4o-2024-08-06', u, jan)!.toFixed()).toBe('0.0125');
      // input kept at 2.5, output now 12
      expect(priceUsage(book, 'openai', 'gpt-4o-2024-08-06', u, new Date('2026-03-02T00:00:00Z'))!.toFixed()).toBe(
        '0.0145',
      );
    });

    it('prices a new model once set, from its effective date', async () => {
      await setPrice(store, {
        provider: 'openai',
        model: 'house-model',
        prices: { input: '0.3', output: '0.9' },
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      });
      const book = await loadPriceBook(store);
      expect(
        priceUsage(
          book,
          'openai',
          'house-model',
          usage({ inputTokens: 10, outputTokens: 10 }),
          new Date('2026-02-01T00:00:00Z'),
        )!.toFixed(),
      ).toBe('0.000012');
      await expect(
        setPrice(store, { provider: 'openai', model: 'another', prices: { output: '1' }, effectiveFrom: new Date() }),
      ).rejects.toThrow(/--input is required/);
    });

    it("imports LiteLLM's format: per-token to per-1M, tiers, cache writes, output limits; skips other providers and bad entries", async () => {
      const eff = new Date('2026-06-01T00:00:00Z');
      const r = await importLiteLlm(store, join(import.meta.dirname, 'fixtures', 'litellm-sample.json'), eff);
      expect(r.models).toBe(4);
      expect(r.skipped).toEqual([
        { model: 'broken-entry', reason: 'input_cost_per_token is not a non-negative number' },
      ]);
      const book = await loadPriceBook(store);
      const at = new Date('2026-06-02T00:00:00Z');
      expect(
        priceUsage(
          book,
          'openai',
          'acme-new-model',
          usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 }),
          at,
        )!.toFixed(),
      ).toBe('2.8');
      expect(
        priceUsage(
          book,
          'anthropic',
          'claude-sonnet-4-5-20250929',
          usage({ cacheWrite1hTokens: 1_000_000 }),
          at,
        )!.toFixed(),
      ).toBe('6');
      expect(priceUsage(book, 'gemini', 'gemini-2.5-pro', usage({ inputTokens: 300_000 }), at)!.toFixed()).toBe('0.75');
      expect(modelLimits(book, 'openai', 'acme-new-model').maxOutputTokens).toBe(4096);
      expect(book.family('openai', 'mistral-large-latest')).toBeNull();
    });

    it('reports a file that is not JSON with its line', async () => {
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const file = join(mkdtempSync(join(tmpdir(), 'oco-price-')), 'bad.json');
      writeFileSync(file, '{\n  "gpt-4o": {\n    "input_cost_per_token": ,\n  }\n}\n');
      await expect(importLiteLlm(store, file, new Date())).rejects.toThrow(/bad\.json:3:29 is not valid JSON/);
    });
  });
});
