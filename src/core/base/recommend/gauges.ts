import type { StoredGaugeSource } from '../metrics/stored.js';

/** Open recommendations and their estimated monthly savings (USD where known), per provider. */
export const recommendationGauges: StoredGaugeSource = {
  name: 'recommendations',
  gauges: [
    {
      name: 'recommendations_open',
      help: 'Open optimization recommendations, per provider.',
      labelNames: ['provider'],
    },
    {
      name: 'recommendations_monthly_savings_usd',
      help: 'Estimated monthly savings of the open recommendations whose saving is known in USD, per provider.',
      labelNames: ['provider'],
    },
  ],
  async read(store) {
    const rows = await store.all<{ provider: string; n: number | string; savings: string | null }>(
      `SELECT provider, COUNT(*) AS n, ${store.dialect.sumMoney('estimated_monthly_savings_usd')} AS savings
       FROM optimization_recommendations WHERE status = 'open' GROUP BY provider`,
    );
    return {
      recommendations_open: rows.map((r) => ({ labels: { provider: r.provider }, value: Number(r.n) })),
      recommendations_monthly_savings_usd: rows.map((r) => ({
        labels: { provider: r.provider },
        value: r.savings === null ? 0 : Number(r.savings),
      })),
    };
  },
};
