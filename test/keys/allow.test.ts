import { describe, expect, it } from 'vitest';
import {
  modelMatches,
  notAllowedBody,
  parseModelPatterns,
  parseProviders,
  permits,
  refusedBy,
  unmatchedPatterns,
} from '../../src/core/gateway/keys/allow.js';

/** The allow-list grammar: `*` is the one wildcard, matched over the whole name, case-insensitively. */
describe('allow-list patterns', () => {
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini', true],
    ['gpt-4o-mini', 'gpt-4o', false],
    ['gpt-4o', 'gpt-4o-mini', false],
    ['claude-haiku-*', 'claude-haiku-4-5', true],
    ['claude-haiku-*', 'claude-haiku-', true],
    ['claude-haiku-*', 'claude-sonnet-4-5', false],
    ['*-mini', 'gpt-4o-mini', true],
    ['*-mini', 'gpt-4o-mini-2024-07-18', false],
    ['gpt-*-mini', 'gpt-4.1-mini', true],
    ['gpt-4.1', 'gpt-441', false],
    ['GPT-4o', 'gpt-4o', true],
    ['gpt-4o', 'GPT-4O', true],
    ['models/gemini-*', 'models/gemini-2.5-flash', true],
    ['a+b', 'aab', false],
  ])('%s against %s → %s', (pattern, model, want) => {
    expect(modelMatches([pattern], model)).toBe(want);
  });

  it('parses comma lists and arrays, lifts with none, refuses what is not a pattern', () => {
    expect(parseModelPatterns('gpt-4o-mini, claude-haiku-* ,gpt-4o-mini')).toEqual(['gpt-4o-mini', 'claude-haiku-*']);
    expect(parseModelPatterns(['gpt-4o'])).toEqual(['gpt-4o']);
    expect(parseModelPatterns('none')).toBeNull();
    expect(parseModelPatterns(undefined)).toBeUndefined();
    for (const bad of ['gpt 4o', 'gpt-4o?', '*', '**', ',', 'a'.repeat(129), 'gpt[4]']) {
      const err = (() => {
        try {
          parseModelPatterns(bad);
        } catch (e) {
          return e as { code: string; exitCode: number; message: string };
        }
      })();
      expect(err, bad).toMatchObject({ code: 'OCO_KEY_INVALID', exitCode: 2 });
      expect(err!.message).toMatch(/^--models: /);
    }
  });

  it('accepts built-in providers and registered upstream names only', () => {
    expect(parseProviders('openai,anthropic', [])).toEqual(['openai', 'anthropic']);
    expect(parseProviders('openai,groq', ['groq'])).toEqual(['openai', 'groq']);
    expect(() => parseProviders('openai,opneai', [])).toThrow(/--providers: unknown provider "opneai"/);
    expect(() => parseProviders('groq', [])).toThrow(/no upstream of that name is registered/);
  });

  it('permits by provider and model; a unified provider/model name matches its bare name', () => {
    const list = { models: ['gpt-4o-mini', 'claude-haiku-*'], providers: ['openai', 'anthropic'] };
    expect(permits(list, 'openai', 'gpt-4o-mini')).toBe(true);
    expect(permits(list, 'openai', 'openai/gpt-4o-mini')).toBe(true);
    expect(permits(list, 'anthropic', 'claude-haiku-4-5')).toBe(true);
    expect(permits(list, 'openai', 'gpt-4o')).toBe(false);
    expect(permits(list, 'gemini', 'gpt-4o-mini')).toBe(false);
    expect(permits(list, 'openai', '')).toBe(false);
    expect(permits({ models: null, providers: ['gemini'] }, 'gemini', 'anything')).toBe(true);
  });

  it('names the first refusing list and never the key in the 403 body', () => {
    const lists = [
      { scope: 'key' as const, name: 'ci-bot', models: ['gpt-4o*'], providers: null },
      { scope: 'team' as const, name: 'payments', models: ['gpt-4o-mini'], providers: null },
    ];
    expect(refusedBy(lists, 'openai', 'gpt-4o-mini')).toBeUndefined();
    const by = refusedBy(lists, 'openai', 'gpt-4o')!;
    expect(by.scope).toBe('team');
    expect(notAllowedBody(by, 'openai', 'gpt-4o', 'r1')).toEqual({
      error: {
        type: 'permission_error',
        code: 'model_not_allowed',
        param: 'model',
        message: 'team "payments" may not call model gpt-4o on openai; allowed models: gpt-4o-mini',
        scope: 'team',
        allowed_models: ['gpt-4o-mini'],
        allowed_providers: null,
        request_id: 'r1',
      },
    });
  });

  it('reports patterns that match no priced model', () => {
    expect(unmatchedPatterns(['gpt-4o*', 'gtp-4o'], ['gpt-4o', 'gpt-4o-mini'])).toEqual(['gtp-4o']);
    expect(unmatchedPatterns(null, ['gpt-4o'])).toEqual([]);
  });
});
