/**
 * A cached chat completion and OpenAI's stream of it, both ways: a streamed answer is
 * assembled from the chunks the client was sent (so a streamed miss is cached too), and a
 * hit on a stream request is replayed as the chunks a real stream of that answer gives.
 */
import { promptTokens, totalTokens, type TokenUsage } from '../pricing/types.js';
import { SseSplitter } from '../proxy/sse.js';
import type { ChatCompletion, ChatCompletionChunk, ChunkToolCall, OpenAIUsage, ToolCall } from '../translate/types.js';

type Choice = ChatCompletion['choices'][number];

/** Collects the OpenAI chunks of one stream; `result()` is the completion once the stream ended cleanly. */
export class ChunkAssembler {
  private readonly splitter = new SseSplitter();
  private head: { id: string; created: number; model: string; system_fingerprint?: unknown } | undefined;
  private readonly choices = new Map<number, Choice & { tools: Map<number, ToolCall> }>();
  private usage: OpenAIUsage | undefined;
  private done = false;
  private broken = false;

  /** SSE text exactly as sent to the client. */
  push(text: string): void {
    if (this.broken || !text) return;
    for (const ev of this.splitter.push(text)) {
      const data = ev.data.trim();
      if (!data) continue;
      if (data === '[DONE]') {
        this.done = true;
        continue;
      }
      try {
        this.chunk(JSON.parse(data) as ChatCompletionChunk);
      } catch {
        this.broken = true;
        return;
      }
    }
  }

  private chunk(c: ChatCompletionChunk): void {
    this.head ??= {
      id: c.id,
      created: c.created,
      model: c.model,
      system_fingerprint: (c as never)['system_fingerprint'],
    };
    if (c.usage) this.usage = c.usage;
    for (const ch of c.choices ?? []) {
      let acc = this.choices.get(ch.index);
      if (!acc) {
        acc = {
          index: ch.index,
          message: { role: 'assistant', content: null, refusal: null },
          finish_reason: null as never,
          logprobs: null,
          tools: new Map(),
        };
        this.choices.set(ch.index, acc);
      }
      const d = ch.delta ?? {};
      // The role chunk's empty content says nothing: a message of tool calls alone keeps content null.
      if (typeof d.content === 'string' && d.content) acc.message.content = (acc.message.content ?? '') + d.content;
      for (const t of d.tool_calls ?? []) this.tool(acc.tools, t);
      if (ch.finish_reason) acc.finish_reason = ch.finish_reason;
    }
  }

  private tool(tools: Map<number, ToolCall>, t: ChunkToolCall): void {
    let acc = tools.get(t.index);
    if (!acc) {
      acc = { id: t.id ?? '', type: 'function', function: { name: '', arguments: '' } };
      tools.set(t.index, acc);
    }
    if (t.id) acc.id = t.id;
    if (t.function?.name) acc.function.name += t.function.name;
    if (t.function?.arguments) acc.function.arguments += t.function.arguments;
  }

  /** The whole completion, or undefined when the stream did not end with [DONE] and a finish reason for each choice. */
  result(fallbackUsage?: OpenAIUsage): ChatCompletion | undefined {
    if (this.broken || !this.done || !this.head || this.choices.size === 0) return undefined;
    const choices: Choice[] = [];
    for (const c of [...this.choices.values()].sort((a, b) => a.index - b.index)) {
      if (!c.finish_reason) return undefined;
      const { tools, ...choice } = c;
      if (tools.size > 0) choice.message.tool_calls = [...tools.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
      choices.push(choice);
    }
    const out: ChatCompletion & { system_fingerprint?: unknown } = {
      id: this.head.id,
      object: 'chat.completion',
      created: this.head.created,
      model: this.head.model,
      choices,
    };
    if (this.head.system_fingerprint !== undefined) out.system_fingerprint = this.head.system_fingerprint;
    const usage = this.usage ?? fallbackUsage;
    if (usage) out.usage = usage;
    return out;
  }
}

/**
 * The SSE text of a cached completion as OpenAI streams it: per choice a role chunk, its content,
 * its tool calls and its finish reason; then the usage chunk when the client asked for one
 * (`stream_options.include_usage`), then `data: [DONE]`.
 */
export function replayStream(completion: ChatCompletion, includeUsage: boolean): string {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  };
  const fp = (completion as { system_fingerprint?: unknown }).system_fingerprint;
  if (fp !== undefined) Object.assign(base, { system_fingerprint: fp });
  const usageNull = includeUsage ? { usage: null } : {};
  let out = '';
  const send = (choices: unknown[], extra: Record<string, unknown> = usageNull) =>
    (out += `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  for (const c of completion.choices) {
    const m = c.message;
    const choice = (delta: unknown, finish: string | null = null) => ({
      index: c.index,
      delta,
      logprobs: null,
      finish_reason: finish,
    });
    send([choice({ role: 'assistant', content: '', refusal: null })]);
    if (m.content) send([choice({ content: m.content })]);
    if (m.tool_calls?.length)
      send([
        choice({
          tool_calls: m.tool_calls.map((t, index) => ({
            index,
            id: t.id,
            type: 'function',
            function: { name: t.function.name, arguments: t.function.arguments },
          })),
        }),
      ]);
    send([choice({}, c.finish_reason)]);
  }
  if (includeUsage && completion.usage) send([], { usage: completion.usage });
  return `${out}data: [DONE]\n\n`;
}

/** OpenAI's usage object for the tokens a call was billed for (a stream that carried none to its client). */
export function usageOf(u: TokenUsage): OpenAIUsage {
  const completion = u.outputTokens + u.reasoningTokens;
  const out: OpenAIUsage = {
    prompt_tokens: promptTokens(u),
    completion_tokens: completion,
    total_tokens: totalTokens(u),
  };
  if (u.cachedInputTokens > 0) out.prompt_tokens_details = { cached_tokens: u.cachedInputTokens };
  if (u.reasoningTokens > 0) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}
