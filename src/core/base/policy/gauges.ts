import type { StoredGaugeSource } from '../metrics/stored.js';
import { SEVERITIES } from './types.js';

/** Open policy violations per severity; every severity is present (0 when none), so alerts can compare. */
export const policyGauges: StoredGaugeSource = {
  name: 'policy',
  gauges: [
    {
      name: 'policy_violations_open',
      help: 'Open governance policy violations, per severity.',
      labelNames: ['severity'],
    },
  ],
  async read(store) {
    const rows = await store.all<{ severity: string; n: number | string }>(
      `SELECT severity, COUNT(*) AS n FROM policy_violations WHERE status = 'open' GROUP BY severity`,
    );
    const counts = new Map(rows.map((r) => [r.severity, Number(r.n)]));
    return {
      policy_violations_open: SEVERITIES.map((severity) => ({
        labels: { severity },
        value: counts.get(severity) ?? 0,
      })),
    };
  },
};
