/**
 * The smart-routing decision (features → score → tier → model, per strategy) and the service
 * `oco route explain` calls. The decision itself (`decideRoute`) is pure; this file adds what a
 * caller reads from outside: a request file, the price book, configured tiers, measured latency.
 */
import { UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { LLM_PROVIDERS } from '../model.js';
import { loadPriceBook } from '../pricing/index.js';
import { readJsonFile } from '../../base/json-file.js';
import type { ChatRequest } from '../translate/types.js';
import { listUpstreams, wireOf } from '../upstreams/registry.js';
import { medianLatencies } from '../usage/latency.js';
import { extractFeatures } from './features.js';
import { scoreFeatures } from './score.js';
import { decideRoute, type RouteDecision, type Strategy } from './strategy.js';
import { parseTierOverrides, tierTable, type TierTable } from './tiers.js';

export { extractFeatures, REASONING_CUES, type RequestFeatures } from './features.js';
export { scoreFeatures, SCORE_WEIGHTS, TIER_THRESHOLDS, TIERS, type Tier } from './score.js';
export { CURRENT_LINES, parseTierOverrides, tierTable, type TierTable } from './tiers.js';
export { decideRoute, parseStrategy, STRATEGIES, type RouteDecision, type Strategy } from './strategy.js';
export { routingSavings, type Savings } from './savings.js';

/** How far back the latency strategy looks for measured calls. */
export const LATENCY_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface ExplainResult extends RouteDecision {
  /** The tier table the decision used (defaults from the price book, route.tiers overrides). */
  tiers: TierTable;
}

/** Reads a request file and explains what the strategy would do with it, calling nothing. */
export async function explainRoute(
  store: Store,
  opts: { file: string; strategy: Strategy; tierOverrides?: string; now?: Date },
): Promise<ExplainResult> {
  const req = readChatRequest(opts.file);
  const at = opts.now ?? new Date();
  const book = await loadPriceBook(store);
  const tiers = tierTable(book, parseTierOverrides(opts.tierOverrides), at);
  // NAME/model of a registered OpenAI-compatible upstream: it has no tiers, the gateway calls it as named.
  const slash = req.model.indexOf('/');
  const name = slash > 0 ? req.model.slice(0, slash) : undefined;
  const upstream = name && (await listUpstreams(store)).find((u) => u.name === name && u.kind === 'openai-compatible');
  if (upstream) {
    const features = extractFeatures(req);
    const { score, tier, contributions } = scoreFeatures(features);
    return {
      strategy: opts.strategy,
      score,
      features,
      contributions,
      tier,
      requestedModel: req.model,
      chosenModel: req.model,
      provider: wireOf(upstream.kind),
      routed: false,
      reason: `${req.model} is on the registered upstream ${upstream.name}, which has no tiers: it is called as named`,
      tiers,
    };
  }
  let latencies: Awaited<ReturnType<typeof medianLatencies>> | undefined;
  if (opts.strategy === 'latency') {
    // only the candidates: the models of the tier this request scores into
    const { tier } = scoreFeatures(extractFeatures(req));
    const candidates = LLM_PROVIDERS.flatMap((provider) => {
      const t = tiers[provider][tier];
      return t ? [{ provider, model: t.model }] : [];
    });
    latencies = await medianLatencies(store, candidates, new Date(at.getTime() - LATENCY_WINDOW_MS));
  }
  return { ...decideRoute(req, opts.strategy, { book, tiers, latencies, at }), tiers };
}

/** A file holding one OpenAI chat-completions request body; anything else is a usage error naming the file. */
export function readChatRequest(file: string): ChatRequest {
  const data = readJsonFile(file, {
    readHint: 'Pass the path of a JSON file holding an OpenAI chat-completions request body.',
    parseHint: HINT,
    parseCode: 'OCO_ROUTE_INVALID_REQUEST',
  });
  const problem = chatRequestProblem(data);
  if (problem)
    throw new UsageError(`${file} is not a chat request: ${problem}`, {
      code: 'OCO_ROUTE_INVALID_REQUEST',
      hint: HINT,
    });
  return data as ChatRequest;
}

const HINT = 'The file must hold a POST /v1/chat/completions body: {"model": "gpt-4o", "messages": [...]}.';

function chatRequestProblem(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'it is not a JSON object';
  const r = data as Record<string, unknown>;
  if (typeof r.model !== 'string' || r.model === '') return '"model" is not a non-empty string';
  if (!Array.isArray(r.messages) || r.messages.length === 0) return '"messages" is not a non-empty array';
  const i = r.messages.findIndex(
    (m) => m === null || typeof m !== 'object' || typeof (m as Record<string, unknown>).role !== 'string',
  );
  if (i >= 0) return `messages[${i}] is not a message with a "role"`;
  if (r.tools !== undefined && !Array.isArray(r.tools)) return '"tools" is not an array';
  return undefined;
}
