import type { Migration } from './index.js';

/**
 * What a hard budget's guarantee needs visible per call in the ledger: a call admitted
 * for a model without a price (budget.unpricedModels = allow) and a call whose exact cost
 * came out above its reservation (the provider counted more than the bound). Both are
 * counted per budget by "oco budgets list" and the admin API, whatever the counter backend.
 */
export const spendGuarantees: Migration = {
  version: 7,
  name: 'spend_events: unpriced calls and reservation overshoots',
  up: `
ALTER TABLE spend_events ADD COLUMN unpriced {{bool}} NOT NULL DEFAULT {{false}};
ALTER TABLE spend_events ADD COLUMN overshoot_usd {{money}};
`,
};
