/** OpenAI usage is already in OpenAI's shape; pricing uses the passthrough's parser unchanged. */
import { openaiUsage } from '../../proxy/providers/openai/usage.js';
import type { UsageFound } from '../../proxy/providers/types.js';

export function usageFound(u: unknown, model: string | undefined): UsageFound | undefined {
  const usage = openaiUsage(u);
  return usage ? { usage, model } : undefined;
}
