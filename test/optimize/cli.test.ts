import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { costLines, daysBefore } from './helpers.js';

/** `oco optimize` as a user runs it: the built CLI on an isolated OCO_HOME with an idle IP and an m4 instance. */
describe('oco optimize', () => {
  let home: TempHome;
  const oco = (...args: string[]) => runOco(args, { home: home.path });
  const today = new Date().toISOString().slice(0, 10);
  const days = Array.from({ length: 30 }, (_, i) => daysBefore(today, 30 - i));

  beforeAll(async () => {
    home = tempHome();
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    await migrate(store);
    await costLines(store, days, {
      resourceId: 'eipalloc-1',
      sku: 'USE1-ElasticIP:IdleAddress',
      unit: 'Hrs',
      cost: '0.12',
    });
    await costLines(store, days, { resourceId: 'i-old', sku: 'USE1-BoxUsage:c4.large', unit: 'Hrs', cost: '2.4' });
    await store.close();
  });
  afterAll(() => home.cleanup());

  it('runs, reports as a table, JSON and CSV, and a re-run does not duplicate', async () => {
    const first = await oco('optimize', 'run', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ created: 2, open: 2, days: 30 });
    expect((await oco('optimize', 'run', '--json')).json()).toMatchObject({ created: 0, updated: 2, open: 2 });

    const table = await oco('optimize', 'report');
    expect(table.code, table.stderr).toBe(0);
    // c4: 2.4 × 30 = 72 a month, c6i lists 15 % cheaper: 10.8; the idle IP 0.12 × 14 × 30/14 = 3.6.
    expect(table.stdout).toContain('10.8 USD');
    expect(table.stdout).toContain('3.6 USD');
    expect(table.stdout).toContain('2 recommendations, 14.4 USD a month.');

    const json = (await oco('optimize', 'report', '--json')).json();
    expect(json.totalMonthlySavings).toEqual({ USD: '14.4' });
    expect(json.recommendations.map((r: { action: string }) => r.action)).toEqual(['upgrade-generation', 'delete']);
    expect((await oco('optimize', 'report', '--min-savings', '5', '--json')).json().recommendations).toHaveLength(1);
    expect((await oco('optimize', 'report', '--provider', 'gcp', '--json')).json().recommendations).toEqual([]);

    const csv = await oco('optimize', 'report', '--csv');
    expect(csv.code).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.resourceId, r.monthlySavings, r.currency, r.restartNeeded])).toEqual([
      ['i-old', '10.8', 'USD', 'true'],
      ['eipalloc-1', '3.6', 'USD', 'false'],
    ]);
  });

  it('accepts and dismisses by id with a reason; the history says so', async () => {
    const [old, ip] = (await oco('optimize', 'report', '--json')).json().recommendations as Array<{ id: string }>;
    const accepted = await oco('optimize', 'accept', old!.id, '--reason', 'move planned', '--json');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.json()).toMatchObject({ status: 'accepted', statusReason: 'move planned' });
    expect(accepted.json().history.map((h: { status: string }) => h.status)).toEqual(['open', 'accepted']);
    const dismissed = await oco('optimize', 'dismiss', ip!.id);
    expect(dismissed.code).toBe(0);
    expect(dismissed.stdout).toContain(`${ip!.id} dismissed`);
    // Open only, by default; every status on request.
    expect((await oco('optimize', 'report', '--json')).json().recommendations).toEqual([]);
    const all = (await oco('optimize', 'report', '--status', 'all', '--json')).json().recommendations;
    expect(all.map((r: { status: string }) => r.status).sort()).toEqual(['accepted', 'dismissed']);
    // A re-run keeps both where they are.
    await oco('optimize', 'run');
    const again = (await oco('optimize', 'report', '--status', 'accepted,dismissed', '--json')).json().recommendations;
    expect(again.map((r: { status: string }) => r.status).sort()).toEqual(['accepted', 'dismissed']);
  });

  it('bad input exits with the documented codes, naming the flag or id', async () => {
    const min = await oco('optimize', 'report', '--min-savings', 'ten');
    expect(min.code).toBe(2);
    expect(min.stderr).toContain('--min-savings must be a non-negative amount');
    const status = await oco('optimize', 'report', '--status', 'closed');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status must be all or a list of open, accepted, dismissed, resolved');
    const missing = await oco('optimize', 'accept', 'rec_missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no recommendation "rec_missing"');
    const days = await oco('optimize', 'run', '--days', '0');
    expect(days.code).toBe(2);
  });
});
