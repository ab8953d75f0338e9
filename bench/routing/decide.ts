/**
 * The routing decision's cost: features → score → tier → model for a 100-message conversation
 * (each message a few hundred characters, code blocks in half of them), strategy cost, the
 * shipped price book. No I/O is timed: the decision is what the request path would add.
 *
 *   node --import tsx bench/routing/decide.ts [--iterations 20000] [--messages 100]
 *
 * Prints p50/p99/max in microseconds per strategy, after a warm-up of 2,000 decisions.
 */
import { PriceBook } from '../../src/core/gateway/pricing/index.js';
import { decideRoute, STRATEGIES, tierTable } from '../../src/core/gateway/routing/index.js';
import { conversation } from '../../test/routing/requests.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const iterations = Math.min(Number(arg('iterations', '20000')), 200_000);
const messages = Math.min(Number(arg('messages', '100')), 10_000);

const book = new PriceBook();
const tiers = tierTable(book);
const latencies = new Map([
  ['openai/gpt-5', { medianMs: 900, samples: 50 }],
  ['anthropic/claude-opus-4-5', { medianMs: 700, samples: 50 }],
]);
const req = { model: 'gpt-5', messages: conversation(messages), max_tokens: 2000 };
const chars = req.messages.reduce((s, m) => s + String(m.content).length, 0);

console.log(`routing decision, ${messages} messages (${chars} characters), ${iterations} decisions per strategy`);
console.log('strategy   p50 µs   p99 µs   max µs   tier / model');
for (const strategy of STRATEGIES) {
  for (let i = 0; i < 2_000; i++) decideRoute(req, strategy, { book, tiers, latencies });
  const us = new Float64Array(iterations);
  let last;
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    last = decideRoute(req, strategy, { book, tiers, latencies });
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  us.sort();
  const q = (p: number) => us[Math.min(iterations - 1, Math.floor(p * iterations))]!.toFixed(1);
  console.log(
    `${strategy.padEnd(9)} ${q(0.5).padStart(7)}  ${q(0.99).padStart(7)}  ${us[iterations - 1]!.toFixed(1).padStart(7)}` +
      `   ${last!.tier} / ${last!.chosenModel}`,
  );
}
console.log('reproduce: node --import tsx bench/routing/decide.ts --iterations 20000 --messages 100');
