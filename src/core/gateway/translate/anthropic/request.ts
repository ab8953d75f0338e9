/**
 * OpenAI chat request → Anthropic Messages (`POST /v1/messages`).
 * System and developer messages, wherever they stand, become the top-level `system`
 * blocks in order (Anthropic has no system turn). Tool results become `tool_result`
 * blocks in a user turn; same-role neighbours are merged into one turn.
 */
import { checkFields } from '../fields.js';
import { mergeAdjacent, onlyText, parseArguments, parseDataUrl } from '../content.js';
import {
  invalid,
  textOf,
  unsupported,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type ToolChoice,
  type UpstreamRequest,
} from '../types.js';

/** Anthropic requires max_tokens; OpenAI does not. Used when the client sends neither limit. */
export const DEFAULT_MAX_TOKENS = 4096;

/** OpenAI tool_choice → Anthropic tool_choice, as data. */
const TOOL_CHOICE: Record<Exclude<ToolChoice, object>, Record<string, unknown>> = {
  none: { type: 'none' },
  auto: { type: 'auto' },
  required: { type: 'any' },
};

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  parts: Block[];
}

export interface RequestOptions {
  defaultMaxTokens?: number;
}

export function toAnthropicRequest(
  req: ChatRequest,
  upstreamModel: string,
  opts: RequestOptions = {},
): UpstreamRequest {
  checkFields(req, 'anthropic');
  if (!Array.isArray(req.messages) || req.messages.length === 0) throw invalid('messages', 'must be a non-empty array');

  const system: Block[] = [];
  const turns: Turn[] = [];
  req.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.name !== undefined) throw unsupported(`${at}.name`, 'anthropic', 'participant names are not supported');
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push({ type: 'text', text: textOf(onlyText(m, at, 'anthropic')) });
        break;
      case 'user':
        turns.push({ role: 'user', parts: userBlocks(m, at) });
        break;
      case 'assistant': {
        // An assistant turn with neither text nor calls says nothing; Anthropic refuses empty content.
        const parts = assistantBlocks(m, at);
        if (parts.length > 0) turns.push({ role: 'assistant', parts });
        break;
      }
      case 'tool':
        if (typeof m.tool_call_id !== 'string') throw invalid(`${at}.tool_call_id`, 'is required on a tool message');
        turns.push({
          role: 'user',
          parts: [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(onlyText(m, at, 'anthropic')) }],
        });
        break;
      default:
        throw invalid(`${at}.role`, `unknown role ${JSON.stringify((m as { role: unknown }).role)}`);
    }
  });

  const body: Record<string, unknown> = {
    model: upstreamModel,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    messages: mergeAdjacent(turns).map((t) => ({ role: t.role, content: t.parts })),
  };
  if (system.length > 0) body.system = system;
  if (req.stop != null) body.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.temperature != null) {
    if (req.temperature > 1)
      throw unsupported('temperature', 'anthropic', 'the range is 0 to 1', 'OpenAI allows up to 2; send at most 1.');
    body.temperature = req.temperature;
  }
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.stream) body.stream = true;
  const user = req.user ?? req.safety_identifier;
  if (typeof user === 'string') body.metadata = { user_id: user };
  applyTools(req, body);
  applyResponseFormat(req, body);
  return { provider: 'anthropic', path: '/v1/messages', body, stream: Boolean(req.stream) };
}

function userBlocks(m: ChatMessage, at: string): Block[] {
  if (typeof m.content === 'string') return [{ type: 'text', text: m.content }];
  if (!Array.isArray(m.content)) throw invalid(`${at}.content`, 'is required on a user message');
  return m.content.map((p, j) => partBlock(p, `${at}.content[${j}]`));
}

function partBlock(p: ContentPart, at: string): Block {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image_url': {
      const url = p.image_url?.url;
      if (typeof url !== 'string') throw invalid(`${at}.image_url.url`, 'is required');
      const data = parseDataUrl(url);
      if (!data) {
        if (!/^https?:\/\//i.test(url))
          throw invalid(`${at}.image_url.url`, 'must be an http(s) URL or a base64 data URL');
        return { type: 'image', source: { type: 'url', url } };
      }
      if (!IMAGE_TYPES.has(data.mediaType)) {
        throw unsupported(
          `${at}.image_url.url`,
          'anthropic',
          `image type ${data.mediaType}; accepted: ${[...IMAGE_TYPES].join(', ')}`,
        );
      }
      return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
    }
    case 'file': {
      const data = typeof p.file?.file_data === 'string' ? parseDataUrl(p.file.file_data) : undefined;
      if (!data)
        throw unsupported(`${at}.file`, 'anthropic', 'only file_data as a base64 data URL is translated (no file_id)');
      if (data.mediaType !== 'application/pdf')
        throw unsupported(`${at}.file.file_data`, 'anthropic', `documents of type ${data.mediaType}`);
      return { type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
    }
    default:
      throw unsupported(`${at}.type`, 'anthropic', `${p.type} input is not supported`);
  }
}

function assistantBlocks(m: ChatMessage, at: string): Block[] {
  const blocks: Block[] = [];
  if (typeof m.content === 'string') {
    if (m.content !== '') blocks.push({ type: 'text', text: m.content });
  } else if (Array.isArray(m.content)) {
    m.content.forEach((p, j) => {
      if (p.type === 'text') blocks.push({ type: 'text', text: p.text });
      else throw unsupported(`${at}.content[${j}].type`, 'anthropic', `${p.type} parts in an assistant message`);
    });
  }
  (m.tool_calls ?? []).forEach((c, j) => {
    if (c.type !== 'function') throw unsupported(`${at}.tool_calls[${j}].type`, 'anthropic', `${c.type} tool calls`);
    blocks.push({
      type: 'tool_use',
      id: c.id,
      name: c.function.name,
      input: parseArguments(c.function.arguments, `${at}.tool_calls[${j}].function.arguments`),
    });
  });
  for (const k of ['audio', 'function_call'] as const) {
    if (m[k] != null) throw unsupported(`${at}.${k}`, 'anthropic', 'not translated');
  }
  return blocks;
}

function applyTools(req: ChatRequest, body: Record<string, unknown>): void {
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t, i) => {
      if (t.type !== 'function') throw unsupported(`tools[${i}].type`, 'anthropic', `${t.type} tools`);
      return {
        name: t.function.name,
        ...(t.function.description !== undefined ? { description: t.function.description } : {}),
        input_schema: t.function.parameters ?? { type: 'object', properties: {} },
        ...(t.function.strict ? { strict: true } : {}),
      };
    });
  }
  let choice: Record<string, unknown> | undefined;
  if (req.tool_choice !== undefined) {
    const c = req.tool_choice;
    if (typeof c === 'string') {
      choice = TOOL_CHOICE[c];
      if (!choice) throw invalid('tool_choice', `unknown value ${JSON.stringify(c)}`);
    } else if (c.type === 'function' && typeof c.function?.name === 'string') {
      choice = { type: 'tool', name: c.function.name };
    } else {
      throw unsupported('tool_choice', 'anthropic', `tool_choice of type ${JSON.stringify(c.type)}`);
    }
  }
  if (req.parallel_tool_calls === false) {
    choice ??= { type: 'auto' };
    // Anthropic rejects the flag on "none", where it means nothing anyway.
    if (choice.type !== 'none') choice = { ...choice, disable_parallel_tool_use: true };
  }
  if (choice) body.tool_choice = choice;
}

/**
 * json_schema → structured outputs (`output_config.format`), which constrains the
 * answer's text the way OpenAI's does. Anthropic has no schema-less JSON mode, so
 * json_object is refused rather than approximated.
 */
function applyResponseFormat(req: ChatRequest, body: Record<string, unknown>): void {
  const f = req.response_format;
  if (!f || f.type === 'text') return;
  if (f.type === 'json_schema') {
    const schema = f.json_schema?.schema;
    if (!schema) throw invalid('response_format.json_schema.schema', 'is required');
    body.output_config = { format: { type: 'json_schema', schema } };
    return;
  }
  throw unsupported(
    'response_format',
    'anthropic',
    `type ${JSON.stringify(f.type)} (no schema-less JSON mode)`,
    'Send response_format {type: "json_schema", json_schema: {name, schema}}.',
  );
}
