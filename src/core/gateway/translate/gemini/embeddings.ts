/**
 * OpenAI embeddings ↔ Gemini `batchEmbedContents` (one request per input string, so
 * one call serves both a single string and a list). Token-id inputs have no Gemini
 * form and are refused. Gemini reports no usage for embeddings: none is invented
 * (the gateway estimates such calls, as for the passthrough).
 */
import { obj } from '../../proxy/providers/common.js';
import { base64Floats } from '../embeddings.js';
import {
  invalid,
  unsupported,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type Translated,
  type UpstreamRequest,
} from '../types.js';
import { geminiModelPath } from './request.js';
import { toOpenAIUsage, usageFound } from './usage.js';

const FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

export function toGeminiEmbeddings(req: EmbeddingsRequest, upstreamModel: string): UpstreamRequest {
  for (const k of Object.keys(req))
    if (!FIELDS.has(k) && req[k] !== undefined) throw unsupported(k, 'gemini', 'the field is not translated');
  const inputs = typeof req.input === 'string' ? [req.input] : req.input;
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw invalid('input', 'must be a string or a non-empty array of strings');
  if (!inputs.every((x): x is string => typeof x === 'string'))
    throw unsupported('input', 'gemini', 'token-id input (only strings)');
  const name = upstreamModel.startsWith('models/') ? upstreamModel : `models/${upstreamModel}`;
  const body = {
    requests: inputs.map((text) => ({
      model: name,
      content: { parts: [{ text }] },
      ...(req.dimensions != null ? { outputDimensionality: req.dimensions } : {}),
    })),
  };
  return { provider: 'gemini', path: geminiModelPath(upstreamModel, 'batchEmbedContents'), body, stream: false };
}

export function fromGeminiEmbeddings(json: unknown, req: EmbeddingsRequest): Translated<EmbeddingsResponse> {
  const res = obj(json) ?? {};
  const list: unknown[] = Array.isArray(res.embeddings) ? res.embeddings : obj(res.embedding) ? [res.embedding] : [];
  const base64 = req.encoding_format === 'base64';
  const usage = toOpenAIUsage(res.usageMetadata);
  return {
    body: {
      object: 'list',
      data: list.map((e, index) => {
        const raw = obj(e)?.values;
        const values: number[] = Array.isArray(raw) ? raw : [];
        return { object: 'embedding', index, embedding: base64 ? base64Floats(values) : values };
      }),
      model: req.model,
      ...(usage ? { usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } } : {}),
    },
    usage: usageFound(res.usageMetadata, undefined),
  };
}
