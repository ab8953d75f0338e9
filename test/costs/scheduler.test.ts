import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { listRuns, startRun } from '../../src/core/cloud-costs/runs.js';
import {
  parseEvery,
  setSchedule,
  startCostScheduler,
  type SchedulerLogger,
} from '../../src/core/cloud-costs/scheduler.js';
import type { Store } from '../../src/core/base/store/types.js';
import { pagesFromRecords, startFakeCostExplorer, type FakeCostExplorer } from '../fakes/aws/cost-explorer.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

const AKID = 'AKIASCHEDULERTEST001';
const SECRET = 'scheduler-secret';

describe('cost scheduler', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let fake: FakeCostExplorer;
  let home: TempHome;
  const saved = { ...process.env };
  const logs: Array<[string, string, Record<string, unknown>]> = [];
  const logger: SchedulerLogger = {
    info: (d, m) => logs.push(['info', m, d]),
    warn: (d, m) => logs.push(['warn', m, d]),
    error: (d, m) => logs.push(['error', m, d]),
  };

  beforeAll(async () => {
    ({ store, cleanup } = await BACKENDS[0]!.open());
    const recs = ['2026-05-01', '2026-05-02', '2026-05-03'].flatMap((day, d) =>
      [0, 1].map((i) => ({
        day,
        service: 'AWS Lambda',
        account: `00000000000${i}`,
        unblended: `${d}.${i}5`,
        amortized: `${d}.${i}5`,
        usage: '1',
      })),
    );
    fake = await startFakeCostExplorer({
      credentials: { [AKID]: SECRET },
      pages: { GetCostAndUsage: pagesFromRecords(recs, 4) },
    });
    home = tempHome();
    Object.assign(process.env, {
      OCO_HOME: home.path,
      AWS_ACCESS_KEY_ID: AKID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_ENDPOINT_URL_COST_EXPLORER: fake.url,
      AWS_CONFIG_FILE: '/nonexistent/c',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/c',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await fake?.close();
    await cleanup?.();
    home?.cleanup();
  });

  it('parses periods and refuses nonsense', () => {
    expect(parseEvery('6h')).toBe(21_600);
    expect(parseEvery('30m')).toBe(1800);
    expect(parseEvery('1d')).toBe(86_400);
    expect(() => parseEvery('10s')).toThrow(/too often/);
    expect(() => parseEvery('six hours')).toThrow(/not a duration/);
  });

  it('runs a due provider, skips one whose last run is still going, records each run', async () => {
    let now = new Date('2026-05-03T12:00:00Z');
    const config = OcoConfig.load({ env: process.env });
    await setSchedule(store, { provider: 'aws', everySeconds: 6 * 3600, lookbackDays: 2 });
    const ingested: string[] = [];
    const scheduler = startCostScheduler(config, store, {
      logger,
      tickMs: 3_600_000,
      now: () => now,
      onIngested: (provider) => ingested.push(provider),
    });
    try {
      // Another process is ingesting AWS right now: the scheduler must not start a second run.
      const busy = await startRun(store, {
        source: 'aws',
        provider: 'aws',
        window: { from: '2026-05-01', to: '2026-05-04' },
      });
      await store.run('UPDATE ingest_runs SET started_at = $1 WHERE id = $2', [new Date('2026-05-03T11:30:00Z'), busy]);
      expect((await scheduler.tick()).map((r) => r.action)).toEqual(['skipped-running']);
      expect(fake.requests).toHaveLength(0);
      expect(logs.at(-1)).toEqual(['info', 'cost ingest skipped: the last run is still going', { provider: 'aws' }]);

      // That run is 7 hours old and never finished (its process died): stale, so the schedule runs.
      now = new Date('2026-05-03T18:31:00Z');
      const ran = await scheduler.tick();
      expect(ran.map((r) => r.action)).toEqual(['ran']);
      expect(ran[0]!.summary!.window).toEqual({ from: '2026-05-01', to: '2026-05-04' });
      expect(ran[0]!.summary!.providers[0]).toMatchObject({ status: 'succeeded', rows: 6, requests: 2 });
      // The daemon's recommendation run hangs off this: once per ingest that wrote data.
      expect(ingested).toEqual(['aws']);

      // Run records carry the wall clock; put this one on the test's clock.
      await store.run('UPDATE ingest_runs SET started_at = $1 WHERE id = $2', [
        now,
        ran[0]!.summary!.providers[0]!.runId,
      ]);
      // Just ran: not due again until 6 hours later.
      now = new Date('2026-05-03T23:00:00Z');
      expect((await scheduler.tick()).map((r) => r.action)).toEqual(['not-due']);
      now = new Date('2026-05-04T01:00:00Z');
      await expect(scheduler.tick()).resolves.toMatchObject([{ provider: 'aws' }]);
      const runs = await listRuns(store, { source: 'aws' });
      expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded', 'running']);
      // 2026-05-04 run asked for 05-02..05-04 and the fake answers 05-01 too: refused, nothing written, recorded as failed.
      expect(runs[0]!.error).toContain('OCO_INGEST_OUT_OF_WINDOW');
      expect(ingested).toEqual(['aws']);
      expect(Number((await store.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM cloud_costs'))!.n)).toBe(6);
    } finally {
      await scheduler.stop();
    }
  });

  it("takes the daemon's pino logger as it is", async () => {
    const lines: string[] = [];
    const daemonLogger: SchedulerLogger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const scheduler = startCostScheduler(OcoConfig.load({ env: process.env }), store, {
      logger: daemonLogger,
      tickMs: 3_600_000,
    });
    await scheduler.stop();
    daemonLogger.info({ provider: 'aws' }, 'cost ingest skipped: the last run is still going');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      provider: 'aws',
      msg: 'cost ingest skipped: the last run is still going',
    });
  });

  it('schedule set/show through the CLI', async () => {
    const h = tempHome();
    try {
      const set = await runOco(['costs', 'schedule', 'set', '--every', '6h', '--json'], { home: h.path });
      expect(set.code).toBe(0);
      expect(set.json().schedule).toMatchObject({ provider: 'all', everySeconds: 21_600, lookbackDays: 3 });
      const bad = await runOco(['costs', 'schedule', 'set', '--every', '5s'], { home: h.path });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('too often');
      const show = await runOco(['costs', 'schedule', 'show'], { home: h.path });
      expect(show.stdout).toMatch(/all\s+6h\s+3d/);
    } finally {
      h.cleanup();
    }
  });
});
