import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFocusFile } from '../../src/core/cloud-costs/import.js';
import { summarise, summarySql } from '../../src/core/cloud-costs/report.js';
import { generateFocusCsv, unitsToDecimal, type GeneratedTotals } from '../../bench/ingest/generate.js';
import { Money } from '../../src/core/base/money.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

/** The groupings reports run over a date window: each must read the rollup through an index, never scan cloud_costs. */
const REPORT_GROUPINGS = ['service', 'account', 'region', 'tag:team', 'provider', 'day'];
/** A week of the generated month. */
const WEEK = { from: '2026-06-08', to: '2026-06-15' };

async function plan(store: Store, by: string, window: { from: string; to: string }): Promise<string> {
  const { sql, params } = summarySql(store.dialect, { by, window, metric: 'effective' });
  if (store.engine === 'sqlite')
    return (await store.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((r) => r.detail).join(' | ');
  return (await store.all<Record<string, string>>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join(' | ');
}

/**
 * A generated 1,000,000-row FOCUS file streamed into each engine: every row arrives, the sum is
 * exact to the last of its 10 decimal places, the heap stays bounded (the file is ~250 MB), and
 * the summaries reports run over a window read cloud_costs_daily through its usage_date index.
 * Throughput is the benchmark's business (bench/ingest), not a timed assertion here.
 */
describe('a 1,000,000-row FOCUS file', () => {
  let home: TempHome;
  let file: string;
  let totals: GeneratedTotals;
  beforeAll(async () => {
    home = tempHome();
    file = join(home.path, 'million.csv.gz');
    totals = await generateFocusCsv(file, 1_000_000, { seed: 99 });
  }, 120_000);
  afterAll(() => home?.cleanup());

  describe.each(BACKENDS)('on $name', (backend) => {
    describe.skipIf(!backend.available())('', () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      beforeAll(async () => ({ store, cleanup } = await backend.open()));
      afterAll(async () => cleanup?.());

      it('streams in with an exact total', { timeout: 300_000 }, async () => {
        let peakHeap = 0;
        const r = await importFocusFile(store, file, {
          onRows: () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
        });
        expect(r.rows).toBe(1_000_000);
        const s = await summarise(store, { by: 'provider', metric: 'billed' });
        expect(s.total.rows).toBe(1_000_000);
        expect(s.total.byCurrency.USD).toBe(new Money(unitsToDecimal(totals.billedUnits)).toFixed());
        // Streaming: the heap never holds more than a few batches, far below the file's size.
        expect(peakHeap).toBeLessThan(200 * 1024 * 1024);
      });

      it(
        "summaries over a window use the rollup's index; the same grouping over cloud_costs would scan it",
        { timeout: 120_000 },
        async () => {
          for (const by of REPORT_GROUPINGS) {
            const p = await plan(store, by, WEEK);
            expect(p, by).toMatch(/cloud_costs_daily_day/);
            expect(p, by).not.toMatch(/\bcloud_costs\b(?!_daily)/);
          }
          // What the rollup replaces: a grouping only cloud_costs holds reads the raw rows (all of them, through the
          // table or the resource index the report's drill-down uses), never the rollup.
          const resource = await plan(store, 'resource', WEEK);
          expect(resource).toMatch(/\bcloud_costs\b(?!_daily)/);
          expect(resource).not.toMatch(/cloud_costs_daily/);
          const n = Number((await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs_daily'))!.n);
          expect(n).toBeLessThan(1_000_000 / 50);
        },
      );
    });
  });
});
