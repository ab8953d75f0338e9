import { num, obj } from '../common.js';
import type { ProviderAdapter, RequestInfo } from '../types.js';
import { geminiTracker } from './stream.js';
import { geminiUsageFromBody } from './usage.js';

/** /v1beta/models/{model}:{method}; tuned models and publishers use the same final segment. */
const MODEL_IN_PATH = /\/models\/([^/:?]+):([A-Za-z]+)/;

export const gemini: ProviderAdapter = {
  name: 'gemini',
  baseUrlKey: 'proxy.geminiBaseUrl',
  credentialKey: 'google.apiKey',
  credentialHeaders: ['x-goog-api-key'],
  credentialQueryParam: 'key',
  hasCredential: (headers, query) =>
    Boolean(headers['x-goog-api-key'] || headers.authorization || /(^|&)key=/.test(query)),
  credentialHeader: (key) => ['x-goog-api-key', key],
  requestInfo(path, json): RequestInfo {
    const m = MODEL_IN_PATH.exec(path);
    const cfg = obj(obj(json)?.generationConfig);
    return {
      model: m ? decodeURIComponent(m[1]!) : 'unknown',
      stream: m?.[2] === 'streamGenerateContent',
      maxOutputTokens: num(cfg?.maxOutputTokens) || undefined,
    };
  },
  prepareRequest: () => undefined,
  usageFromBody: geminiUsageFromBody,
  createTracker: geminiTracker,
};
