/**
 * Tool calling for the provider fakes: which calls a model makes for a request, in
 * each provider's own terms, and the checks each provider applies to the tool results
 * a conversation sends back (a result must answer a call of the turn before it, every
 * call must be answered, Gemini pairs results with calls by position and name and
 * wants Gemini 3's thought signature back). A check that fails is the provider's 400.
 *
 * The model calls every offered tool (up to three; each `repeat` times, header
 * x-fake-repeat, as "weather in Paris and Tokyo" calls one tool twice) unless the request
 * narrows it: a named or allowed tool, no parallel calls (the first only), or "none". Arguments are
 * made from each tool's schema, so the i-th call of a tool with a string property gets
 * CITIES[i]. A tool result that is a JSON object with a `city` must name the city of
 * the call it answers: that is how the fakes see that results were linked to the
 * right call, which the providers themselves do by id (Anthropic, OpenAI) or position.
 */
export const CITIES = ['Paris', 'Tokyo', 'Lima'] as const;

export interface PlannedCall {
  name: string;
  args: Record<string, unknown>;
}

export interface Offered {
  name: string;
  schema: unknown;
}

/** A provider's 400 message, or undefined when the conversation is well formed. */
export type Check = string | undefined;

const obj = (v: unknown): Record<string, any> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined;

/** A value satisfying a JSON schema's types (first city, 21, true), for arguments and JSON-mode answers. */
export function fromSchema(schema: unknown, i = 0): unknown {
  const s = obj(schema) ?? {};
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (type) {
    case 'string':
      return CITIES[i % CITIES.length];
    case 'number':
    case 'integer':
      return 21;
    case 'boolean':
      return true;
    case 'array':
      return [fromSchema(s.items, i)];
    default: {
      const props = obj(s.properties) ?? {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, i)]));
    }
  }
}

export function planCalls(
  offered: Offered[],
  only: string[] | undefined,
  parallel: boolean,
  repeat = 1,
): PlannedCall[] {
  const chosen = offered
    .filter((t) => !only || only.includes(t.name))
    .slice(0, 3)
    .flatMap((t) => Array.from({ length: Math.min(Math.max(1, repeat), 3) }, () => t))
    .slice(0, parallel ? 9 : 1);
  return chosen.map((t, i) => ({ name: t.name, args: fromSchema(t.schema ?? { type: 'object' }, i) as any }));
}

/** A result's own `city`, when it is a JSON object that has one. */
function resultCity(content: unknown): unknown {
  if (typeof content === 'string') {
    try {
      return obj(JSON.parse(content))?.city;
    } catch {
      return undefined;
    }
  }
  return obj(content)?.city;
}

function mismatch(where: string, call: Record<string, unknown>, content: unknown): Check {
  const city = resultCity(content);
  if (city !== undefined && obj(call)?.city !== undefined && city !== obj(call)?.city)
    return `${where}: the result for ${JSON.stringify(obj(call)?.city)} says ${JSON.stringify(city)}`;
  return undefined;
}

// ---- OpenAI chat completions ----

export function openaiPlan(body: any, repeat = 1): PlannedCall[] {
  if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tool_choice === 'none') return [];
  if (body.messages?.at(-1)?.role === 'tool') return [];
  const offered = body.tools
    .filter((t: any) => t?.type === 'function')
    .map((t: any) => ({ name: t.function.name, schema: t.function.parameters }));
  const named = obj(body.tool_choice)?.function?.name;
  return planCalls(offered, named ? [named] : undefined, body.parallel_tool_calls !== false, repeat);
}

/** OpenAI's own checks: a tool message answers a call of the assistant turn before it; every call is answered. */
export function openaiCheck(body: any): Check {
  const msgs: any[] = Array.isArray(body.messages) ? body.messages : [];
  let open = new Map<string, any>();
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (m?.role === 'tool') {
      const call = open.get(m.tool_call_id);
      if (!call)
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      open.delete(m.tool_call_id);
      const bad = mismatch(`messages[${i}]`, JSON.parse(call.function.arguments || '{}'), m.content);
      if (bad) return bad;
      continue;
    }
    if (open.size > 0)
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open.keys()].join(', ')}`;
    open = new Map((m?.role === 'assistant' ? (m.tool_calls ?? []) : []).map((c: any) => [c.id, c]));
  }
  return undefined;
}

// ---- Anthropic Messages ----

export function anthropicPlan(body: any, repeat = 1): PlannedCall[] {
  const choice = obj(body.tool_choice) ?? { type: 'auto' };
  if (!Array.isArray(body.tools) || body.tools.length === 0 || choice.type === 'none') return [];
  const last = Array.isArray(body.messages) ? body.messages[body.messages.length - 1] : undefined;
  if (Array.isArray(last?.content) && last.content.some((b: any) => b?.type === 'tool_result')) return [];
  const offered = body.tools.map((t: any) => ({ name: t.name, schema: t.input_schema }));
  const only = choice.type === 'tool' ? [choice.name] : undefined;
  return planCalls(offered, only, !choice.disable_parallel_tool_use, repeat);
}

/** The Messages API's checks, with its own wording: tool_result blocks answer the previous turn's tool_use blocks. */
export function anthropicCheck(body: any): Check {
  const msgs: any[] = Array.isArray(body.messages) ? body.messages : [];
  const blocks = (m: any): any[] => (Array.isArray(m?.content) ? m.content : []);
  for (let i = 0; i < msgs.length; i++) {
    const uses = new Map<string, any>(
      (msgs[i - 1]?.role === 'assistant' ? blocks(msgs[i - 1]) : [])
        .filter((b) => b?.type === 'tool_use')
        .map((b) => [b.id, b]),
    );
    const content = blocks(msgs[i]);
    const results = content.filter((b) => b?.type === 'tool_result');
    for (const [j, r] of content.entries()) {
      if (r?.type !== 'tool_result') continue;
      if (!uses.has(r.tool_use_id))
        return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${r.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      const bad = mismatch(`messages.${i}.content.${j}`, uses.get(r.tool_use_id).input, r.content);
      if (bad) return bad;
    }
    const firstOther = content.findIndex((b) => b?.type !== 'tool_result');
    if (results.length > 0 && firstOther >= 0 && firstOther < results.length)
      return `messages.${i}: \`tool_result\` blocks must come first in the message content`;
    if (msgs[i]?.role === 'assistant') {
      const ids = blocks(msgs[i])
        .filter((b) => b?.type === 'tool_use')
        .map((b) => b.id);
      const answered = new Set(
        blocks(msgs[i + 1])
          .filter((b) => b?.type === 'tool_result')
          .map((b) => b.tool_use_id),
      );
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length > 0 && i + 1 < msgs.length)
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
}

// ---- Gemini generateContent ----

/** Gemini 3 signs its function calls; the signature must come back on the call's part in the next request. */
export const needsSignature = (model: string) => /^gemini-3/.test(model);
export const signatureFor = (name: string) => Buffer.from(`fake-signature:${name}`).toString('base64');

export function geminiPlan(body: any, repeat = 1): PlannedCall[] {
  const decls: any[] = (Array.isArray(body.tools) ? body.tools : []).flatMap((t: any) => t?.functionDeclarations ?? []);
  const cfg = obj(body.toolConfig?.functionCallingConfig) ?? {};
  if (decls.length === 0 || cfg.mode === 'NONE') return [];
  const last = Array.isArray(body.contents) ? body.contents[body.contents.length - 1] : undefined;
  if ((last?.parts ?? []).some((p: any) => p?.functionResponse)) return [];
  const offered = decls.map((d) => ({ name: d.name, schema: d.parametersJsonSchema ?? d.parameters }));
  const only = cfg.mode === 'ANY' && Array.isArray(cfg.allowedFunctionNames) ? cfg.allowedFunctionNames : undefined;
  return planCalls(offered, only, true, repeat);
}

/** Gemini's checks: as many functionResponse parts as the calls before them, in the calls' order, signed calls back. */
export function geminiCheck(body: any, model: string): Check {
  const turns: any[] = Array.isArray(body.contents) ? body.contents : [];
  for (let i = 0; i < turns.length; i++) {
    const calls = (turns[i]?.parts ?? []).filter((p: any) => p?.functionCall);
    if (turns[i]?.role !== 'model' || calls.length === 0) continue;
    if (needsSignature(model) && calls[0].thoughtSignature !== signatureFor(calls[0].functionCall.name))
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${calls[0].functionCall.name}\` , position ${i + 1}.`;
    const next = turns[i + 1];
    if (!next) continue;
    const responses = (next.parts ?? []).filter((p: any) => p?.functionResponse);
    if (responses.length !== calls.length)
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    for (let k = 0; k < calls.length; k++) {
      if (responses[k].functionResponse.name !== calls[k].functionCall.name)
        return `contents[${i + 1}].parts[${k}]: function response ${responses[k].functionResponse.name} answers call ${calls[k].functionCall.name}`;
      const bad = mismatch(
        `contents[${i + 1}].parts[${k}]`,
        calls[k].functionCall.args,
        responses[k].functionResponse.response,
      );
      if (bad) return bad;
    }
  }
  return undefined;
}

/** The JSON a JSON-mode answer holds: from the schema when one was given. */
export function jsonAnswer(schema: unknown): string {
  return JSON.stringify(schema ? fromSchema(schema) : { answer: 'Hello from the fake model.' });
}
