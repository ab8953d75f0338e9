import { bearer, num, obj } from '../common.js';
import type { ProviderAdapter, RequestInfo } from '../types.js';
import { openaiTracker } from './stream.js';
import { openaiUsageFromBody } from './usage.js';

/** Endpoints whose streams report usage only when stream_options.include_usage is set. */
const INCLUDE_USAGE_PATHS = /\/(chat\/)?completions$/;

export const openai: ProviderAdapter = {
  name: 'openai',
  baseUrlKey: 'proxy.openaiBaseUrl',
  credentialKey: 'openai.apiKey',
  credentialHeaders: ['authorization'],
  hasCredential: (headers) => Boolean(bearer(headers.authorization)),
  credentialHeader: (key) => ['authorization', `Bearer ${key}`],
  requestInfo(_path, json): RequestInfo {
    const b = obj(json);
    return {
      model: typeof b?.model === 'string' && b.model ? b.model : 'unknown',
      stream: b?.stream === true,
      user: typeof b?.user === 'string' && b.user ? b.user : undefined,
      maxOutputTokens: num(b?.max_completion_tokens) || num(b?.max_output_tokens) || num(b?.max_tokens) || undefined,
    };
  },
  prepareRequest(path, json, info) {
    if (!info.stream || !INCLUDE_USAGE_PATHS.test(path)) return undefined;
    const b = obj(json)!;
    if (obj(b.stream_options)?.include_usage === true) return undefined;
    const changed = { ...b, stream_options: { ...obj(b.stream_options), include_usage: true } };
    return { body: Buffer.from(JSON.stringify(changed)), rewriteStream: true };
  },
  usageFromBody: openaiUsageFromBody,
  createTracker: openaiTracker,
};
