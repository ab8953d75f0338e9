import type { Migration } from './index.js';

/**
 * Request quotas: a `requests` rate limit counts calls per budget period (period, timezone; window_seconds holds a
 * rolling period's window), enforced through the budget ledger. NULL for the sliding-window kinds.
 *
 * Rate limits narrowed to a provider and/or a model (`oco limits create --model gpt-4o`), like budgets. The
 * narrowing is part of a limit's identity, so one team can hold a general rpm limit and a stricter one for an
 * expensive model. '' (not NULL) stands for "every provider / model": both engines treat NULLs as distinct in a
 * unique index, which would let the same limit be created twice.
 */
export const rateLimitNarrowing: Migration = {
  version: 26,
  name: 'rate_limits.provider, model, period, timezone',
  up: `
ALTER TABLE rate_limits ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE rate_limits ADD COLUMN model TEXT NOT NULL DEFAULT '';
ALTER TABLE rate_limits ADD COLUMN period TEXT;
ALTER TABLE rate_limits ADD COLUMN timezone TEXT;
DROP INDEX rate_limits_identity;
CREATE UNIQUE INDEX rate_limits_identity ON rate_limits (scope, entity_id, kind, provider, model);
`,
};
