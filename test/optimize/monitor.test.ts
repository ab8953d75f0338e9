import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { money } from '../../src/core/base/money.js';
import type { Candidate, Rule } from '../../src/core/base/recommend/model.js';
import { startRecommendationMonitor } from '../../src/core/base/recommend/monitor.js';
import { listRecommendations } from '../../src/core/base/recommend/service.js';
import type { RunResult } from '../../src/core/base/recommend/service.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

const found: Candidate = {
  provider: 'aws',
  account: '1',
  resourceId: 'i-1',
  resourceType: 'instance',
  region: null,
  action: 'stop',
  title: 'Stop i-1',
  rationale: 'idle',
  currency: 'USD',
  monthlySavings: money('3'),
  keyFigure: money('3'),
  confidence: 0.7,
  effort: 'low',
  restartNeeded: false,
  rollbackPossible: true,
  evidence: {},
};

/** The daemon's runner: a trigger (after an ingest) runs the rules once; triggers during a run do not pile up. */
describe('recommendation monitor', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let home: TempHome;
  beforeAll(async () => {
    ({ store, cleanup } = await BACKENDS[0]!.open());
    home = tempHome();
  });
  afterAll(async () => {
    await cleanup?.();
    home?.cleanup();
  });

  it('runs when triggered, never two at once, with thresholds from configuration', async () => {
    let evaluations = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: Array<string | number | undefined> = [];
    const rule: Rule = {
      id: 'slow',
      domain: 'cloud',
      action: 'stop',
      description: 'slow',
      thresholds: ['optimize.idleDays'],
      async evaluate(_store, ctx) {
        evaluations++;
        seen.push(ctx.setting('optimize.idleDays'), ctx.days);
        await gate;
        return [found];
      },
    };
    const config = OcoConfig.load({ env: { OCO_HOME: home.path, OCO_OPTIMIZE_IDLE_DAYS: '9' } });
    const runs: RunResult[] = [];
    const monitor = startRecommendationMonitor(store, [rule], config, {
      intervalMs: 3_600_000,
      firstRunMs: 3_600_000,
      onRun: (r) => runs.push(r),
    });
    try {
      monitor.trigger();
      monitor.trigger();
      monitor.trigger();
      release();
      await new Promise((r) => setTimeout(r, 200));
      expect(evaluations).toBe(1);
      expect(seen).toEqual([9, 30]);
      expect(runs).toMatchObject([{ created: 1, open: 1 }]);
      expect((await listRecommendations(store)).map((r) => r.resourceId)).toEqual(['i-1']);
    } finally {
      await monitor.stop();
    }
  });
});
