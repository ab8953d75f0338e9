import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the three providers' HTTP APIs on one loopback port, speaking their
 * real wire formats (JSON bodies and SSE streams, usage fields included) at the
 * paths the official SDKs call. Behaviour per request comes from headers the
 * tests send through the gateway:
 *   x-fake-scenario: 429 | 500 | reset | slow | nousage
 *   x-fake-chunks: text chunks in a stream (default 3)
 *   x-fake-chunk-delay-ms: pause between stream chunks (default 0)
 *   x-fake-delay-ms: pause before the response headers (scenario slow)
 *   x-fake-prompt-tokens: prompt tokens OpenAI chat completions report instead of FAKE_USAGE's
 *     (none of them cached), as when images, tool schemas or an injected system prompt count
 *     more than the body's size suggests
 * Anthropic messages with tools and no tool_result yet answer with a tool_use block.
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

export interface FakeLlm {
  url: string;
  requests: SeenRequest[];
  /** Requests whose response the fake wrote to the end (a provider would bill them), in order. */
  answered: SeenRequest[];
  last(): SeenRequest | undefined;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORDS = ['Hello', ' from', ' the', ' fake', ' model', ' stream', ' chunk', ' text'];

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: SeenRequest[] = [];
  const answered: SeenRequest[] = [];
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
      void route(req, res, body).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answered,
    last: () => requests[requests.length - 1],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function opts(req: IncomingMessage) {
  const h = (n: string) => (req.headers[n] as string | undefined) ?? undefined;
  return {
    scenario: h('x-fake-scenario') ?? 'ok',
    chunks: Math.min(Number(h('x-fake-chunks') ?? 3), 10_000),
    chunkDelay: Math.min(Number(h('x-fake-chunk-delay-ms') ?? 0), 5_000),
    delay: Math.min(Number(h('x-fake-delay-ms') ?? 0), 60_000),
    promptTokens:
      h('x-fake-prompt-tokens') === undefined
        ? undefined
        : Math.min(Math.max(0, Math.floor(Number(h('x-fake-prompt-tokens')))), 10_000_000),
  };
}

type Opts = ReturnType<typeof opts>;

async function route(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const o = opts(req);
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname;
  const provider =
    path.includes('/models/') && path.includes(':') ? 'gemini' : path === '/v1/messages' ? 'anthropic' : 'openai';
  if (o.scenario === 'slow') await sleep(o.delay);
  if (o.scenario === 'reset' && !isStream(path, raw)) {
    req.socket.destroy();
    return;
  }
  if (o.scenario === '429' || o.scenario === '500') return sendProviderError(res, provider, Number(o.scenario));
  let body: any;
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return sendProviderError(res, provider, 400, 'body is not JSON');
  }
  if (path === '/v1/chat/completions')
    return body.stream ? chatStream(res, body, o) : json(res, chatCompletion(body, o));
  if (path === '/v1/completions')
    return body.stream ? completionStream(res, body, o) : json(res, legacyCompletion(body));
  if (path === '/v1/responses') return body.stream ? responsesStream(res, body, o) : json(res, responsesObject(body));
  if (path === '/v1/embeddings') return json(res, embeddings(body));
  if (path === '/v1/messages')
    return body.stream
      ? anthropicStream(res, body, o)
      : json(res, anthropicMessage(body), { 'request-id': 'req_fake' });
  const g = /^\/v1(?:beta|alpha)?\/models\/([^:]+):(\w+)$/.exec(path);
  if (g) {
    const [, model, method] = g;
    if (method === 'generateContent') return json(res, geminiResponse(model!, true, FAKE_USAGE.gemini.candidates));
    if (method === 'streamGenerateContent') return geminiStream(res, model!, o, url.searchParams.get('alt') === 'sse');
    if (method === 'embedContent') return json(res, { embedding: { values: [0.1, 0.2, 0.3] } });
    // The Gemini API reports no usage for embeddings: the gateway estimates from the request.
    if (method === 'batchEmbedContents')
      return json(res, { embeddings: (body.requests ?? []).map(() => ({ values: [0.1, 0.2, 0.3] })) });
  }
  sendProviderError(res, provider, 404, `no route ${path}`);
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
              type: status === 429 ? 'requests' : 'server_error',
              param: null,
              code: status === 429 ? 'rate_limit_exceeded' : null,
            },
          };
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(status === 429 ? { 'retry-after': '1' } : {}),
  });
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

function chatCompletion(body: any, o: Opts) {
  return {
    id: 'chatcmpl-fake1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: snapshot(body.model),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the fake model.', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: openaiUsageObj(body.model, o.promptTokens),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
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
  if (
    !(await emit(
      res,
      o,
      0,
      chunk([
        { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      ]),
    ))
  )
    return;
  for (let i = 0; i < o.chunks; i++) {
    if (
      !(await emit(
        res,
        o,
        i + 1,
        chunk([{ index: 0, delta: { content: WORDS[i % WORDS.length] }, logprobs: null, finish_reason: null }]),
      ))
    )
      return;
  }
  if (!(await emit(res, o, o.chunks + 1, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]))))
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

/** With tools and no tool result yet, Claude calls the first tool (as a tool_use block), as the API does. */
function wantsTool(body: any): boolean {
  const last = Array.isArray(body.messages) ? body.messages[body.messages.length - 1] : undefined;
  const answered = Array.isArray(last?.content) && last.content.some((b: any) => b?.type === 'tool_result');
  return Array.isArray(body.tools) && body.tools.length > 0 && !answered;
}

function anthropicMessage(body: any) {
  const tool = wantsTool(body);
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: tool
      ? [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_fake1', name: body.tools[0].name, input: { city: 'Paris' } },
        ]
      : [{ type: 'text', text: 'Hello from the fake model.' }],
    stop_reason: tool ? 'tool_use' : 'end_turn',
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
  if (!(await emit(res, o, 0, ev('message_start', { message: start })))) return;
  res.write(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
  res.write(ev('ping', {}));
  for (let i = 0; i < o.chunks; i++) {
    if (
      !(await emit(
        res,
        o,
        i + 1,
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: WORDS[i % WORDS.length] } }),
      ))
    )
      return;
  }
  res.write(ev('content_block_stop', { index: 0 }));
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
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: FAKE_USAGE.anthropic.output },
      }),
    );
  }
  res.end(ev('message_stop', {}));
}

function geminiResponse(model: string, final: boolean, candidates: number, text = 'Hello from the fake model.') {
  const u = FAKE_USAGE.gemini;
  return {
    candidates: [
      { content: { parts: [{ text }], role: 'model' }, ...(final ? { finishReason: 'STOP' } : {}), index: 0 },
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

async function geminiStream(res: ServerResponse, model: string, o: Opts, sse: boolean): Promise<void> {
  const n = Math.max(1, o.chunks);
  if (!sse) {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    const parts: string[] = [];
    for (let i = 0; i < n; i++)
      parts.push(
        JSON.stringify(
          geminiResponse(
            model,
            i === n - 1,
            Math.round((FAKE_USAGE.gemini.candidates * (i + 1)) / n),
            WORDS[i % WORDS.length],
          ),
        ),
      );
    res.end(`[${parts.join(',\n')}]`);
    return;
  }
  sseHead(res);
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    if (last && o.scenario === 'nousage') break;
    const c = geminiResponse(
      model,
      last,
      Math.round((FAKE_USAGE.gemini.candidates * (i + 1)) / n),
      WORDS[i % WORDS.length],
    );
    if (!(await emit(res, o, i, `data: ${JSON.stringify(c)}\r\n\r\n`))) return;
  }
  res.end();
}
