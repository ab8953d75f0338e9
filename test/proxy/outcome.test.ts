import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  classifyStatus,
  cutsStream,
  estimateUsage,
  failureMessage,
} from '../../src/core/gateway/proxy/outcome.js';

const err = (code?: string, name = 'Error') => Object.assign(new Error('x'), { code, name });

describe('call outcome', () => {
  it('classifies upstream statuses', () => {
    expect([200, 204, 301, 399].map(classifyStatus)).toEqual([null, null, null, null]);
    expect(classifyStatus(429)).toBe('rate_limited');
    expect([400, 401, 404, 499].map(classifyStatus)).toEqual(Array(4).fill('upstream_4xx'));
    expect([500, 502, 503, 599].map(classifyStatus)).toEqual(Array(4).fill('upstream_5xx'));
  });

  it('classifies undici failures into the record class and the client answer', () => {
    for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      expect(classifyFailure(err(code))).toEqual({
        errorClass: 'upstream_timeout',
        status: 504,
        type: 'upstream_timeout',
      });
    }
    expect(classifyFailure(err('UND_ERR_SOCKET'))).toEqual({
      errorClass: 'upstream_reset',
      status: 502,
      type: 'upstream_unreachable',
    });
    for (const e of [err('ECONNREFUSED'), err(undefined), err('toString')]) {
      expect(classifyFailure(e)).toEqual({
        errorClass: 'upstream_unreachable',
        status: 502,
        type: 'upstream_unreachable',
      });
    }
  });

  it('words the client message by what happened', () => {
    const refused = err('ECONNREFUSED');
    expect(failureMessage(classifyFailure(refused), refused, 'openai', 0, 1000)).toBe(
      'openai upstream unreachable (ECONNREFUSED)',
    );
    const timeout = err('UND_ERR_HEADERS_TIMEOUT');
    expect(failureMessage(classifyFailure(timeout), timeout, 'gemini', 0, 1500)).toBe(
      'gemini did not answer within 1500 ms',
    );
    const reset = err('UND_ERR_SOCKET');
    expect(failureMessage(classifyFailure(reset), reset, 'anthropic', 200, 1000)).toBe(
      'anthropic closed the response early',
    );
    expect(
      failureMessage(classifyFailure(err(undefined, 'AbortError')), err(undefined, 'AbortError'), 'openai', 0, 1),
    ).toBe('openai upstream unreachable (AbortError)');
  });

  it('cuts a stream only for an upstream failure', () => {
    expect(['upstream_timeout', 'upstream_reset', 'upstream_unreachable'].map(cutsStream)).toEqual([true, true, true]);
    expect([null, 'client_cancelled', 'rate_limited', 'upstream_5xx'].map(cutsStream)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('estimates usage from request and generated characters, preferring a known input count', () => {
    expect(estimateUsage(0).usage).toEqual({
      inputTokens: 0,
      cachedInputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      toolPromptTokens: 0,
    });
    expect(estimateUsage(9).usage).toMatchObject({ inputTokens: 3, outputTokens: 0 });
    expect(estimateUsage(9, undefined, 10).usage).toMatchObject({ inputTokens: 3, outputTokens: 3 });
    expect(estimateUsage(9, 42, 4).usage).toMatchObject({ inputTokens: 42, outputTokens: 1 });
    expect(estimateUsage(9, 0, 0).usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect(estimateUsage(9).model).toBeUndefined();
  });
});
