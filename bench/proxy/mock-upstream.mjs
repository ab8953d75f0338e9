// A minimal OpenAI-compatible upstream for the benchmark: a fixed chat
// completion (with usage) and an SSE stream of N chunks every D ms; on
// /v1/messages a fixed Anthropic Message (with usage), for translated calls.
// Usage: node mock-upstream.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, logprobs: null, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 12,
    completion_tokens: 1,
    total_tokens: 13,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
});

const message = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
});

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (req.url === '/v1/messages') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) });
      res.end(message);
      return;
    }
    if (!body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
      res.end(completion);
      return;
    }
    const n = Math.min(Number(req.headers['x-bench-chunks'] ?? 20), 1000);
    const gap = Math.min(Number(req.headers['x-bench-gap-ms'] ?? 50), 1000);
    const withUsage = body.includes('"include_usage":true');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    const send = () => {
      if (res.destroyed) return;
      const chunk = {
        id: 'chatcmpl-bench',
        object: 'chat.completion.chunk',
        created: 1700000000,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta: { content: `t${i} ` }, finish_reason: null }],
        ...(withUsage ? { usage: null } : {}),
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (++i < n) {
        setTimeout(send, gap);
        return;
      }
      if (withUsage)
        res.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n } })}\n\n`,
        );
      res.end('data: [DONE]\n\n');
    };
    send();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
