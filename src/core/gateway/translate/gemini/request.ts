/**
 * OpenAI chat request → Gemini `generateContent` / `streamGenerateContent?alt=sse`.
 * System and developer messages become `systemInstruction`; assistant turns are
 * `model`; tool results are `functionResponse` parts in a user turn, named after the
 * call they answer (Gemini pairs by name and order, so the OpenAI id is looked up
 * here, not sent). Same-role neighbours are merged, which keeps a parallel call's
 * responses in one turn as Gemini expects, and those responses are put in the order
 * of the calls: OpenAI clients link results by id and may send them in any order,
 * while Gemini reads the n-th response as the n-th call's (two calls of one function
 * would otherwise swap results).
 */
import { checkFields } from '../fields.js';
import { mediaTypeOfUrl, mergeAdjacent, onlyText, parseArguments, parseDataUrl } from '../content.js';
import {
  invalid,
  textOf,
  unsupported,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type UpstreamRequest,
} from '../types.js';
import { splitToolCallId } from './ids.js';

type Part = Record<string, unknown>;
interface Turn {
  role: 'user' | 'model';
  parts: Part[];
}

/** OpenAI tool_choice strings → Gemini functionCallingConfig.mode. */
const TOOL_MODE: Record<string, string> = { none: 'NONE', auto: 'AUTO', required: 'ANY' };

export function geminiModelPath(model: string, method: string): string {
  const name = model.startsWith('models/') ? model.slice(7) : model;
  return `/v1beta/models/${encodeURIComponent(name)}:${method}`;
}

export function toGeminiRequest(req: ChatRequest, upstreamModel: string): UpstreamRequest {
  checkFields(req, 'gemini');
  if (!Array.isArray(req.messages) || req.messages.length === 0) throw invalid('messages', 'must be a non-empty array');

  const callNames = new Map<string, string>();
  /** Each call's position among all calls of the conversation, and each functionResponse part's call. */
  const callOrder = new Map<string, number>();
  const answers = new Map<Part, number>();
  const system: Part[] = [];
  const turns: Turn[] = [];
  req.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.name !== undefined) throw unsupported(`${at}.name`, 'gemini', 'participant names are not supported');
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push({ text: textOf(onlyText(m, at, 'gemini')) });
        break;
      case 'user':
        turns.push({ role: 'user', parts: userParts(m, at) });
        break;
      case 'assistant': {
        // An assistant turn with neither text nor calls says nothing; Gemini refuses a turn without parts.
        const parts = modelParts(m, at, callNames, callOrder);
        if (parts.length > 0) turns.push({ role: 'model', parts });
        break;
      }
      case 'tool': {
        const id = m.tool_call_id;
        if (typeof id !== 'string') throw invalid(`${at}.tool_call_id`, 'is required on a tool message');
        const name = callNames.get(id);
        if (!name)
          throw invalid(
            `${at}.tool_call_id`,
            `no earlier assistant tool call has id ${JSON.stringify(id)} (Gemini needs the function's name)`,
          );
        const response: Part = {
          functionResponse: { name, response: toolResponse(textOf(onlyText(m, at, 'gemini'))) },
        };
        answers.set(response, callOrder.get(id)!);
        turns.push({ role: 'user', parts: [response] });
        break;
      }
      default:
        throw invalid(`${at}.role`, `unknown role ${JSON.stringify((m as { role: unknown }).role)}`);
    }
  });

  const contents = mergeAdjacent(turns);
  for (const t of contents) if (t.role === 'user') inCallOrder(t.parts, answers);
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const cfg: Record<string, unknown> = {};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) cfg.maxOutputTokens = max;
  if (req.stop != null) cfg.stopSequences = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.temperature != null) cfg.temperature = req.temperature;
  if (req.top_p != null) cfg.topP = req.top_p;
  if (req.n != null && req.n !== 1) cfg.candidateCount = req.n;
  if (req.presence_penalty != null) cfg.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) cfg.frequencyPenalty = req.frequency_penalty;
  if (req.seed != null) cfg.seed = req.seed;
  applyResponseFormat(req, cfg);
  if (Object.keys(cfg).length > 0) body.generationConfig = cfg;
  applyTools(req, body);
  const stream = Boolean(req.stream);
  const path = stream
    ? `${geminiModelPath(upstreamModel, 'streamGenerateContent')}?alt=sse`
    : geminiModelPath(upstreamModel, 'generateContent');
  return { provider: 'gemini', path, body, stream };
}

/** The functionResponse parts of a turn sorted by their call's position, in the slots they held. */
function inCallOrder(parts: Part[], answers: Map<Part, number>): void {
  const slots = parts.flatMap((p, i) => (answers.has(p) ? [i] : []));
  const sorted = slots.map((i) => parts[i]!).sort((a, b) => answers.get(a)! - answers.get(b)!);
  slots.forEach((slot, k) => (parts[slot] = sorted[k]!));
}

/** functionResponse.response must be an object: a JSON object result is sent as is, anything else as {content}. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { content: text };
}

function userParts(m: ChatMessage, at: string): Part[] {
  if (typeof m.content === 'string') return [{ text: m.content }];
  if (!Array.isArray(m.content)) throw invalid(`${at}.content`, 'is required on a user message');
  return m.content.map((p, j) => part(p, `${at}.content[${j}]`));
}

const AUDIO_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mp3' };

function part(p: ContentPart, at: string): Part {
  switch (p.type) {
    case 'text':
      return { text: p.text };
    case 'image_url': {
      const url = p.image_url?.url;
      if (typeof url !== 'string') throw invalid(`${at}.image_url.url`, 'is required');
      const data = parseDataUrl(url);
      if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
      // Gemini reads File API URIs, gs:// and public URLs; the type is sent when the name tells it.
      const mimeType = mediaTypeOfUrl(url);
      return { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } };
    }
    case 'input_audio': {
      const mimeType = AUDIO_TYPES[p.input_audio?.format];
      if (!mimeType)
        throw unsupported(
          `${at}.input_audio.format`,
          'gemini',
          `audio format ${JSON.stringify(p.input_audio?.format)}`,
        );
      return { inlineData: { mimeType, data: p.input_audio.data } };
    }
    case 'file': {
      const data = typeof p.file?.file_data === 'string' ? parseDataUrl(p.file.file_data) : undefined;
      if (!data)
        throw unsupported(`${at}.file`, 'gemini', 'only file_data as a base64 data URL is translated (no file_id)');
      return { inlineData: { mimeType: data.mediaType, data: data.data } };
    }
    default:
      throw unsupported(`${at}.type`, 'gemini', `${p.type} input is not supported`);
  }
}

function modelParts(
  m: ChatMessage,
  at: string,
  callNames: Map<string, string>,
  callOrder: Map<string, number>,
): Part[] {
  const parts: Part[] = [];
  if (typeof m.content === 'string') {
    if (m.content !== '') parts.push({ text: m.content });
  } else if (Array.isArray(m.content)) {
    m.content.forEach((p, j) => {
      if (p.type === 'text') parts.push({ text: p.text });
      else throw unsupported(`${at}.content[${j}].type`, 'gemini', `${p.type} parts in an assistant message`);
    });
  }
  (m.tool_calls ?? []).forEach((c, j) => {
    if (c.type !== 'function') throw unsupported(`${at}.tool_calls[${j}].type`, 'gemini', `${c.type} tool calls`);
    callNames.set(c.id, c.function.name);
    callOrder.set(c.id, callOrder.size);
    const { thoughtSignature } = splitToolCallId(c.id);
    parts.push({
      functionCall: {
        name: c.function.name,
        args: parseArguments(c.function.arguments, `${at}.tool_calls[${j}].function.arguments`),
      },
      ...(thoughtSignature ? { thoughtSignature } : {}),
    });
  });
  for (const k of ['audio', 'function_call'] as const) {
    if (m[k] != null) throw unsupported(`${at}.${k}`, 'gemini', 'not translated');
  }
  return parts;
}

function applyTools(req: ChatRequest, body: Record<string, unknown>): void {
  let strict = false;
  if (req.tools && req.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t, i) => {
          if (t.type !== 'function') throw unsupported(`tools[${i}].type`, 'gemini', `${t.type} tools`);
          if (t.function.strict) strict = true;
          return {
            name: t.function.name,
            ...(t.function.description !== undefined ? { description: t.function.description } : {}),
            // parametersJsonSchema takes JSON Schema as OpenAI clients write it (parameters takes an OpenAPI subset).
            ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
          };
        }),
      },
    ];
  }
  const c = req.tool_choice;
  let config: Record<string, unknown> | undefined;
  if (typeof c === 'string') {
    const mode = TOOL_MODE[c];
    if (!mode) throw invalid('tool_choice', `unknown value ${JSON.stringify(c)}`);
    config = { mode };
  } else if (c !== undefined) {
    if (c.type !== 'function' || typeof c.function?.name !== 'string')
      throw unsupported('tool_choice', 'gemini', `tool_choice of type ${JSON.stringify(c.type)}`);
    config = { mode: 'ANY', allowedFunctionNames: [c.function.name] };
  }
  // strict: calls validated against the schema. ANY already constrains calls; under AUTO that is VALIDATED.
  if (strict && (config === undefined || config.mode === 'AUTO')) config = { mode: 'VALIDATED' };
  if (config) body.toolConfig = { functionCallingConfig: config };
}

function applyResponseFormat(req: ChatRequest, cfg: Record<string, unknown>): void {
  const f = req.response_format;
  if (!f || f.type === 'text') return;
  if (f.type === 'json_object') {
    cfg.responseMimeType = 'application/json';
    return;
  }
  if (f.type === 'json_schema') {
    const schema = f.json_schema?.schema;
    if (!schema) throw invalid('response_format.json_schema.schema', 'is required');
    cfg.responseMimeType = 'application/json';
    cfg.responseJsonSchema = schema;
    return;
  }
  throw invalid('response_format.type', `unknown value ${JSON.stringify((f as { type: unknown }).type)}`);
}
