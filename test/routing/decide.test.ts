import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/core/base/errors.js';
import { emptyUsage, PriceBook } from '../../src/core/gateway/pricing/index.js';
import {
  decideRoute,
  extractFeatures,
  parseStrategy,
  parseTierOverrides,
  routingSavings,
  scoreFeatures,
  SCORE_WEIGHTS,
  STRATEGIES,
  tierTable,
  type Strategy,
} from '../../src/core/gateway/routing/index.js';
import type { PriceVersion } from '../../src/core/gateway/pricing/types.js';
import { conversation, REQUESTS } from './requests.js';

const book = new PriceBook();
const tiers = tierTable(book);

describe('routing features', () => {
  it('reads length, code blocks, tools, cues of the last user message, depth, output size, images, schema', () => {
    expect(extractFeatures(REQUESTS.hardOnCheap!)).toEqual({
      promptChars: 116,
      promptTokens: 29,
      codeBlocks: 2,
      toolCount: 1,
      reasoningCues: ['prove', 'step by step', 'debug', 'why', 'algorithm'],
      messages: 1,
      maxOutputTokens: 8000,
      images: 0,
      jsonSchema: false,
    });
    expect(extractFeatures(REQUESTS.imageAndSchemaOnPro!)).toMatchObject({ images: 1, jsonSchema: true });
  });

  it('looks for cues in the last user message only, on word boundaries', () => {
    const f = (last: string, earlier = 'Prove it. Why? Debug!') =>
      extractFeatures({
        model: 'gpt-5',
        messages: [
          { role: 'user', content: earlier },
          { role: 'assistant', content: 'Why not.' },
          { role: 'user', content: last },
        ],
      }).reasoningCues;
    expect(f('thanks')).toEqual([]);
    expect(f('Whyever would the debugger say so? Analyzed it STEP BY STEP.')).toEqual([
      'step by step',
      'analyze',
      'debug',
    ]);
    expect(f('Explaining the proofs')).toEqual(['explain']);
  });

  it('prefers max_completion_tokens, treats a missing limit as unknown', () => {
    const base = { model: 'o3', messages: [{ role: 'user' as const, content: 'x' }] };
    expect(extractFeatures({ ...base, max_tokens: 100, max_completion_tokens: 9000 }).maxOutputTokens).toBe(9000);
    expect(extractFeatures(base).maxOutputTokens).toBeNull();
  });
});

describe('routing score', () => {
  it('is a weighted table whose weights sum to 1', () => {
    expect(SCORE_WEIGHTS.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 10);
  });

  it('adds up its contributions and stays within 0..1', () => {
    for (const req of Object.values(REQUESTS)) {
      const s = scoreFeatures(extractFeatures(req));
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(s.score).toBeCloseTo(
        s.contributions.reduce((a, c) => a + c.contribution, 0),
        3,
      );
    }
  });
});

describe('tier models from the price book', () => {
  it("ranks each provider's current line by price", () => {
    const models = Object.fromEntries(
      Object.entries(tiers).map(([p, t]) => [p, [t.economy?.model, t.standard?.model, t.premium?.model]]),
    );
    expect(models).toEqual({
      openai: ['gpt-5-nano', 'gpt-5-mini', 'gpt-5'],
      anthropic: ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5'],
      gemini: ['gemini-2.5-flash-lite', 'gemini-2.5-flash', 'gemini-2.5-pro'],
    });
  });

  it('takes a model priced with oco pricing set into its line', () => {
    const pro: PriceVersion = {
      provider: 'openai',
      model: 'gpt-5-pro',
      effectiveFrom: '2025-01-01T00:00:00.000Z',
      source: 'manual',
      tiers: [{ minContextTokens: 0, prices: { input: '15', output: '120' } }],
    };
    expect(tierTable(new PriceBook([pro])).openai.premium).toEqual({ model: 'gpt-5-pro', source: 'priceBook' });
  });

  it('lets route.tiers override any tier, and names the key on a bad entry', () => {
    const t = tierTable(book, parseTierOverrides(' economy.openai=gpt-4.1-nano, premium.gemini=gemini-1.5-pro '));
    expect(t.openai.economy).toEqual({ model: 'gpt-4.1-nano', source: 'config' });
    expect(t.gemini.premium).toEqual({ model: 'gemini-1.5-pro', source: 'config' });
    expect(t.openai.premium?.model).toBe('gpt-5');
    for (const bad of ['cheap.openai=x', 'economy.mistral=x', 'economy.openai', 'economy.openai='])
      expect(() => parseTierOverrides(bad)).toThrow(ConfigError);
    expect(() => parseTierOverrides('cheap.openai=x')).toThrow(/route\.tiers: "cheap\.openai=x"/);
  });
});

/** request → [tier, model chosen by off, cost, quality, latency (nothing measured: cost)] */
const TABLE: Record<string, [string, string, string, string, string]> = {
  simple: ['economy', 'gpt-5', 'gpt-5-nano', 'gpt-5', 'gpt-5-nano'],
  alreadyEconomy: ['economy', 'gpt-5-nano', 'gpt-5-nano', 'gpt-5-nano', 'gpt-5-nano'],
  hardOnCheap: ['premium', 'gpt-5-nano', 'gpt-5-nano', 'gpt-5', 'gpt-5-nano'],
  midOnOpus: ['standard', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5', 'claude-sonnet-4-5'],
  imageAndSchemaOnPro: [
    'economy',
    'gemini-2.5-pro',
    'gemini-2.5-flash-lite',
    'gemini-2.5-pro',
    'gemini-2.5-flash-lite',
  ],
  unpricedFineTune: [
    'economy',
    'openai/ft-house-model',
    'openai/ft-house-model',
    'openai/ft-house-model',
    'openai/ft-house-model',
  ],
  datedSnapshot: [
    'economy',
    'claude-sonnet-4-5-20250929',
    'claude-haiku-4-5',
    'claude-sonnet-4-5-20250929',
    'claude-haiku-4-5',
  ],
  longPromptOn4o: ['standard', 'gpt-4o', 'gpt-5-mini', 'gpt-4o', 'gpt-5-mini'],
  longPromptOnCheapOld: ['standard', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini'],
  longConversation: ['premium', 'gpt-5', 'gpt-5', 'gpt-5', 'gpt-5'],
};

describe('routing decisions on a fixed set of requests', () => {
  it('covers every request of the set', () => expect(Object.keys(TABLE).sort()).toEqual(Object.keys(REQUESTS).sort()));

  it.each(Object.entries(TABLE))('%s', (name, [tier, ...models]) => {
    const req = REQUESTS[name]!;
    const chosen = (['off', 'cost', 'quality', 'latency'] as Strategy[]).map((s) => {
      const d = decideRoute(req, s, { book, tiers });
      expect(d.tier).toBe(tier);
      expect(d.requestedModel).toBe(req.model);
      expect(d.routed).toBe(d.chosenModel !== req.model);
      expect(d.reason).not.toBe('');
      return d.chosenModel;
    });
    expect(chosen).toEqual(models);
  });

  it('off pins the model and says so', () => {
    const d = decideRoute(REQUESTS.simple!, 'off', { book, tiers });
    expect(d).toMatchObject({ chosenModel: 'gpt-5', provider: 'openai', routed: false });
    expect(d.reason).toMatch(/pinned/);
  });

  it('cost never routes up in price, and says what the tier model would have cost', () => {
    const d = decideRoute(REQUESTS.hardOnCheap!, 'cost', { book, tiers });
    expect(d.chosenModel).toBe('gpt-5-nano');
    expect(d.reason).toMatch(/^the premium model gpt-5 would cost \$[\d.]+, not less than .*never routed up in price$/);
  });

  it('latency picks the lowest measured median among the tier models of every provider', () => {
    const latencies = new Map([
      ['openai/gpt-5-nano', { medianMs: 900, samples: 40 }],
      ['anthropic/claude-haiku-4-5', { medianMs: 420, samples: 12 }],
      ['gemini/gemini-2.5-pro', { medianMs: 100, samples: 5 }], // another tier: not a candidate
    ]);
    const d = decideRoute(REQUESTS.simple!, 'latency', { book, tiers, latencies });
    expect(d).toMatchObject({ chosenModel: 'claude-haiku-4-5', provider: 'anthropic', routed: true });
    expect(d.reason).toMatch(/lowest median latency 420 ms over 12 calls \(openai\/gpt-5-nano 900 ms\)/);
    const onlyOpenAI = decideRoute(REQUESTS.simple!, 'latency', { book, tiers, latencies, providers: ['openai'] });
    expect(onlyOpenAI.chosenModel).toBe('gpt-5-nano');
  });

  it('latency without measurements falls back to cost and says why', () => {
    const d = decideRoute(REQUESTS.simple!, 'latency', { book, tiers, latencies: new Map() });
    expect(d.chosenModel).toBe('gpt-5-nano');
    expect(d.reason).toMatch(/^no latency recorded for the economy models; cost strategy: score/);
  });

  it('names a chosen model the prefix rule would not route as provider/model', () => {
    const t = tierTable(book, parseTierOverrides('economy.openai=house-small'));
    const cheap: PriceVersion = {
      provider: 'openai',
      model: 'house-small',
      effectiveFrom: '2024-01-01T00:00:00.000Z',
      source: 'manual',
      tiers: [{ minContextTokens: 0, prices: { input: '0.01', output: '0.02' } }],
    };
    const d = decideRoute(REQUESTS.simple!, 'cost', { book: new PriceBook([cheap]), tiers: t });
    expect(d.chosenModel).toBe('openai/house-small');
  });

  it('parses strategies as X-OCO-Route spells them', () => {
    expect(STRATEGIES.map((s) => parseStrategy(` ${s.toUpperCase()} `))).toEqual([...STRATEGIES]);
    expect(() => parseStrategy('fastest', 'X-OCO-Route')).toThrow(UsageError);
  });
});

describe('routing savings', () => {
  const usage = { ...emptyUsage(), inputTokens: 1_234_567, cachedInputTokens: 89_012, outputTokens: 34_567 };

  it('is exact to the last digit', () => {
    const s = routingSavings(
      book,
      usage,
      { provider: 'openai', model: 'gpt-4o' },
      { provider: 'openai', model: 'gpt-4o-mini' },
    );
    // gpt-4o: (1234567 × 2.5 + 89012 × 1.25 + 34567 × 10) / 1e6; gpt-4o-mini: × 0.15, 0.075, 0.6
    expect(s.originalCostUsd!.toFixed()).toBe('3.5433525');
    expect(s.routedCostUsd!.toFixed()).toBe('0.21260115');
    expect(s.savingsUsd!.toFixed()).toBe('3.33075135');
  });

  it('keeps digits a float would lose, across providers', () => {
    const tiny = { ...emptyUsage(), inputTokens: 7, outputTokens: 3 };
    const s = routingSavings(
      book,
      tiny,
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
      { provider: 'gemini', model: 'gemini-2.0-flash-lite' },
    );
    // 7 × 1 + 3 × 5 = 22 → 0.000022; 7 × 0.075 + 3 × 0.3 = 1.425 → 0.000001425
    expect(s.savingsUsd!.toFixed()).toBe('0.000020575');
  });

  it('is negative when the routed model cost more, unknown when either has no price', () => {
    const s = routingSavings(
      book,
      usage,
      { provider: 'openai', model: 'gpt-4o-mini' },
      { provider: 'openai', model: 'gpt-4o' },
    );
    expect(s.savingsUsd!.toFixed()).toBe('-3.33075135');
    const u = routingSavings(
      book,
      usage,
      { provider: 'openai', model: 'ft-x' },
      { provider: 'openai', model: 'gpt-4o' },
    );
    expect(u).toMatchObject({ originalCostUsd: null, savingsUsd: null });
  });
});

describe('a 100-message conversation', () => {
  it('is decided from the whole history once (features count every message)', () => {
    const d = decideRoute({ model: 'gpt-5', messages: conversation(100) }, 'cost', { book, tiers });
    expect(d.features.messages).toBe(100);
    expect(d.features.codeBlocks).toBe(49);
  });
});
