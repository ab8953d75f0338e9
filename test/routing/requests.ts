import type { ChatMessage, ChatRequest } from '../../src/core/gateway/translate/types.js';

/** A conversation of `n` messages (system first, then user/assistant turns), the last one a user question. */
export function conversation(n: number, last = 'Why does the second test fail? Debug it step by step.'): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'system', content: 'You are a careful senior engineer.' }];
  for (let i = 1; i < n - 1; i++)
    out.push(
      i % 2
        ? { role: 'user', content: `Here is part ${i} of the module:\n\`\`\`ts\nexport const v${i} = ${i};\n\`\`\`` }
        : { role: 'assistant', content: `Noted part ${i - 1}. `.repeat(20) },
    );
  out.push({ role: 'user', content: last });
  return out;
}

const user = (content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });

/** The fixed requests of the decision table. */
export const REQUESTS: Record<string, ChatRequest> = {
  simple: { model: 'gpt-5', messages: [{ role: 'system', content: 'Be brief.' }, user('Capital of France?')] },
  alreadyEconomy: { model: 'gpt-5-nano', messages: [user('Say hello in Spanish.')] },
  hardOnCheap: {
    model: 'gpt-5-nano',
    max_tokens: 8000,
    tools: [{ type: 'function', function: { name: 'run_tests' } }],
    messages: [
      user(
        'Prove step by step why this algorithm is O(n log n), then debug it:\n```py\ndef f(x):\n  pass\n```\n' +
          '```py\nprint(f(1))\n```',
      ),
    ],
  },
  midOnOpus: {
    model: 'claude-opus-4-5',
    messages: [
      { role: 'system', content: 'You help with TypeScript builds.' },
      user('We moved to TypeScript 7 last week.'),
      { role: 'assistant', content: 'Good to know; what do you see?' },
      user('The CI job is red since then.'),
      { role: 'assistant', content: 'Can you paste the error?' },
      user('Explain why the build fails:\n```\nerror TS2345: Argument of type string\n```'),
    ],
  },
  imageAndSchemaOnPro: {
    model: 'gemini-2.5-pro',
    response_format: { type: 'json_schema', json_schema: { name: 'caption', schema: { type: 'object' } } },
    messages: [
      user([
        { type: 'text', text: 'Caption this.' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ]),
    ],
  },
  unpricedFineTune: { model: 'openai/ft-house-model', messages: [user('Classify: "refund please"')] },
  datedSnapshot: { model: 'claude-sonnet-4-5-20250929', messages: [user('Translate "good morning" to German.')] },
  longPromptOn4o: { model: 'gpt-4o', messages: [user(`Summarise this log:\n${'GET /health 200 1ms\n'.repeat(1700)}`)] },
  longPromptOnCheapOld: {
    model: 'gpt-4o-mini',
    messages: [user(`Summarise this log:\n${'GET /health 200 1ms\n'.repeat(1700)}`)],
  },
  longConversation: { model: 'gpt-5', messages: conversation(100) },
};
