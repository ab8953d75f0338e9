import { unsupported } from '../types.js';

/** Anthropic offers no embeddings endpoint. */
export function toAnthropicEmbeddings(): never {
  throw unsupported(
    'model',
    'anthropic',
    'Anthropic has no embeddings API',
    'Use an OpenAI (text-embedding-*) or Gemini (gemini/<model>) embedding model.',
  );
}
