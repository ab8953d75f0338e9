import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFocusFile } from '../../src/core/cloud-costs/import.js';
import { summarise } from '../../src/core/cloud-costs/report.js';
import { generateFocusCsv, unitsToDecimal } from '../../bench/ingest/generate.js';
import { Money } from '../../src/core/base/money.js';
import { tempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

/**
 * A generated 1,000,000-row FOCUS file streamed into SQLite: every row arrives, the sum is
 * exact to the last of its 10 decimal places, and the heap stays bounded (the file is ~250 MB).
 * Throughput is the benchmark's business (bench/ingest), not a timed assertion here.
 */
describe('a 1,000,000-row FOCUS file', () => {
  it('streams into SQLite with an exact total', { timeout: 240_000 }, async () => {
    const home = tempHome();
    const { store, cleanup } = await BACKENDS[0]!.open();
    try {
      const file = join(home.path, 'million.csv.gz');
      const totals = await generateFocusCsv(file, 1_000_000, { seed: 99 });
      let peakHeap = 0;
      const r = await importFocusFile(store, file, { onRows: () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)) });
      expect(r.rows).toBe(1_000_000);
      const s = await summarise(store, { by: 'provider', metric: 'billed' });
      expect(s.total.rows).toBe(1_000_000);
      expect(s.total.byCurrency.USD).toBe(new Money(unitsToDecimal(totals.billedUnits)).toFixed());
      // Streaming: the heap never holds more than a few batches, far below the file's size.
      expect(peakHeap).toBeLessThan(200 * 1024 * 1024);
    } finally {
      await cleanup();
      home.cleanup();
    }
  });
});
