import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco } from '../helpers/cli.js';
import { startHarness, type Harness } from './harness.js';

/** keys, pricing and spend commands against the database a running gateway writes. */
describe('oco keys, pricing and spend', () => {
  let h: Harness;
  const oco = (args: string[]) => runOco(args, { home: h.home.path, timeoutMs: 30_000 });
  beforeAll(async () => {
    h = await startHarness();
    const call = (model: string, headers: Record<string, string>) =>
      fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, messages: [] }),
      }).then((r) => r.text());
    await call('gpt-4o', { 'x-agent-id': 'writer', 'x-team-id': 'docs' });
    await call('gpt-4o', { 'x-agent-id': 'writer', 'x-team-id': 'docs' });
    await call('gpt-4o-mini', { 'x-agent-id': 'triage', 'x-team-id': 'support' });
    await call('mystery-model', { 'x-agent-id': 'triage' });
    await h.flush();
  });
  afterAll(async () => h?.stop());

  it('creates a key shown once, lists it without the key, revokes it', async () => {
    const created = await oco(['keys', 'create', '--name', 'ci-bot', '--team', 'docs', '--expires', '30d', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const k = created.json();
    expect(k.key).toMatch(/^oco_[A-Za-z0-9_-]{43}$/);
    expect(k).toMatchObject({ name: 'ci-bot', teamId: 'docs', status: 'active' });
    const list = await oco(['keys', 'list']);
    expect(list.stdout).toContain('ci-bot');
    expect(list.stdout).not.toContain(k.key);
    const revoked = await oco(['keys', 'revoke', k.id, '--json']);
    expect(revoked.json().status).toBe('revoked');
    const missing = await oco(['keys', 'revoke', 'key_nope', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_KEY_NOT_FOUND');
    const bad = await oco(['keys', 'create', '--name', 'x', '--expires', 'tomorrow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--expires');
  });

  it('summarises spend by agent and lists requests', async () => {
    const s = await oco(['spend', 'summary', '--by', 'agent', '--since', '1d', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const rows = s.json().rows;
    // writer: 2 × gpt-4o at 0.00525; triage: gpt-4o-mini 0.000315 + one unpriced call
    expect(rows).toEqual([
      expect.objectContaining({ key: 'triage', requests: 2, unpricedRequests: 1, costUsd: '0.000315' }),
      expect.objectContaining({ key: 'writer', requests: 2, unpricedRequests: 0, costUsd: '0.0105' }),
    ]);
    expect(s.json().total).toMatchObject({ requests: 4, costUsd: '0.010815' });
    expect(s.json().total).toMatchObject({ refused: 0, errors: 0 });
    expect(s.json().total.inputTotalTokens).toBe(
      s.json().total.inputTokens + s.json().total.cachedInputTokens + s.json().total.cacheWriteTokens,
    );
    const table = await oco(['spend', 'summary', '--by', 'team']);
    // No cache writes in this window: that column is left out.
    expect(table.stdout.split('\n')[0]).toMatch(
      /^TEAM\s+REQUESTS\s+REFUSED\s+ERRORS\s+UNPRICED\s+INPUT UNCACHED\s+INPUT CACHED\s+INPUT TOTAL\s+OUTPUT\s+REASONING\s+COST USD$/,
    );
    expect(table.stdout).toMatch(/TOTAL\s+4\s+0\s+0\s+1\s/);
    const reqs = await oco(['spend', 'requests', '--limit', '3', '--json']);
    expect(reqs.json().requests).toHaveLength(3);
    expect(reqs.json().nextCursor).toBeTruthy();
    const bad = await oco(['spend', 'summary', '--by', 'colour']);
    expect(bad.code).toBe(2);
    const badSince = await oco(['spend', 'summary', '--since', 'last week']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since');
  });

  it('lists, gets, sets and imports prices, and lists unpriced models', async () => {
    const get = await oco(['pricing', 'get', 'claude-3-5-sonnet-20241022', '--json']);
    expect(get.json()).toMatchObject({
      resolvedAs: 'claude-3-5-sonnet',
      current: { provider: 'anthropic', prices: { input: '3', output: '15' } },
    });
    const unpriced = await oco(['pricing', 'unpriced', '--json']);
    expect(unpriced.json()).toEqual([
      expect.objectContaining({ provider: 'openai', model: 'mystery-model', requests: 1 }),
    ]);
    const set = await oco([
      'pricing',
      'set',
      'mystery-model',
      '--provider',
      'openai',
      '--input',
      '1.5',
      '--output',
      '4',
      '--json',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({
      model: 'mystery-model',
      prices: { input: '1.5', output: '4' },
      source: 'manual',
    });
    const badRate = await oco(['pricing', 'set', 'gpt-4o', '--output', '-3']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain('--output');
    const imported = await oco([
      'pricing',
      'import',
      join(import.meta.dirname, 'fixtures', 'litellm-sample.json'),
      '--json',
    ]);
    expect(imported.json()).toMatchObject({ models: 4 });
    const list = await oco(['pricing', 'list', '--provider', 'openai', '--json']);
    expect(list.json().find((r: { model: string }) => r.model === 'acme-new-model')).toMatchObject({
      prices: { input: '0.7', output: '2.1' },
    });
    const missing = await oco(['pricing', 'get', 'nothing-like-it', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_PRICE_NOT_FOUND');
    const noFile = await oco(['pricing', 'import', '/nonexistent/prices.json']);
    expect(noFile.code).toBe(2);
  });
});
