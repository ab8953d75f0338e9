import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco } from '../helpers/cli.js';
import { startHarness, waitFor, type Harness } from '../proxy/harness.js';

describe('oco cache stats and clear', () => {
  let h: Harness;
  const oco = (args: string[]) => runOco(['cache', ...args], { home: h.home.path, env: h.env, timeoutMs: 30_000 });
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_CACHE_ENABLED: 'true' } });
    const client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
    const ask = (org: string) =>
      client.chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'stats' }], temperature: 0 },
        { headers: { 'X-Org-ID': org } },
      );
    await ask('acme');
    await ask('globex');
    await waitFor(async () => {
      const r = await h.daemon.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM response_cache');
      return Number(r!.n) === 2;
    });
    await ask('acme');
    await h.flush();
  });
  afterAll(async () => h?.stop());

  it(
    'stats: entries and bytes, hits, misses, hit rate and exact savings per period',
    { timeout: 120_000 },
    async () => {
      const r = await oco(['stats', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const s = r.json();
      expect(s).toMatchObject({ enabled: true, backend: 'store', entries: 2, ttlSeconds: 3600 });
      expect(s.bytes).toBeGreaterThan(100);
      expect(s.periods.map((p: { period: string }) => p.period)).toEqual(['24h', '7d', '30d']);
      expect(s.periods[0]).toMatchObject({ hits: 1, misses: 2, hitRate: 0.3333, savingsUsd: '0.00525' });
      const text = await oco(['stats']);
      expect(text.stdout).toContain('cache enabled, backend store, 2 entries');
      expect(text.stdout).toMatch(/^24h +1 +2 +33\.3% +0\.00525$/m);
    },
  );

  it('clear: refuses without --confirm, then drops an org’s answers, then the rest', { timeout: 120_000 }, async () => {
    const refused = await oco(['clear']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--confirm');
    const acme = await oco(['clear', '--org', 'acme', '--yes', '--json']);
    expect(acme.code, acme.stderr).toBe(0);
    expect(acme.json()).toEqual({ cleared: 1, backend: 'store', orgId: 'acme', model: null });
    const rest = await oco(['clear', '--confirm']);
    expect(rest.stdout).toContain('Cleared 1 cached answer (store)');
    expect((await oco(['stats', '--json'])).json()).toMatchObject({ entries: 0, bytes: 0 });
  });
});
