import { inlineImageSize, type PixelSize } from './image.js';
import { baseModel } from './tokenizer.js';
import { arr, isObj, posInt, type ProviderEstimator, type Tally } from './types.js';

/**
 * OpenAI (and OpenAI-compatible servers): chat completions, responses, legacy completions,
 * embeddings. Overheads follow OpenAI's cookbook "How to count tokens with tiktoken":
 * 3 tokens per message plus its role and name, 3 to prime the reply; we reserve 4 per
 * message and 1 per name. Tool schemas are counted as their JSON text plus a per-tool and a
 * per-request overhead: the model reads them as shorter TypeScript-like declarations.
 */
const PER_MESSAGE = 4;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
const PER_TOOL = 10;
const TOOLS_HEADER = 20;

type ImageRule = (size: PixelSize | undefined, detail: string | undefined) => number;

/**
 * Image tokens, from OpenAI's "Images and vision — calculating costs" guide.
 * Tile models: detail low = base; otherwise the image is scaled (down only) to fit 2048×2048,
 * then its short side to 768, and each 512 px tile costs `tile` more. At most 8 tiles
 * (short side ≤ 768 → 2 tiles, long side ≤ 2048 → 4), the bound for an unknown size.
 * Patch models: 32 px patches, at most 1536, times a per-model multiplier.
 */
function tiles(base: number, tile: number): ImageRule {
  return (size, detail) => {
    if (detail === 'low') return base;
    if (!size) return base + 8 * tile;
    let { width: w, height: h } = size;
    const fit = Math.min(1, 2048 / Math.max(w, h));
    w *= fit;
    h *= fit;
    const short = Math.min(1, 768 / Math.min(w, h));
    w *= short;
    h *= short;
    return base + tile * Math.ceil(w / 512) * Math.ceil(h / 512);
  };
}

function patches(multiplier: number): ImageRule {
  return (size) => {
    const n = size ? Math.min(1536, Math.ceil(size.width / 32) * Math.ceil(size.height / 32)) : 1536;
    return Math.ceil(n * multiplier);
  };
}

/** Model prefix → image rule; the first match wins, so longer prefixes come first. */
const IMAGE_RULES: ReadonlyArray<readonly [string, ImageRule]> = [
  ['gpt-4.1-mini', patches(1.62)],
  ['gpt-4.1-nano', patches(2.46)],
  ['gpt-5-mini', patches(1.62)],
  ['gpt-5-nano', patches(2.46)],
  ['o4-mini', patches(1.72)],
  ['gpt-4o-mini', tiles(2833, 5667)],
  ['gpt-5', tiles(70, 140)],
  ['o1', tiles(75, 150)],
  ['o3', tiles(75, 150)],
  ['gpt-4o', tiles(85, 170)],
  ['chatgpt-4o', tiles(85, 170)],
  ['gpt-4.1', tiles(85, 170)],
  ['gpt-4.5', tiles(85, 170)],
  ['gpt-4-turbo', tiles(85, 170)],
];

/** Tokens of one image; a model no rule names gets the largest any rule gives. */
export function openaiImageTokens(model: string, size: PixelSize | undefined, detail: string | undefined): number {
  const m = baseModel(model);
  const rule = IMAGE_RULES.find(([prefix]) => m.startsWith(prefix))?.[1];
  if (rule) return rule(size, detail);
  return Math.max(...IMAGE_RULES.map(([, r]) => r(size, detail)));
}

function image(t: Tally, model: string, url: unknown, detail: unknown): void {
  const size = typeof url === 'string' ? inlineImageSize(url) : undefined;
  t.add(openaiImageTokens(model, size, typeof detail === 'string' ? detail : undefined));
}

/** One content part of a chat message or a responses item. */
function part(t: Tally, model: string, p: unknown): void {
  if (typeof p === 'string') return t.text(p);
  if (!isObj(p)) return;
  switch (p.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return t.text(p.text);
    case 'refusal':
      return t.text(p.refusal);
    case 'image_url': {
      const iu = isObj(p.image_url) ? p.image_url : { url: p.image_url };
      return image(t, model, iu.url, iu.detail);
    }
    case 'input_image':
      return image(t, model, p.image_url, p.detail);
    default:
      // input_audio, file, input_file and anything newer: their tokens are not in the request.
      t.unknown(`openai content part ${String(p.type)}`);
  }
}

function content(t: Tally, model: string, c: unknown): void {
  if (typeof c === 'string') t.text(c);
  else for (const p of arr(c)) part(t, model, p);
}

function tools(t: Tally, list: unknown, functionsOnly: boolean): void {
  const all = arr(list);
  if (all.length === 0) return;
  t.add(TOOLS_HEADER);
  for (const tool of all) {
    // Built-in tools (web search, file search, code interpreter, MCP…) bring their own input.
    if (functionsOnly && isObj(tool) && tool.type !== undefined && tool.type !== 'function' && tool.type !== 'custom')
      t.unknown(`openai tool ${String(tool.type)}`);
    t.add(PER_TOOL);
    t.json(tool);
  }
}

function chat(body: Record<string, unknown>, model: string, t: Tally): void {
  for (const m of arr(body.messages)) {
    if (!isObj(m)) continue;
    t.add(PER_MESSAGE);
    t.text(m.role);
    if (typeof m.name === 'string') {
      t.add(PER_NAME);
      t.text(m.name);
    }
    content(t, model, m.content);
    t.text(m.refusal);
    for (const call of arr(m.tool_calls)) t.json(call);
    if (m.function_call !== undefined) t.json(m.function_call);
    if (isObj(m.audio)) t.unknown('openai audio from an earlier turn');
  }
  t.add(REPLY_PRIMING);
  tools(t, body.tools, true);
  tools(t, body.functions, false);
  if (body.response_format !== undefined) t.json(body.response_format);
  if (body.web_search_options !== undefined) t.unknown('openai web search');
}

const RESPONSE_ITEMS: Record<string, (t: Tally, model: string, item: Record<string, unknown>) => void> = {
  message: (t, model, item) => {
    t.add(PER_MESSAGE);
    t.text(item.role);
    content(t, model, item.content);
  },
  function_call: (t, _m, item) => {
    t.add(PER_MESSAGE);
    t.text(item.name);
    t.text(item.arguments);
  },
  function_call_output: (t, _m, item) => {
    t.add(PER_MESSAGE);
    if (typeof item.output === 'string') t.text(item.output);
    else t.json(item.output);
  },
  // Reasoning carried over statelessly: its summary as text, its encrypted content by bytes.
  reasoning: (t, _m, item) => {
    t.add(PER_MESSAGE);
    for (const s of arr(item.summary)) if (isObj(s)) t.text(s.text);
    t.opaque(item.encrypted_content);
  },
  custom_tool_call: (t, _m, item) => {
    t.add(PER_MESSAGE);
    t.text(item.name);
    t.text(item.input);
  },
  custom_tool_call_output: (t, _m, item) => {
    t.add(PER_MESSAGE);
    t.text(item.output);
  },
};

function responses(body: Record<string, unknown>, model: string, t: Tally): void {
  t.text(body.instructions);
  if (typeof body.input === 'string') {
    t.add(PER_MESSAGE);
    t.text(body.input);
  }
  for (const item of arr(body.input)) {
    if (!isObj(item)) continue;
    const kind = typeof item.type === 'string' ? item.type : 'message';
    const walk = RESPONSE_ITEMS[kind];
    // Item references, built-in tool calls and the rest carry tokens the request does not show.
    if (walk) walk(t, model, item);
    else t.unknown(`openai input item ${kind}`);
  }
  t.add(REPLY_PRIMING);
  tools(t, body.tools, true);
  if (isObj(body.text) && body.text.format !== undefined) t.json(body.text.format);
  if (body.previous_response_id !== undefined && body.previous_response_id !== null)
    t.unknown('openai previous_response_id');
  if (body.conversation !== undefined && body.conversation !== null) t.unknown('openai conversation');
  if (body.prompt !== undefined && body.prompt !== null) t.unknown('openai stored prompt');
}

/** prompt / input of completions and embeddings: text, a list of texts, token ids, or lists of token ids. */
function texts(t: Tally, v: unknown): void {
  if (typeof v === 'string') return t.text(v);
  for (const x of arr(v)) {
    if (typeof x === 'string') t.text(x);
    else if (typeof x === 'number') t.add(1);
    else if (Array.isArray(x)) t.add(x.length);
  }
}

/**
 * Endpoint (by its path's end: OpenAI-compatible servers mount
 * the API under other prefixes) → walker; first match wins.
 */
const ENDPOINTS: ReadonlyArray<readonly [RegExp, (body: Record<string, unknown>, model: string, t: Tally) => void]> = [
  [/\/chat\/completions$/, chat],
  [/\/responses$/, responses],
  [
    /\/completions$/,
    (body, _m, t) => {
      texts(t, body.prompt);
      t.text(body.suffix);
    },
  ],
  [/\/embeddings$/, (body, _m, t) => texts(t, body.input)],
];

export const estimator: ProviderEstimator = {
  input(body, endpoint, model, t) {
    const path = endpoint.replace(/\/+$/, '');
    const walk = ENDPOINTS.find(([re]) => re.test(path))?.[1];
    if (walk) walk(body, model, t);
    else t.unknown(`openai endpoint ${endpoint}`);
  },
  choices(body) {
    return Math.max(posInt(body.n) ?? 1, posInt(body.best_of) ?? 1);
  },
  generates(endpoint) {
    return !/\/embeddings\/?$/.test(endpoint);
  },
  free: (endpoint) => /\/responses\/input_tokens\/?$/.test(endpoint),
};
