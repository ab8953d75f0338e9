import type { ModelLimits } from '../../pricing/book.js';
import { SHIPPED_PRICES } from '../../pricing/table.js';
import type { ProviderName } from '../../model.js';
import { estimator as anthropic } from './anthropic.js';
import { estimator as gemini } from './gemini.js';
import { estimator as openai } from './openai.js';
import { textCounter } from './tokenizer.js';
import { Tally, isObj, type ProviderEstimator } from './types.js';

/** One estimator per provider, the same shape each (providers/<name>/ on the gateway side). */
export const ESTIMATORS: Record<ProviderName, ProviderEstimator> = { openai, anthropic, gemini };

/** The largest context window the shipped table knows per provider: the input bound of a model whose own is unknown. */
const PROVIDER_MAX_CONTEXT: Record<ProviderName, number> = { openai: 0, anthropic: 0, gemini: 0 };
for (const m of SHIPPED_PRICES)
  PROVIDER_MAX_CONTEXT[m.provider] = Math.max(PROVIDER_MAX_CONTEXT[m.provider], m.contextWindow);

export interface BoundRequest {
  provider: ProviderName;
  model: string;
  endpoint: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: unknown;
  /** What the request names as its maximum output (max_tokens and kin). */
  maxOutputTokens?: number;
}

export interface CallBound {
  inputTokens: number;
  outputTokens: number;
  /** Inputs whose size the request does not state; when any, the input bound is the whole context window. */
  open: string[];
  /** Where the output bound comes from; 'default' (budget.defaultMaxOutputTokens) is the one that is not a bound. */
  outputFrom: 'request' | 'model' | 'context' | 'default' | 'none';
}

/**
 * The most a call can consume, for a hard budget's reservation. Input: what the request
 * carries, counted per the provider's documented rules (estimate/<provider>.ts), capped at
 * the model's context window (the provider refuses longer prompts); the whole window when
 * some input's size is not in the request. Output: the request's max_tokens, else the
 * model's maximum output, else its context window, times the completions asked for (n).
 * Only a model the price table knows nothing about falls back to budget.defaultMaxOutputTokens,
 * which is not a bound: a call that overshoots it is recorded and counted as an overshoot.
 */
export async function boundCall(
  req: BoundRequest,
  limits: ModelLimits,
  defaultMaxOutputTokens: number,
): Promise<CallBound> {
  const est = ESTIMATORS[req.provider];
  if (est.free(req.endpoint)) return { inputTokens: 0, outputTokens: 0, open: [], outputFrom: 'none' };
  const body = isObj(req.body) ? req.body : undefined;
  const t = new Tally(await textCounter(req.provider, req.model));
  if (body) est.input(body, req.endpoint, req.model, t);
  else t.unknown('a body that is not JSON');
  const window = limits.contextWindow || undefined;
  const open = [...t.open];
  const inputTokens =
    open.length > 0
      ? (window ?? PROVIDER_MAX_CONTEXT[req.provider])
      : Math.min(Math.ceil(t.tokens), window ?? Infinity);

  if (!est.generates(req.endpoint)) return { inputTokens, outputTokens: 0, open, outputFrom: 'none' };
  const choices = body ? est.choices(body) : 1;
  const [perChoice, outputFrom]: [number, CallBound['outputFrom']] = req.maxOutputTokens
    ? [req.maxOutputTokens, 'request']
    : limits.maxOutputTokens
      ? [limits.maxOutputTokens, 'model']
      : window
        ? [window, 'context']
        : [defaultMaxOutputTokens, 'default'];
  return { inputTokens, outputTokens: perChoice * choices, open, outputFrom };
}

export { textCounter } from './tokenizer.js';
