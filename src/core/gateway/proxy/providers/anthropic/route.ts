import { num, obj } from '../common.js';
import type { ProviderAdapter, RequestInfo } from '../types.js';
import { anthropicTracker } from './stream.js';
import { anthropicUsageFromBody } from './usage.js';

export const anthropic: ProviderAdapter = {
  name: 'anthropic',
  baseUrlKey: 'proxy.anthropicBaseUrl',
  credentialKey: 'anthropic.apiKey',
  credentialHeaders: ['x-api-key', 'authorization'],
  hasCredential: (headers) => Boolean(headers['x-api-key'] || headers.authorization),
  credentialHeader: (key) => ['x-api-key', key],
  requestInfo(_path, json): RequestInfo {
    const b = obj(json);
    const userId = obj(b?.metadata)?.user_id;
    return {
      model: typeof b?.model === 'string' && b.model ? b.model : 'unknown',
      stream: b?.stream === true,
      user: typeof userId === 'string' && userId ? userId : undefined,
      maxOutputTokens: num(b?.max_tokens) || undefined,
    };
  },
  prepareRequest: () => undefined,
  usageFromBody: anthropicUsageFromBody,
  createTracker: anthropicTracker,
};
