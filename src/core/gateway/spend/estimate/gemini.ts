import { inlineImageSize } from './image.js';
import { arr, isObj, posInt, type ProviderEstimator, type Tally } from './types.js';

/**
 * Gemini API (generateContent, streamGenerateContent, embedContent, batchEmbedContents).
 * Text is bounded by its UTF-8 bytes plus one token per part (SentencePiece's word-start
 * marker, see tokenizer.ts). Images (Gemini "Understand and count tokens"): 258 tokens when
 * both sides are at most 384 px, else 258 per 768×768 tile. Audio (32 tokens/s) and video
 * (263 tokens/s) have durations the request does not state, like uploaded files and cached
 * content: those leave the input open up to the context window.
 */
const PER_CONTENT = 5;
const PER_PART = 1;
const IMAGE_TILE = 258;

export function geminiImageTokens(width: number, height: number): number {
  if (width <= 384 && height <= 384) return IMAGE_TILE;
  return Math.ceil(width / 768) * Math.ceil(height / 768) * IMAGE_TILE;
}

function part(t: Tally, p: unknown): void {
  if (!isObj(p)) return;
  t.add(PER_PART);
  // Thought signatures bring the model's earlier reasoning back with the part.
  t.opaque(p.thoughtSignature ?? p.thought_signature);
  if (typeof p.text === 'string') return t.text(p.text);
  const inline = isObj(p.inlineData) ? p.inlineData : isObj(p.inline_data) ? p.inline_data : undefined;
  if (inline) {
    const mime = String(inline.mimeType ?? inline.mime_type ?? '');
    const size =
      mime.startsWith('image/') && typeof inline.data === 'string' ? inlineImageSize(inline.data) : undefined;
    if (size) return t.add(geminiImageTokens(size.width, size.height));
    return t.unknown(`gemini inline ${mime || 'data'}`);
  }
  const call = p.functionCall ?? p.function_call;
  if (call !== undefined) return t.json(call);
  const response = p.functionResponse ?? p.function_response;
  if (response !== undefined) return t.json(response);
  const code = p.executableCode ?? p.executable_code ?? p.codeExecutionResult ?? p.code_execution_result;
  if (code !== undefined) return t.json(code);
  t.unknown(`gemini part ${Object.keys(p).join(',')}`);
}

function contents(t: Tally, c: unknown): void {
  for (const content of Array.isArray(c) ? c : [c]) {
    if (!isObj(content)) continue;
    t.add(PER_CONTENT);
    for (const p of arr(content.parts)) part(t, p);
  }
}

export const estimator: ProviderEstimator = {
  input(body, endpoint, _model, t) {
    const method = /:(\w+)$/.exec(endpoint)?.[1];
    if (method === 'generateContent' || method === 'streamGenerateContent') {
      contents(t, body.contents);
      const system = body.systemInstruction ?? body.system_instruction;
      if (system !== undefined) contents(t, system);
      for (const tool of arr(body.tools)) {
        if (!isObj(tool)) continue;
        const decls = tool.functionDeclarations ?? tool.function_declarations;
        // Google Search, code execution, URL context…: server-side tools bring their own input.
        if (decls === undefined || Object.keys(tool).length > 1)
          t.unknown(`gemini tool ${Object.keys(tool).join(',')}`);
        t.json(decls);
      }
      if (body.cachedContent !== undefined || body.cached_content !== undefined) t.unknown('gemini cached content');
      return;
    }
    if (method === 'embedContent') return contents(t, body.content);
    if (method === 'batchEmbedContents') {
      for (const r of arr(body.requests)) if (isObj(r)) contents(t, r.content);
      return;
    }
    t.unknown(`gemini method ${method ?? endpoint}`);
  },
  choices(body) {
    const cfg = isObj(body.generationConfig)
      ? body.generationConfig
      : isObj(body.generation_config)
        ? body.generation_config
        : {};
    return posInt(cfg.candidateCount ?? cfg.candidate_count) ?? 1;
  },
  generates(endpoint) {
    return /:(generateContent|streamGenerateContent)$/.test(endpoint);
  },
  free: (endpoint) => /:countTokens$/.test(endpoint),
};
