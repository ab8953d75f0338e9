import { snakeCaseKeys } from '../../base/json-keys.js';
import { arr, obj, op, queryParam, type RouteDocs } from '../../base/openapi.js';
import type { Store } from '../../base/store/types.js';
import { bodyObject, guarded } from '../proxy/admin-errors.js';
import type { AdminRoute } from '../proxy/admission.js';
import type { PriceBook } from './book.js';
import { parsePriceInput, RATE_FLAGS } from './input.js';
import { importLiteLlmData, priceTable, setPrice } from './service.js';
import { parseTimeOrDuration } from '../usage/time.js';

/**
 * Prices on the admin API, the same services and validation as `oco pricing list|set|import`:
 * `GET /api/v1/pricing`, `POST /api/v1/pricing` (the flags of `pricing set` as body fields, `-` or `_`, plus
 * `model`), `POST /api/v1/pricing/import?effective_from=…&name=…` with LiteLLM's
 * model_prices_and_context_window.json as the body. The daemon re-reads stored prices on its price-reload timer, so
 * a change made here prices calls as one made by the CLI does.
 */
export function pricingAdminRoutes(store: Store, prices: () => PriceBook): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/pricing\/?$/,
      handle: guarded(async () => ({
        status: 200,
        body: snakeCaseKeys({ models: priceTable(prices(), new Date()) }),
      })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/pricing\/?$/,
      handle: guarded(async ({ body }) => {
        const b = bodyObject(body);
        // The body spells flags either way (cached_input, cached-input); the one parser reads the CLI's.
        const input = Object.fromEntries(
          Object.entries(b).map(([k, v]) => [k === 'model' ? k : k.replace(/_/g, '-'), v]),
        );
        return { status: 201, body: snakeCaseKeys(await setPrice(store, parsePriceInput(input))) };
      }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/pricing\/import\/?$/,
      handle: guarded(async ({ query, body }) => {
        const eff = query.get('effective_from');
        const name = query.get('name') ?? 'model_prices_and_context_window.json';
        const effectiveFrom = eff ? parseTimeOrDuration(eff, 'effective-from', 'past') : new Date();
        return { status: 200, body: snakeCaseKeys(await importLiteLlmData(store, body, name, effectiveFrom)) };
      }),
    },
  ];
}

const PRICE_ROW = obj(
  '`oco pricing get --json` current row in snake_case: provider, model, prices per 1M tokens, tiers',
);

export const pricingRouteDocs: RouteDocs = {
  '/api/v1/pricing': {
    get: op('get', {
      id: 'listPrices',
      tag: 'pricing',
      summary: "The gateway's price table in force now (oco pricing list)",
      ok: obj('prices', { models: arr('one row per model', PRICE_ROW) }),
    }),
    post: op('post', {
      id: 'setPrice',
      tag: 'pricing',
      summary: "Set a model's price from a date on, USD per 1M tokens (oco pricing set)",
      body: {
        ...obj(
          'model plus the flags of oco pricing set; classes not given keep their current rate',
          Object.fromEntries([
            ['model', { type: 'string' }],
            ['provider', { type: 'string', description: "openai, anthropic, gemini or an upstream's name (guessed)" }],
            ...RATE_FLAGS.map(([flag]) => [flag.replace(/-/g, '_'), { type: ['string', 'number'] }]),
            ['min_context', { type: 'integer', minimum: 0, description: 'tier: prompts above this many tokens' }],
            ['effective_from', { type: 'string', description: 'ISO-8601 time or a duration back (default now)' }],
          ]),
        ),
        required: ['model'],
      },
      ok: PRICE_ROW,
      okStatus: 201,
    }),
  },
  '/api/v1/pricing/import': {
    post: op('post', {
      id: 'importPrices',
      tag: 'pricing',
      summary:
        "Import LiteLLM's model_prices_and_context_window.json (the body) as a dated version (oco pricing import)",
      params: [
        queryParam('effective_from', 'ISO-8601 time or a duration back the prices apply from (default now)'),
        queryParam('name', 'the file name recorded as the source (default model_prices_and_context_window.json)'),
      ],
      body: obj('LiteLLM model_prices_and_context_window.json: an object keyed by model name'),
      ok: obj('`oco pricing import --json` in snake_case', {
        models: { type: 'integer' },
        rows: { type: 'integer' },
        skipped: arr('models left out and why'),
        effective_from: { type: 'string' },
      }),
    }),
  },
};
