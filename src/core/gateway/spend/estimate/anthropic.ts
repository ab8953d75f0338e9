import { inlineImageSize } from './image.js';
import { arr, isObj, type ProviderEstimator, type Tally } from './types.js';

/**
 * Anthropic Messages API. Anthropic publishes no tokenizer: text is bounded by its UTF-8
 * bytes (see tokenizer.ts), which leaves ample room for the message framing, bounded here
 * by a few tokens per message anyway.
 *
 * Images (Anthropic "Vision" guide): tokens = width × height / 750; larger images are scaled
 * down first, so the formula on the original size is an upper bound. The scaled maximum is
 * about 1,600 tokens (long edge 1568 px) and about 4,784 on models that read 2576 px: an image
 * whose size the request does not show (URL, file id) is reserved at that larger maximum.
 *
 * Tools (Anthropic "Tool use" guide, pricing): a tool-use system prompt of at most 530 tokens
 * (Claude 3 Opus; 346 on Claude 4) plus each tool's definition.
 */
const PER_MESSAGE = 8;
const PER_REQUEST = 10;
const IMAGE_MAX = 4784;
const TOOL_SYSTEM_PROMPT = 530;
const PER_TOOL = 10;

export function anthropicImageTokens(width: number, height: number): number {
  return Math.min(IMAGE_MAX, Math.ceil((width * height) / 750));
}

function image(t: Tally, source: unknown): void {
  const size =
    isObj(source) && source.type === 'base64' && typeof source.data === 'string'
      ? inlineImageSize(source.data)
      : undefined;
  t.add(size ? anthropicImageTokens(size.width, size.height) : IMAGE_MAX);
}

const BLOCKS: Record<string, (t: Tally, b: Record<string, unknown>) => void> = {
  text: (t, b) => t.text(b.text),
  image: (t, b) => image(t, b.source),
  tool_use: (t, b) => {
    t.text(b.name);
    t.json(b.input);
  },
  tool_result: (t, b) => blocks(t, b.content),
  thinking: (t, b) => {
    t.text(b.thinking);
    t.opaque(b.signature);
  },
  redacted_thinking: (t, b) => t.opaque(b.data),
  search_result: (t, b) => {
    t.text(b.title);
    t.text(b.source);
    blocks(t, b.content);
  },
};

function blocks(t: Tally, c: unknown): void {
  if (typeof c === 'string') return t.text(c);
  for (const b of arr(c)) {
    if (!isObj(b)) continue;
    const walk = typeof b.type === 'string' ? BLOCKS[b.type] : undefined;
    // Documents (PDF pages are images and text), redacted thinking,
    // server tool results…: sizes the request does not show.
    if (walk) walk(t, b);
    else t.unknown(`anthropic content block ${String(b.type)}`);
  }
}

export const estimator: ProviderEstimator = {
  input(body, endpoint, _model, t) {
    if (!/\/messages$/.test(endpoint.replace(/\/+$/, ''))) return t.unknown(`anthropic endpoint ${endpoint}`);
    t.add(PER_REQUEST);
    blocks(t, body.system);
    for (const m of arr(body.messages)) {
      if (!isObj(m)) continue;
      t.add(PER_MESSAGE);
      blocks(t, m.content);
    }
    const tools = arr(body.tools);
    if (tools.length > 0) t.add(TOOL_SYSTEM_PROMPT);
    for (const tool of tools) {
      // Anthropic-defined tools (web search, code execution, bash, computer use…) add prompts and results of their own.
      if (isObj(tool) && tool.type !== undefined && tool.type !== 'custom')
        t.unknown(`anthropic tool ${String(tool.type)}`);
      t.add(PER_TOOL);
      t.json(tool);
    }
    if (arr(body.mcp_servers).length > 0) t.unknown('anthropic MCP servers');
    if (body.container !== undefined && body.container !== null) t.unknown('anthropic container');
  },
  choices: () => 1,
  generates: () => true,
  free: (endpoint) => /\/messages\/count_tokens\/?$/.test(endpoint),
};
