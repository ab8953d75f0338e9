import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';

/** `oco anomalies` as a user runs it: the built CLI on an isolated OCO_HOME with 45 days of cloud costs. */
describe('oco anomalies', () => {
  let home: TempHome;
  const oco = (...args: string[]) => runOco(args, { home: home.path });
  const yesterday = dayAfter(new Date().toISOString().slice(0, 10), -1);
  const spike = dayAfter(yesterday, -3);

  beforeAll(async () => {
    home = tempHome();
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    await migrate(store);
    for (let i = 44; i >= 0; i--) {
      const day = dayAfter(yesterday, -i);
      await store.run(
        `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, sub_account_id, billing_currency,
           billed_cost, effective_cost, row_count)
         VALUES ($1, 'gcp:billing', 'gcp', 'Compute Engine', 'proj-a', 'EUR', $2, $2, 1)`,
        [day, day === spike ? '900.5' : '300'],
      );
    }
    await store.close();
  });
  afterAll(() => home.cleanup());

  it('prints the anomaly in a table and as JSON, in the series currency', async () => {
    const table = await oco('anomalies', '--since', '14d');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/spike/);
    expect(table.stdout).toContain('600.5 EUR');
    const json = (await oco('anomalies', '--since', '14d', '--json')).json();
    expect(json.anomalies).toMatchObject([
      {
        domain: 'cloud',
        kind: 'spike',
        firstDay: spike,
        labels: { provider: 'gcp', account: 'proj-a', service: 'Compute Engine' },
        actual: '900.5',
        expected: '300',
        impact: '600.5',
        currency: 'EUR',
      },
    ]);
    // A higher minimum impact, or only LLM spend: nothing.
    expect((await oco('anomalies', '--since', '14d', '--min-impact', '1000', '--json')).json().anomalies).toEqual([]);
    const llm = await oco('anomalies', '--domain', 'llm');
    expect(llm.code).toBe(0);
    expect(llm.stdout).toMatch(/No anomalies from .* daily series checked/);
  });

  it('bad flags exit 2 naming the flag', async () => {
    const since = await oco('anomalies', '--since', '12h');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be whole days back');
    const impact = await oco('anomalies', '--min-impact', '-5');
    expect(impact.code).toBe(2);
    expect(impact.stderr).toContain('--min-impact must be a non-negative amount');
  });
});
