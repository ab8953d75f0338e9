import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/base/store/types.js';
import { PriceBook } from '../../src/core/gateway/pricing/book.js';
import { ChatRouter } from '../../src/core/gateway/proxy/routing.js';
import { tierTable } from '../../src/core/gateway/routing/index.js';
import { BACKENDS } from '../helpers/stores.js';

/**
 * The latency strategy may move a call to another provider; the provider key the call is sent with
 * must belong to the provider it reaches. A key the client brought is its requested provider's, so
 * the call stays there; otherwise only providers the gateway holds a key for can take it.
 */
describe('latency routing reaches only providers it has a key for', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const book = new PriceBook();
  const tiers = tierTable(book);
  let router: ChatRouter;
  const request = { model: tiers.openai.economy!.model, messages: [{ role: 'user', content: 'hi' }] };

  beforeAll(async () => {
    ({ store, cleanup } = await BACKENDS[0]!.open());
    // Gemini's economy model answered fastest lately, OpenAI's slowest.
    const latency = { openai: 900, anthropic: 400, gemini: 120 } as const;
    let n = 0;
    for (const [provider, ms] of Object.entries(latency)) {
      const model = tiers[provider as keyof typeof latency].economy!.model;
      for (let i = 0; i < 5; i++)
        await store.run(
          `INSERT INTO api_requests (id, ts, provider, model, latency_ms, status_code) VALUES ($1, $2, $3, $4, $5, 200)`,
          [`r${n++}`, new Date().toISOString(), provider, model, ms + i],
        );
    }
    router = new ChatRouter({
      store,
      prices: () => book,
      logger: pino({ level: 'silent' }),
      strategy: 'latency',
      tierOverrides: {},
    });
    // The first call starts the background read of the medians; wait until they are in.
    router.route(undefined, request);
    for (let i = 0; i < 100 && router.route(undefined, request)?.model === request.model; i++)
      await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => cleanup?.());

  it('goes to the fastest provider only among those the gateway has a key for', () => {
    const all = router.route(undefined, request, undefined, {
      clientKey: false,
      configured: ['openai', 'anthropic', 'gemini'],
    });
    expect(all?.model).toBe(tiers.gemini.economy!.model);
    const noGemini = router.route(undefined, request, undefined, {
      clientKey: false,
      configured: ['openai', 'anthropic'],
    });
    expect(noGemini?.model).toBe(tiers.anthropic.economy!.model);
  });

  it("never moves a call that carries the client's own provider key to another provider", () => {
    const own = router.route(undefined, request, undefined, {
      clientKey: true,
      configured: ['openai', 'anthropic', 'gemini'],
    });
    expect(own?.model).toBe(request.model);
    expect(own?.route).toBeUndefined();
  });
});
