/**
 * The stored side of provider recommendation imports: imported_recommendations (migration 0018), replaced
 * per source in one transaction, and the `provider-recommendations` rule that yields them to the run. Apart
 * from imports.ts so that the recommendation run loads no cloud SDK.
 */
import { money } from '../../base/money.js';
import type { Candidate, Rule } from '../../base/recommend/model.js';
import type { Store } from '../../base/store/types.js';

/** Replaces a source's imported rows with `candidates` in one transaction. */
export async function replaceImported(
  store: Store,
  s: { source: string; provider: string },
  candidates: readonly Candidate[],
  fetchedAt: Date,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.run('DELETE FROM imported_recommendations WHERE source = $1', [s.source]);
    for (const c of candidates) {
      await tx.run(
        `INSERT INTO imported_recommendations (source, provider, account_id, resource_id, action, currency,
           monthly_savings, candidate, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          s.source,
          s.provider,
          c.account,
          c.resourceId,
          c.action,
          c.currency,
          c.monthlySavings,
          {
            ...c,
            source: c.source ?? s.source,
            monthlySavings: c.monthlySavings?.toFixed() ?? null,
            keyFigure: c.keyFigure.toFixed(),
          },
          fetchedAt,
        ],
      );
    }
  });
}

type StoredCandidate = Omit<Candidate, 'monthlySavings' | 'keyFigure'> & {
  monthlySavings: string | null;
  keyFigure: string;
};

/** Every stored imported candidate, in import order. */
export async function importedCandidates(store: Store): Promise<Candidate[]> {
  const rows = await store.all<{ candidate: string | StoredCandidate; fetched_at: string | Date }>(
    'SELECT candidate, fetched_at FROM imported_recommendations ORDER BY id',
  );
  return rows.map((r) => {
    const c = (typeof r.candidate === 'string' ? JSON.parse(r.candidate) : r.candidate) as StoredCandidate;
    const fetchedAt = typeof r.fetched_at === 'string' ? r.fetched_at : r.fetched_at.toISOString();
    return {
      ...c,
      monthlySavings: c.monthlySavings === null ? null : money(c.monthlySavings),
      keyFigure: money(c.keyFigure),
      evidence: { ...c.evidence, importedAt: fetchedAt },
    };
  });
}

/** The rule row that hands the imported recommendations to the run: no network, no thresholds (the provider's). */
export const providerRecommendationsRule: Rule = {
  id: 'provider-recommendations',
  domain: 'cloud',
  action: 'rightsize',
  description:
    "The providers' own recommendations, as last imported (AWS Cost Optimization Hub, Azure Advisor, GCP " +
    'Recommender).',
  thresholds: [],
  evaluate: (store) => importedCandidates(store),
};
