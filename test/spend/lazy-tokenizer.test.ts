import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadedEncodings } from '../../src/core/gateway/spend/estimate/tokenizer.js';
import { parseBudgetInput, parseRateLimitInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, upsertRateLimit } from '../../src/core/gateway/spend/repo.js';
import type { Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';
import { admissionWith, request, sleep } from './helpers.js';

/**
 * The tokenizer costs ~200 ms and ~80 MB to load: only a call under a hard budget may load
 * it. (Its own file: module state is per test file, and the other suites load it.)
 */
describe('the tokenizer loads only for hard budgets', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ store, cleanup } = await BACKENDS[0]!.open()));
  afterAll(async () => cleanup?.());

  const body = { model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] };
  const call = () => request({ endpoint: '/v1/chat/completions', body, maxOutputTokens: 10 });

  it('no controls, rate limits and soft budgets never load it; a hard budget does', async () => {
    const { adm } = await admissionWith(store, { backend: 'memory', estimateCost: undefined });
    expect((await adm.admit(call())).admitted).toBe(true); // nothing configured
    await upsertRateLimit(
      store,
      parseRateLimitInput({ scope: 'team', entity: 'payments', kind: 'tpm', limit: '100000' }),
    );
    await insertBudget(
      store,
      parseBudgetInput({ scope: 'team', entity: 'payments', limit: '10', period: 'monthly', soft: true }, 'UTC'),
    );
    await sleep(300); // budgets and limits reload every 100 ms in tests
    expect(adm.snapshot().budgets).toHaveLength(1);
    expect((await adm.admit(call())).admitted).toBe(true);
    expect(loadedEncodings()).toEqual([]);

    await insertBudget(
      store,
      parseBudgetInput({ scope: 'org', entity: 'acme', limit: '10', period: 'monthly' }, 'UTC'),
    );
    await sleep(300);
    expect((await adm.admit(call())).admitted).toBe(true);
    expect(loadedEncodings()).toEqual(['o200k_base']);
    await adm.close();
  });
});
