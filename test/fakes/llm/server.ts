import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicCheck,
  anthropicPlan,
  geminiCheck,
  geminiPlan,
  jsonAnswer,
  needsSignature,
  openaiCheck,
  openaiPlan,
  signatureFor,
  type PlannedCall,
} from './tools.js';

/**
 * A fake of the three providers' HTTP APIs on one loopback port, speaking their
 * real wire formats (JSON bodies and SSE streams, usage fields included) at the
 * paths the official SDKs call. Behaviour per request comes from headers the
 * tests send through the gateway:
 *   x-fake-scenario: 429 | 500 | reset | slow | nousage
 *   x-fake-chunks: text chunks in a stream (default 3)
 *   x-fake-chunk-delay-ms: pause between stream chunks (default 0)
 *   x-fake-repeat: how many times the model calls each tool it calls (default 1, at most 3)
 *   x-fake-delay-ms: pause before the response headers (scenario slow)
 *   x-fake-prompt-tokens: prompt tokens OpenAI chat completions report instead of FAKE_USAGE's
 *     (none of them cached), as when images, tool schemas or an injected system prompt count
 *     more than the body's size suggests
 *   x-fake-retry-after: the Retry-After a 429 carries (default 1)
 * Per instance (startFakeLlm options, or fake.scenario later): a path prefix the fake serves under (an
 * OpenAI-compatible provider's base path, e.g. /openai), and a scenario for requests that name none (one
 * deployment rate limited while another answers).
 * With tools offered and no tool result yet, each provider's model calls the tools
 * (tools.ts: which ones, arguments, and the checks on the results sent back), in its
 * own wire format, streamed or not. JSON mode / structured output answers JSON text.
 * Or per model, from a script the test sets (`fake.script(model, ...steps)`): each request for that model
 * (the body's `model`, Gemini's path model) takes the next step, so a sequence such as 429, 500, ok
 * can be played to the gateway's retries and fallbacks; a step may add response headers (Retry-After).
 * Any 4xx/5xx status can be a scenario; error answers carry the provider's own error body.
 * Usage numbers are fixed (FAKE_USAGE) so tests can hand-compute costs.
 */
export const FAKE_USAGE = {
  openai: { prompt: 1000, cached: 200, completion: 300, reasoning: 100 },
  responses: { input: 800, cached: 100, output: 500, reasoning: 200 },
  embeddings: { prompt: 8 },
  anthropic: { input: 1000, cacheRead: 2000, write5m: 300, write1h: 400, output: 500 },
  gemini: { prompt: 1200, cached: 200, candidates: 300, thoughts: 150, toolUse: 50 },
} as const;

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One scripted answer: a scenario (as x-fake-scenario), a delay and extra response headers (null removes one). */
export interface FakeStep {
  scenario: string;
  delayMs?: number;
  headers?: Record<string, string | null>;
  /** An error answer's body instead of the provider's usual one (e.g. one that reports usage). */
  body?: unknown;
}

export interface FakeLlm {
  url: string;
  /** Queues answers for requests naming this model; once they are used up, the model answers normally. */
  script(model: string, ...steps: Array<string | FakeStep>): void;
  requests: SeenRequest[];
  /** Requests whose response the fake wrote to the end (a provider would bill them), in order. */
  answered: SeenRequest[];
  last(): SeenRequest | undefined;
  /** The scenario of requests that send no x-fake-scenario (undefined: ok). */
  scenario: string | undefined;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORDS = ['Hello', ' from', ' the', ' fake', ' model', ' stream', ' chunk', ' text'];

export async function startFakeLlm(options: { pathPrefix?: string; scenario?: string } = {}): Promise<FakeLlm> {
  const requests: SeenRequest[] = [];
  const prefix = options.pathPrefix ?? '';
  const answered: SeenRequest[] = [];
  const scripts = new Map<string, FakeStep[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const seen = { method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers }, body };
      requests.push(seen);
      if (requests.length > 1000) requests.splice(0, requests.length - 1000);
      res.once('finish', () => {
        answered.push(seen);
        if (answered.length > 1000) answered.splice(0, answered.length - 1000);
      });
      if (prefix) {
        if (!req.url?.startsWith(`${prefix}/`)) return sendProviderError(res, 'openai', 404, `no route ${req.url}`);
        req.url = req.url.slice(prefix.length);
      }
      void route(req, res, body, scripts, fake.scenario).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const fake: FakeLlm = {
    url: `http://127.0.0.1:${port}`,
    requests,
    answered,
    script(model, ...steps) {
      const queue = scripts.get(model) ?? [];
      queue.push(...steps.map((s) => (typeof s === 'string' ? { scenario: s } : s)));
      scripts.set(model, queue);
    },
    last: () => requests[requests.length - 1],
    scenario: options.scenario,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return fake;
}

function opts(req: IncomingMessage, scenario = 'ok') {
  const h = (n: string) => (req.headers[n] as string | undefined) ?? undefined;
  return {
    scenario: h('x-fake-scenario') ?? scenario,
    retryAfter: h('x-fake-retry-after') ?? '1',
    chunks: Math.min(Number(h('x-fake-chunks') ?? 3), 10_000),
    chunkDelay: Math.min(Number(h('x-fake-chunk-delay-ms') ?? 0), 5_000),
    delay: Math.min(Number(h('x-fake-delay-ms') ?? 0), 60_000),
    repeat: Math.min(Number(h('x-fake-repeat') ?? 1), 3),
    promptTokens:
      h('x-fake-prompt-tokens') === undefined
        ? undefined
        : Math.min(Math.max(0, Math.floor(Number(h('x-fake-prompt-tokens')))), 10_000_000),
  };
}

type Opts = ReturnType<typeof opts>;

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
  scripts: Map<string, FakeStep[]>,
  scenario?: string,
): Promise<void> {
  const o = opts(req, scenario);
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname;
  const provider =
    path.includes('/models/') && path.includes(':') ? 'gemini' : path === '/v1/messages' ? 'anthropic' : 'openai';
  const step = scripts.get(requestModel(path, raw) ?? '')?.shift();
  const extra: Record<string, string | null> = step?.headers ?? {};
  if (step) {
    o.scenario = step.scenario;
    o.delay = step.delayMs ?? (step.scenario === 'slow' ? 60_000 : 0);
  }
  if (o.scenario === 'slow') await sleep(o.delay);
  if (o.scenario === 'reset' && !isStream(path, raw)) {
    req.socket.destroy();
    return;
  }
  if (/^[45]\d\d$/.test(o.scenario)) {
    const status = Number(o.scenario);
    const headers = status === 429 ? { 'retry-after': o.retryAfter, ...extra } : extra;
    return sendProviderError(res, provider, status, undefined, headers, step?.body);
  }
  let body: any;
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return sendProviderError(res, provider, 400, 'body is not JSON');
  }
  const refused =
    path === '/v1/chat/completions'
      ? openaiCheck(body)
      : path === '/v1/messages'
        ? anthropicCheck(body)
        : path.includes('/models/') && path.includes(':')
          ? geminiCheck(body, decodeURIComponent(path.split('/models/')[1]!.split(':')[0]!))
          : undefined;
  if (refused) return sendProviderError(res, provider, 400, refused);
  if (path === '/v1/chat/completions')
    return body.stream ? chatStream(res, body, o) : json(res, chatCompletion(body, o));
  if (path === '/v1/completions')
    return body.stream ? completionStream(res, body, o) : json(res, legacyCompletion(body));
  if (path === '/v1/responses') return body.stream ? responsesStream(res, body, o) : json(res, responsesObject(body));
  if (path === '/v1/embeddings') return json(res, embeddings(body));
  if (path === '/v1/messages')
    return body.stream
      ? anthropicStream(res, body, o)
      : json(res, anthropicMessage(body, o), { 'request-id': 'req_fake' });
  const g = /^\/v1(?:beta|alpha)?\/models\/([^:]+):(\w+)$/.exec(path);
  if (g) {
    const [, model, method] = g;
    if (method === 'generateContent')
      return json(res, geminiResponse(model!, true, FAKE_USAGE.gemini.candidates, geminiParts(body, model!, o)));
    if (method === 'streamGenerateContent')
      return geminiStream(res, model!, o, url.searchParams.get('alt') === 'sse', body);
    if (method === 'embedContent') return json(res, { embedding: { values: [0.1, 0.2, 0.3] } });
    // The Gemini API reports no usage for embeddings: the gateway estimates from the request.
    if (method === 'batchEmbedContents')
      return json(res, { embeddings: (body.requests ?? []).map(() => ({ values: [0.1, 0.2, 0.3] })) });
  }
  sendProviderError(res, provider, 404, `no route ${path}`);
}

/** The model a request names: Gemini's in its path, the others' in the body. */
function requestModel(path: string, raw: string): string | undefined {
  const g = /\/models\/([^:/]+):/.exec(path);
  if (g) return g[1];
  try {
    const m: unknown = JSON.parse(raw)?.model;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

function isStream(path: string, raw: string): boolean {
  return path.includes('streamGenerateContent') || /"stream"\s*:\s*true/.test(raw);
}

function json(res: ServerResponse, data: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(data);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-fake-upstream': 'yes',
    ...headers,
  });
  res.end(text);
}

function sendProviderError(
  res: ServerResponse,
  provider: string,
  status: number,
  message = status === 429 ? 'Rate limit reached' : 'The server had an error',
  extra: Record<string, string | null> = {},
  override?: unknown,
): void {
  const body =
    provider === 'anthropic'
      ? {
          type: 'error',
          error: {
            type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error',
            message,
          },
        }
      : provider === 'gemini'
        ? {
            error: {
              code: status,
              message,
              status: status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT',
            },
          }
        : {
            error: {
              message,
              type: status === 429 ? 'requests' : status < 500 ? 'invalid_request_error' : 'server_error',
              param: null,
              code: status === 429 ? 'rate_limit_exceeded' : null,
            },
          };
  const text = JSON.stringify(override ?? body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(status === 429 ? { 'retry-after': '1' } : {}),
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) delete headers[k];
    else headers[k] = v;
  }
  res.writeHead(status, headers);
  res.end(text);
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-fake-upstream': 'yes',
  });
}

async function emit(res: ServerResponse, o: Opts, i: number, text: string): Promise<boolean> {
  if (o.scenario === 'reset' && i === 2) {
    // Let what was written reach the client first, as a real mid-stream reset would.
    await sleep(30);
    res.socket?.destroy();
    return false;
  }
  if (res.destroyed) return false;
  res.write(text);
  if (o.chunkDelay > 0) await sleep(o.chunkDelay);
  return !res.destroyed;
}

const isReasoning = (model: string) => /^(o\d|gpt-5)/.test(model);

function openaiUsageObj(model: string, promptTokens?: number) {
  const u = FAKE_USAGE.openai;
  const reasoning = isReasoning(model) ? u.reasoning : 0;
  const prompt = promptTokens ?? u.prompt;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.completion,
    total_tokens: prompt + u.completion,
    prompt_tokens_details: { cached_tokens: promptTokens === undefined ? u.cached : 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function snapshot(model: string): string {
  return model === 'gpt-4o' ? 'gpt-4o-2024-08-06' : model;
}

/** JSON mode (json_object or json_schema): the JSON the answer holds; undefined for plain text. */
function openaiJson(body: any): string | undefined {
  const f = body.response_format;
  if (f?.type === 'json_object') return jsonAnswer(undefined);
  if (f?.type === 'json_schema') return jsonAnswer(f.json_schema?.schema);
  return undefined;
}

const openaiCalls = (plan: PlannedCall[]) =>
  plan.map((c, i) => ({
    id: `call_fake${i + 1}`,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.args) },
  }));

/** A JSON text cut in two, as streamed arguments and JSON answers arrive in pieces. */
const halves = (text: string) => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];

function chatCompletion(body: any, o: Opts) {
  const calls = openaiCalls(openaiPlan(body, o.repeat));
  const message =
    calls.length > 0
      ? { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: calls }
      : {
          role: 'assistant',
          content: openaiJson(body) ?? 'Hello from the fake model.',
          refusal: null,
          annotations: [],
        };
  return {
    id: 'chatcmpl-fake1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: snapshot(body.model),
    choices: [{ index: 0, message, logprobs: null, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: openaiUsageObj(body.model, o.promptTokens),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** The deltas OpenAI streams: role first; then text, JSON pieces, or each call's id and name then its arguments. */
function chatDeltas(body: any, o: Opts): Record<string, unknown>[] {
  const calls = openaiCalls(openaiPlan(body, o.repeat));
  if (calls.length > 0) {
    return calls.flatMap((c, index) => [
      {
        ...(index === 0 ? { role: 'assistant', content: null } : {}),
        tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }],
        ...(index === 0 ? { refusal: null } : {}),
      },
      ...halves(c.function.arguments).map((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] })),
    ]);
  }
  const text = openaiJson(body);
  const pieces =
    text !== undefined ? halves(text) : Array.from({ length: o.chunks }, (_, i) => WORDS[i % WORDS.length]);
  return [{ role: 'assistant', content: '', refusal: null }, ...pieces.map((content) => ({ content }))];
}

async function chatStream(res: ServerResponse, body: any, o: Opts): Promise<void> {
  const withUsage = body.stream_options?.include_usage === true;
  const base = {
    id: 'chatcmpl-fake2',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: snapshot(body.model),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
  const chunk = (choices: unknown[]) =>
    `data: ${JSON.stringify({ ...base, choices, ...(withUsage ? { usage: null } : {}) })}\n\n`;
  sseHead(res);
  const deltas = chatDeltas(body, o);
  for (const [i, delta] of deltas.entries()) {
    if (!(await emit(res, o, i, chunk([{ index: 0, delta, logprobs: null, finish_reason: null }])))) return;
  }
  const finish = openaiPlan(body, o.repeat).length > 0 ? 'tool_calls' : 'stop';
  if (!(await emit(res, o, deltas.length, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]))))
    return;
  if (withUsage && o.scenario !== 'nousage')
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [], usage: openaiUsageObj(body.model, o.promptTokens) })}\n\n`,
    );
  res.end('data: [DONE]\n\n');
}

function legacyCompletion(body: any) {
  const u = FAKE_USAGE.openai;
  return {
    id: 'cmpl-fake',
    object: 'text_completion',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ text: ' fake completion', index: 0, logprobs: null, finish_reason: 'length' }],
    usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion },
  };
}

async function completionStream(res: ServerResponse, body: any, o: Opts): Promise<void> {
  const withUsage = body.stream_options?.include_usage === true;
  const base = { id: 'cmpl-fake2', object: 'text_completion', created: 1_700_000_000, model: body.model };
  sseHead(res);
  for (let i = 0; i < o.chunks; i++) {
    const c = {
      ...base,
      choices: [
        {
          text: WORDS[i % WORDS.length],
          index: 0,
          logprobs: null,
          finish_reason: i === o.chunks - 1 ? 'length' : null,
        },
      ],
      ...(withUsage ? { usage: null } : {}),
    };
    if (!(await emit(res, o, i, `data: ${JSON.stringify(c)}\n\n`))) return;
  }
  const u = FAKE_USAGE.openai;
  if (withUsage)
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion } })}\n\n`,
    );
  res.end('data: [DONE]\n\n');
}

function responsesUsage() {
  const u = FAKE_USAGE.responses;
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

function responsesObject(body: any, status = 'completed') {
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model: body.model,
    output: [
      {
        type: 'message',
        id: 'msg_fake',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hello from the fake model.', annotations: [] }],
      },
    ],
    usage: status === 'completed' ? responsesUsage() : null,
  };
}

async function responsesStream(res: ServerResponse, body: any, o: Opts): Promise<void> {
  sseHead(res);
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  if (!(await emit(res, o, 0, ev('response.created', { response: responsesObject(body, 'in_progress') })))) return;
  for (let i = 0; i < o.chunks; i++) {
    if (
      !(await emit(
        res,
        o,
        i + 1,
        ev('response.output_text.delta', {
          item_id: 'msg_fake',
          output_index: 0,
          content_index: 0,
          delta: WORDS[i % WORDS.length],
        }),
      ))
    )
      return;
  }
  if (o.scenario !== 'nousage') res.write(ev('response.completed', { response: responsesObject(body) }));
  res.end();
}

/**
 * With `dimensions` (text-embedding-3 models take it), a vector of that size that depends on the
 * input: each lower-cased word adds 1 to a bucket chosen by its hash, so texts with the same words
 * are identical (cosine 1) and texts sharing none are orthogonal (cosine 0). Without it, a fixed vector.
 */
function bagOfWords(input: unknown, dimensions: number): number[] {
  const v = new Array<number>(Math.min(Math.max(1, dimensions), 3072)).fill(0);
  for (const w of String(input)
    .toLowerCase()
    .match(/[a-z0-9]+/g) ?? []) {
    let h = 0;
    for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % v.length]! += 1;
  }
  return v;
}

function embeddings(body: any) {
  const vec = typeof body.dimensions === 'number' ? bagOfWords(body.input, body.dimensions) : [0.25, -0.5, 0.125];
  const embedding =
    body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
  return {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding }],
    model: body.model,
    usage: { prompt_tokens: FAKE_USAGE.embeddings.prompt, total_tokens: FAKE_USAGE.embeddings.prompt },
  };
}

function anthropicUsageObj(outputTokens: number) {
  const u = FAKE_USAGE.anthropic;
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.write5m + u.write1h,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.write5m, ephemeral_1h_input_tokens: u.write1h },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

/** Structured output (output_config.format json_schema): the JSON the answer holds. */
function anthropicJson(body: any): string | undefined {
  const f = body.output_config?.format;
  return f?.type === 'json_schema' ? jsonAnswer(f.schema) : undefined;
}

const toolUses = (plan: PlannedCall[]) =>
  plan.map((c, i) => ({ type: 'tool_use', id: `toolu_fake${i + 1}`, name: c.name, input: c.args }));

function anthropicMessage(body: any, o: Opts) {
  const uses = toolUses(anthropicPlan(body, o.repeat));
  const text = uses.length > 0 ? 'Let me look.' : (anthropicJson(body) ?? 'Hello from the fake model.');
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text }, ...uses],
    stop_reason: uses.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: anthropicUsageObj(FAKE_USAGE.anthropic.output),
  };
}

async function anthropicStream(res: ServerResponse, body: any, o: Opts): Promise<void> {
  sseHead(res);
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const start = {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: anthropicUsageObj(1),
  };
  const uses = toolUses(anthropicPlan(body, o.repeat));
  const json = anthropicJson(body);
  const texts =
    uses.length > 0
      ? ['Let me', ' look.']
      : json !== undefined
        ? halves(json)
        : Array.from({ length: o.chunks }, (_, i) => WORDS[i % WORDS.length]!);
  if (!(await emit(res, o, 0, ev('message_start', { message: start })))) return;
  res.write(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
  res.write(ev('ping', {}));
  for (const [i, text] of texts.entries()) {
    if (!(await emit(res, o, i + 1, ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }))))
      return;
  }
  res.write(ev('content_block_stop', { index: 0 }));
  // Each call is its own block: the id and name first with an empty input, then the input as partial JSON
  // (the first input_json_delta is empty, as the API sends it; a call without arguments gets only that one).
  for (const [k, use] of uses.entries()) {
    const index = k + 1;
    res.write(ev('content_block_start', { index, content_block: { ...use, input: {} } }));
    const input = JSON.stringify(use.input);
    for (const partial_json of input === '{}' ? [''] : ['', ...halves(input)]) {
      const delta = { type: 'input_json_delta', partial_json };
      if (!(await emit(res, o, texts.length + index, ev('content_block_delta', { index, delta })))) return;
    }
    res.write(ev('content_block_stop', { index }));
  }
  if (o.scenario !== 'nousage') {
    // Cumulative counts: a client that summed the deltas would overcount.
    res.write(
      ev('message_delta', {
        delta: { stop_reason: null, stop_sequence: null },
        usage: { output_tokens: Math.floor(FAKE_USAGE.anthropic.output / 2) },
      }),
    );
    res.write(
      ev('message_delta', {
        delta: { stop_reason: uses.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: FAKE_USAGE.anthropic.output },
      }),
    );
  }
  res.end(ev('message_stop', {}));
}

type GeminiPart = Record<string, unknown>;

/** A JSON-mode answer (responseMimeType application/json), from responseJsonSchema when one was given. */
function geminiJson(body: any): string | undefined {
  const cfg = body.generationConfig ?? {};
  return cfg.responseMimeType === 'application/json'
    ? jsonAnswer(cfg.responseJsonSchema ?? cfg.responseSchema)
    : undefined;
}

/**
 * The function calls Gemini makes, whole, without ids; a Gemini 3 model signs the first
 * call of the turn (thoughtSignature beside functionCall), as the API does.
 */
function geminiCalls(body: any, model: string, o: Opts): GeminiPart[] {
  return geminiPlan(body, o.repeat).map((c, i) => ({
    functionCall: { name: c.name, args: c.args },
    ...(i === 0 && needsSignature(model) ? { thoughtSignature: signatureFor(c.name) } : {}),
  }));
}

/** What a non-stream answer's candidate holds: the calls, a JSON text, or the default text. */
function geminiParts(body: any, model: string, o: Opts): GeminiPart[] {
  const calls = geminiCalls(body, model, o);
  if (calls.length > 0) return calls;
  return [{ text: geminiJson(body) ?? 'Hello from the fake model.' }];
}

function geminiResponse(
  model: string,
  final: boolean,
  candidates: number,
  parts: GeminiPart[] | string = 'Hello from the fake model.',
) {
  const u = FAKE_USAGE.gemini;
  return {
    candidates: [
      {
        content: { parts: typeof parts === 'string' ? [{ text: parts }] : parts, role: 'model' },
        ...(final ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: u.prompt,
      candidatesTokenCount: candidates,
      totalTokenCount: u.prompt + candidates + u.thoughts + u.toolUse,
      cachedContentTokenCount: u.cached,
      thoughtsTokenCount: u.thoughts,
      toolUsePromptTokenCount: u.toolUse,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.prompt }],
    },
    modelVersion: model,
    responseId: 'resp_fake_gemini',
  };
}

/**
 * The pieces a stream's candidates hold: text words, JSON in two halves, or the calls
 * all in one piece followed by an empty text part that carries the finish (as Gemini
 * ends a function-calling stream).
 */
function geminiPieces(body: any, model: string, o: Opts): GeminiPart[][] {
  const calls = geminiCalls(body, model, o);
  if (calls.length > 0) return [calls, [{ text: '' }]];
  const json = geminiJson(body);
  if (json !== undefined) return halves(json).map((text) => [{ text }]);
  return Array.from({ length: Math.max(1, o.chunks) }, (_, i) => [{ text: WORDS[i % WORDS.length] }]);
}

async function geminiStream(res: ServerResponse, model: string, o: Opts, sse: boolean, body: any): Promise<void> {
  const pieces = geminiPieces(body, model, o);
  const n = pieces.length;
  const at = (i: number) =>
    geminiResponse(model, i === n - 1, Math.round((FAKE_USAGE.gemini.candidates * (i + 1)) / n), pieces[i]);
  if (!sse) {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(`[${pieces.map((_, i) => JSON.stringify(at(i))).join(',\n')}]`);
    return;
  }
  sseHead(res);
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    if (last && o.scenario === 'nousage') break;
    if (!(await emit(res, o, i, `data: ${JSON.stringify(at(i))}\r\n\r\n`))) return;
  }
  res.end();
}
