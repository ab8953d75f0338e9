import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/core/base/errors.js';
import { budgetApplies, parseBudgetInput, parseBudgetUpdate, type Budget } from '../../src/core/gateway/spend/model.js';

const base = { scope: 'team', entity: 'payments', limit: '500', period: 'monthly' };

function flagOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).details?.flag as string;
  }
  return undefined;
}

describe('budget validation', () => {
  it('accepts the documented forms with exact money and sorted thresholds', () => {
    const b = parseBudgetInput(
      { ...base, limit: '0.000000001', 'alert-at': '100, 50,80,50', model: 'gpt-4o', provider: 'openai', soft: true },
      'UTC',
    );
    expect(b.limitUsd.toFixed()).toBe('0.000000001');
    expect(b.alertThresholds).toEqual([50, 80, 100]);
    expect(b).toMatchObject({
      scope: 'team',
      entityId: 'payments',
      model: 'gpt-4o',
      provider: 'openai',
      hard: false,
      timezone: 'UTC',
      rollingSeconds: null,
    });
    expect(parseBudgetInput({ ...base, period: 'rolling', window: '7d' }, 'UTC').rollingSeconds).toBe(604_800);
    expect(parseBudgetInput({ ...base, 'alert-at': '' }, 'UTC').alertThresholds).toEqual([]);
    expect(parseBudgetInput({ ...base, limit: 12.5 }, 'UTC').limitUsd.toFixed()).toBe('12.5');
  });

  it('names the flag of every bad value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scope: 'planet' }, 'scope'],
      [{ entity: '' }, 'entity'],
      [{ entity: 'a,b' }, 'entity'],
      [{ limit: '-1' }, 'limit'],
      [{ limit: '1e3' }, 'limit'],
      [{ limit: 'NaN' }, 'limit'],
      [{ limit: '9000000.01' }, 'limit'],
      [{ period: 'yearly' }, 'period'],
      [{ period: 'rolling' }, 'window'],
      [{ period: 'rolling', window: '30s' }, 'window'],
      [{ period: 'daily', window: '1h' }, 'window'],
      [{ timezone: 'CEST+2' }, 'timezone'],
      [{ 'alert-at': '0' }, 'alert-at'],
      [{ 'alert-at': '50%' }, 'alert-at'],
      [{ provider: 'Azure OpenAI' }, 'provider'],
      [{ webhook: 'not a url' }, 'webhook'],
      [{ webhook: 'https://user:pw@hooks.example.com/' }, 'webhook'],
    ];
    for (const [over, flag] of cases)
      expect(
        flagOf(() => parseBudgetInput({ ...base, ...over }, 'UTC')),
        JSON.stringify(over),
      ).toBe(flag);
  });

  it('narrows a budget to an OpenAI-compatible upstream by its NAME', () => {
    expect(parseBudgetInput({ ...base, provider: 'groq' }, 'UTC').provider).toBe('groq');
  });

  it('a bad default timezone from configuration is a configuration error, not a flag error', () => {
    expect(() => parseBudgetInput(base, 'Mars/Base')).toThrow(ConfigError);
    expect(() => parseBudgetInput(base, 'Mars/Base')).toThrow(/OCO_BUDGET_TIMEZONE/);
    expect(parseBudgetInput({ ...base, timezone: 'Asia/Tokyo' }, 'Mars/Base').timezone).toBe('Asia/Tokyo');
  });

  it('updates change only what is given, validated the same way', () => {
    const current = {
      ...parseBudgetInput({ ...base, period: 'rolling', window: '6h' }, 'Europe/Berlin'),
      id: 'b',
      createdAt: '',
      updatedAt: '',
      resetAt: null,
    } as Budget;
    const upd = parseBudgetUpdate(current, { limit: '750' });
    expect(upd).toMatchObject({ period: 'rolling', rollingSeconds: 21_600, timezone: 'Europe/Berlin' });
    expect(upd.limitUsd.toFixed()).toBe('750');
    expect(parseBudgetUpdate(current, { period: 'daily' })).toMatchObject({ period: 'daily', rollingSeconds: null });
    expect(parseBudgetUpdate(current, { webhook: 'none' }).webhookUrl).toBeNull();
    expect(flagOf(() => parseBudgetUpdate(current, { limit: 'x' }))).toBe('limit');
  });

  it('applies by scope, provider and model', () => {
    const b = {
      ...parseBudgetInput({ ...base, scope: 'tag', entity: 'prod', model: 'gpt-4o' }, 'UTC'),
      id: 'b',
      createdAt: '',
      updatedAt: '',
      resetAt: null,
    } as Budget;
    const a = { orgId: 'o', teamId: 't', agentId: 'a', userId: 'u', tags: ['prod', 'ci'] };
    expect(budgetApplies(b, 'openai', 'gpt-4o', a)).toBe(true);
    expect(budgetApplies(b, 'openai', 'gpt-4o-mini', a)).toBe(false);
    expect(budgetApplies(b, 'openai', 'gpt-4o', { ...a, tags: ['production'] })).toBe(false);
    const key = { ...b, scope: 'key' as const, entityId: 'k1', model: null };
    expect(budgetApplies(key, 'anthropic', 'claude', { ...a, keyId: 'k1' })).toBe(true);
    expect(budgetApplies(key, 'anthropic', 'claude', a)).toBe(false);
  });
});
