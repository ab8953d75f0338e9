import { basename } from 'node:path';
import { NotFoundError, UsageError } from '../../base/errors.js';
import { camelCaseKeys } from '../../base/json-keys.js';
import { money } from '../../base/money.js';
import { LLM_PROVIDERS, PROVIDER_SLUG, type PricedProvider, type ProviderName } from '../model.js';
import type { Store } from '../../base/store/types.js';
import { loadPriceBook, type PriceBook } from './book.js';
import { readJsonFile } from '../../base/json-file.js';
import { TOKEN_CLASSES, type ClassPrices, type TokenClass } from './types.js';

export const PROVIDERS: readonly ProviderName[] = LLM_PROVIDERS;

/** Token classes as output keys name them (camelCase, like every --json key): cached_input → cachedInput. */
export type PriceKey =
  'input' | 'cachedInput' | 'cacheWrite5m' | 'cacheWrite1h' | 'output' | 'reasoning' | 'toolPrompt';
export type PriceView = Partial<Record<PriceKey, string>>;

export function priceView(prices: ClassPrices): PriceView {
  return camelCaseKeys(prices) as PriceView;
}

export interface PriceRow {
  provider: PricedProvider;
  model: string;
  effectiveFrom: string;
  source: string;
  /** USD per 1M tokens by class; tiers apply when the prompt is larger than minContextTokens. */
  prices: PriceView;
  tiers: Array<{ minContextTokens: number; prices: PriceView }>;
  maxOutputTokens?: number;
}

/** The version of every model in force at `at`. */
export function priceTable(book: PriceBook, at: Date): PriceRow[] {
  const seen = new Set<string>();
  const out: PriceRow[] = [];
  for (const v of book.allVersions()) {
    const k = `${v.provider}/${v.model}`;
    if (seen.has(k)) continue;
    const current = book.version(v.provider, v.model, at);
    if (!current || current.model !== v.model) continue;
    seen.add(k);
    out.push(toRow(book, current));
  }
  return out.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

function toRow(book: PriceBook, v: NonNullable<ReturnType<PriceBook['version']>>): PriceRow {
  return {
    provider: v.provider,
    model: v.model,
    effectiveFrom: v.effectiveFrom,
    source: v.source,
    prices: priceView(v.tiers[0]!.prices),
    tiers: v.tiers.slice(1).map((t) => ({ minContextTokens: t.minContextTokens, prices: priceView(t.prices) })),
    maxOutputTokens: book.limitsOf(v.provider, v.model).maxOutputTokens,
  };
}

/** One model: the version in force now (resolving snapshots) and its history. */
export function priceOf(
  book: PriceBook,
  provider: PricedProvider,
  model: string,
  at = new Date(),
): { resolvedAs: string; current: PriceRow; history: PriceRow[] } {
  const current = book.version(provider, model, at);
  if (!current) {
    throw new NotFoundError(`no price for ${provider} model "${model}"`, {
      code: 'OCO_PRICE_NOT_FOUND',
      hint:
        `Set one with "oco pricing set --provider ${provider} --model ${model}` +
        ' --input <usd/1M> --output <usd/1M>".',
    });
  }
  const history = book
    .allVersions()
    .filter((v) => v.provider === provider && v.model === current.model)
    .map((v) => toRow(book, v));
  return { resolvedAs: current.model, current: toRow(book, current), history };
}

/**
 * A built-in provider, or the NAME of an OpenAI-compatible upstream (`oco route providers add`),
 * whose calls are priced under that name. The upstream need not exist yet: prices can come first.
 */
export function parseProvider(v: string, flag = '--provider'): PricedProvider {
  if (!(PROVIDERS as readonly string[]).includes(v) && !PROVIDER_SLUG.test(v))
    throw new UsageError(
      `${flag} must be one of ${PROVIDERS.join(', ')} or an upstream's NAME (a lowercase slug) (got "${v}")`,
    );
  return v;
}

/** The provider a model name suggests when none is given (the `--provider` default of pricing get/set). */
export function guessProvider(model: string): string {
  if (/^claude/.test(model)) return 'anthropic';
  if (/^(models\/)?gemini|^text-embedding-004|^gemma/.test(model)) return 'gemini';
  return 'openai';
}

export function parseRate(v: string, what: string): string {
  if (!/^\d+(\.\d+)?$/.test(v.trim()))
    throw new UsageError(`${what} must be a non-negative decimal number of USD per 1M tokens (got "${v}")`);
  return money(v.trim()).toFixed();
}

/**
 * Adds a price version. Classes not given keep their value from the version in
 * force at the effective date, so `set --output 12` changes only the output rate.
 * Earlier calls keep the price they were recorded with.
 */
export async function setPrice(
  store: Store,
  input: {
    provider: PricedProvider;
    model: string;
    prices: ClassPrices;
    minContextTokens?: number;
    effectiveFrom: Date;
    source?: string;
  },
): Promise<PriceRow> {
  if (Object.keys(input.prices).length === 0)
    throw new UsageError(
      'give at least one price flag (--input, --output, --cached-input, --cache-write-5m, --cache-write-1h,' +
        ' --reasoning, --tool-prompt)',
    );
  const book = await loadPriceBook(store);
  const base = book.version(input.provider, input.model, input.effectiveFrom);
  const sameModel = base && base.model === input.model;
  const minCtx = input.minContextTokens ?? 0;
  const inherited = sameModel ? (base.tiers.find((t) => t.minContextTokens === minCtx)?.prices ?? {}) : {};
  const merged: ClassPrices = { ...inherited, ...input.prices };
  if (minCtx === 0 && merged.input === undefined)
    throw new UsageError(`${input.model} has no price yet: --input is required`);
  const eff = input.effectiveFrom.toISOString();
  await store.transaction(async (tx) => {
    const tiers = sameModel && minCtx === 0 ? base.tiers.filter((t) => t.minContextTokens !== 0) : [];
    const rows: Array<[number, ClassPrices]> = [
      [minCtx, merged],
      ...tiers.map((t) => [t.minContextTokens, t.prices] as [number, ClassPrices]),
    ];
    if (sameModel && minCtx !== 0) rows.push([0, base.tiers[0]!.prices]);
    for (const [ctx, prices] of rows) {
      for (const cls of TOKEN_CLASSES) {
        const rate = prices[cls];
        if (rate === undefined) continue;
        await tx.run(
          `INSERT INTO model_pricing
             (provider, model, token_class, min_context_tokens, usd_per_mtok, effective_from, source)
           VALUES ($1,$2,$3,$4,$5,$6,$7)
           ON CONFLICT (provider, model, token_class, min_context_tokens, effective_from)
           DO UPDATE SET usd_per_mtok = excluded.usd_per_mtok, source = excluded.source`,
          [input.provider, input.model, cls, ctx, rate, eff, input.source ?? 'manual'],
        );
      }
    }
  });
  const after = await loadPriceBook(store);
  return priceOf(after, input.provider, input.model, input.effectiveFrom).current;
}

const LITELLM_PROVIDER: Record<string, ProviderName> = {
  openai: 'openai',
  'text-completion-openai': 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  'vertex_ai-language-models': 'gemini',
};

/** LiteLLM field (USD per token) → our class (USD per 1M tokens), for the base tier and the >200k tier. */
const LITELLM_FIELDS: Array<[string, TokenClass, number]> = [
  ['input_cost_per_token', 'input', 0],
  ['output_cost_per_token', 'output', 0],
  ['cache_read_input_token_cost', 'cached_input', 0],
  ['cache_creation_input_token_cost', 'cache_write_5m', 0],
  ['cache_creation_input_token_cost_above_1hr', 'cache_write_1h', 0],
  ['output_cost_per_reasoning_token', 'reasoning', 0],
  ['input_cost_per_token_above_200k_tokens', 'input', 200_000],
  ['output_cost_per_token_above_200k_tokens', 'output', 200_000],
  ['cache_read_input_token_cost_above_200k_tokens', 'cached_input', 200_000],
  ['cache_creation_input_token_cost_above_200k_tokens', 'cache_write_5m', 200_000],
  ['input_cost_per_token_above_128k_tokens', 'input', 128_000],
  ['output_cost_per_token_above_128k_tokens', 'output', 128_000],
];

export interface ImportResult {
  file: string;
  models: number;
  rows: number;
  skipped: Array<{ model: string; reason: string }>;
  effectiveFrom: string;
}

/**
 * Imports LiteLLM's model_prices_and_context_window.json: the OpenAI, Anthropic and Gemini chat/embedding models in it.
 */
export async function importLiteLlm(store: Store, file: string, effectiveFrom: Date): Promise<ImportResult> {
  const data = readJsonFile(file, {
    readHint: 'Pass the path of a LiteLLM model_prices_and_context_window.json file.',
    parseHint: "The file must be LiteLLM's model_prices_and_context_window.json (an object keyed by model name).",
  });
  return importLiteLlmData(store, data, file, effectiveFrom);
}

/** The import of a parsed LiteLLM document (the admin API's body; `file` names it in the result and the source). */
export async function importLiteLlmData(
  store: Store,
  data: unknown,
  file: string,
  effectiveFrom: Date,
): Promise<ImportResult> {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new UsageError(`${file} must hold a JSON object keyed by model name (LiteLLM format)`);
  const eff = effectiveFrom.toISOString();
  const source = `litellm:${basename(file)}`;
  const skipped: ImportResult['skipped'] = [];
  const entries: Array<{
    provider: ProviderName;
    model: string;
    rows: Array<[TokenClass, number, string]>;
    maxOut?: number;
  }> = [];
  for (const [name, spec] of Object.entries(data as Record<string, unknown>)) {
    if (name === 'sample_spec') continue;
    if (spec === null || typeof spec !== 'object') {
      skipped.push({ model: name, reason: 'entry is not an object' });
      continue;
    }
    const s = spec as Record<string, unknown>;
    const provider = LITELLM_PROVIDER[String(s.litellm_provider)];
    if (!provider) continue;
    const model = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
    const rows: Array<[TokenClass, number, string]> = [];
    let bad: string | undefined;
    for (const [field, cls, ctx] of LITELLM_FIELDS) {
      const v = s[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        bad = `${field} is not a non-negative number`;
        break;
      }
      rows.push([cls, ctx, money(String(v)).times(1_000_000).toFixed()]);
    }
    if (bad) {
      skipped.push({ model: name, reason: bad });
      continue;
    }
    if (!rows.some(([cls, ctx]) => cls === 'input' && ctx === 0)) {
      skipped.push({ model: name, reason: 'no input_cost_per_token' });
      continue;
    }
    const maxOut = typeof s.max_output_tokens === 'number' ? s.max_output_tokens : undefined;
    entries.push({ provider, model, rows, maxOut });
  }
  let n = 0;
  await store.transaction(async (tx) => {
    for (const e of entries) {
      for (const [cls, ctx, rate] of e.rows) {
        await tx.run(
          `INSERT INTO model_pricing
             (provider, model, token_class, min_context_tokens, usd_per_mtok, effective_from, source)
           VALUES ($1,$2,$3,$4,$5,$6,$7)
           ON CONFLICT (provider, model, token_class, min_context_tokens, effective_from)
           DO UPDATE SET usd_per_mtok = excluded.usd_per_mtok, source = excluded.source`,
          [e.provider, e.model, cls, ctx, rate, eff, source],
        );
        n++;
      }
      if (e.maxOut) {
        // The model's output limit rides in the same table (token class
        // max_output_tokens) so spend controls can bound worst cases.
        await tx.run(
          `INSERT INTO model_pricing
             (provider, model, token_class, min_context_tokens, usd_per_mtok, effective_from, source)
           VALUES ($1,$2,'max_output_tokens',0,$3,$4,$5)
           ON CONFLICT (provider, model, token_class, min_context_tokens, effective_from)
           DO UPDATE SET usd_per_mtok = excluded.usd_per_mtok`,
          [e.provider, e.model, String(e.maxOut), eff, source],
        );
      }
    }
  });
  return { file, models: entries.length, rows: n, skipped, effectiveFrom: eff };
}
