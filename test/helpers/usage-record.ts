import type { UsageRecord } from '../../src/core/gateway/usage/record.js';

/**
 * One recorded call for tests that seed api_requests directly: a priced, successful gpt-4o-mini call of team docs a
 * minute ago; `over` sets what the test is about.
 */
export function usageRecord(over: Partial<UsageRecord> & { id: string }): UsageRecord {
  return {
    ts: new Date(Date.now() - 60_000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions',
    orgId: 'acme',
    teamId: 'docs',
    agentId: 'writer',
    userId: 'ann',
    keyId: null,
    tags: ['env:prod'],
    inputTokens: 10,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: '0.25',
    latencyMs: 10,
    ttfbMs: null,
    statusCode: 200,
    streamed: false,
    estimated: false,
    errorClass: null,
    ...over,
  };
}
