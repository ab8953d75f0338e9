/**
 * What translation adds to a unified call, in-process and without I/O: the request
 * (OpenAI body → provider body, serialised), the JSON answer (provider JSON parsed,
 * translated, serialised) and a 20-chunk stream (each provider event through the
 * stream translator), for Anthropic and Gemini, on a one-message request and a
 * 100-message conversation. A translated call does the passthrough's work plus this
 * (one exchange, one finish), so this is the part of "translated − passthrough" that
 * oco's code adds, free of the scheduling noise an end-to-end run on a shared machine has.
 *
 *   node --import tsx bench/proxy/translate.ts [--iterations 20000]
 *
 * Prints p50/p99 in microseconds per step after a 2,000-iteration warm-up.
 */
import {
  TRANSLATIONS,
  translateChatRequest,
  type ChatRequest,
  type StreamTranslator,
} from '../../src/core/gateway/translate/index.js';
import { conversation } from '../../test/routing/requests.js';

const args = process.argv.slice(2);
const at = args.indexOf('--iterations');
const ITERATIONS = Math.min(Number(at >= 0 ? args[at + 1] : 20_000), 200_000);
const CHUNKS = 20;

const ANTHROPIC_ANSWER = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
});
const GEMINI_ANSWER = JSON.stringify({
  candidates: [{ content: { parts: [{ text: 'ok' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1, totalTokenCount: 13 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'resp_bench',
});

/** Each provider's stream events for a CHUNKS-chunk answer: [event name, data]. */
const STREAMS: Record<'anthropic' | 'gemini', Array<[string | undefined, string]>> = {
  anthropic: [
    [
      'message_start',
      JSON.stringify({
        type: 'message_start',
        message: { id: 'msg_bench', model: 'claude-sonnet-4-5', usage: { input_tokens: 12, output_tokens: 1 } },
      }),
    ],
    ['content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'],
    ...Array.from(
      { length: CHUNKS },
      (_, i) =>
        [
          'content_block_delta',
          JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `t${i} ` } }),
        ] as [string, string],
    ),
    ['content_block_stop', '{"type":"content_block_stop","index":0}'],
    [
      'message_delta',
      JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: CHUNKS } }),
    ],
    ['message_stop', '{"type":"message_stop"}'],
  ],
  gemini: Array.from({ length: CHUNKS }, (_, i) => [
    undefined,
    JSON.stringify({
      candidates: [
        {
          content: { parts: [{ text: `t${i} ` }], role: 'model' },
          ...(i === CHUNKS - 1 ? { finishReason: 'STOP' } : {}),
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: i + 1, totalTokenCount: 13 + i },
      modelVersion: 'gemini-2.5-flash',
    }),
  ]),
};

function measure(fn: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < 2_000; i++) fn();
  const us = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  us.sort();
  return { p50: us[Math.floor(0.5 * ITERATIONS)]!, p99: us[Math.floor(0.99 * ITERATIONS)]! };
}

function streamOnce(t: StreamTranslator, events: Array<[string | undefined, string]>): string {
  let out = '';
  for (const [event, data] of events) out += t.push(data, event);
  return out + t.end();
}

console.log(`translation cost, ${ITERATIONS} iterations per step, node ${process.version}`);
console.log('provider   messages  request p50/p99 µs  answer p50/p99 µs  stream (20 chunks) p50/p99 µs');
for (const provider of ['anthropic', 'gemini'] as const) {
  const model = provider === 'anthropic' ? 'claude-sonnet-4-5' : 'gemini-2.5-flash';
  const answer = provider === 'anthropic' ? ANTHROPIC_ANSWER : GEMINI_ANSWER;
  const t = TRANSLATIONS[provider];
  for (const n of [1, 100]) {
    const messages = n === 1 ? [{ role: 'user' as const, content: 'Say ok.' }] : conversation(n);
    const req = { model, messages } as ChatRequest;
    const ctx = { model, includeUsage: true };
    const r = measure(() => JSON.stringify(translateChatRequest(req).body));
    const a = measure(() => JSON.stringify(t.response(JSON.parse(answer), ctx).body));
    const s = n === 1 ? measure(() => streamOnce(t.stream(ctx), STREAMS[provider])) : undefined;
    const f = (x: { p50: number; p99: number } | undefined) =>
      x ? `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}` : '(same)';
    console.log(
      `${provider.padEnd(10)} ${String(n).padStart(8)}  ${f(r).padStart(18)}  ${f(a).padStart(17)}  ${f(s).padStart(29)}`,
    );
  }
}
console.log(`reproduce: node --import tsx bench/proxy/translate.ts --iterations ${ITERATIONS}`);
