import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { money } from '../../src/core/base/money.js';
import { buildReport, recentRequests } from '../../src/core/base/report/build.js';
import { period } from '../../src/core/base/report/period.js';
import { snakeCaseKeys } from '../../src/core/base/json-keys.js';
import type { Store } from '../../src/core/base/store/types.js';
import { reportAdminRoutes } from '../../src/daemon/report-route.js';
import { REPORT_SOURCES } from '../../src/daemon/report-sources.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { calls, FROM, LAST, MODELS, PREV_FROM, seed, TEAMS } from './seed.js';

/**
 * `oco report` over data written by the gateway's and the cloud importer's own writers: two weeks of LLM calls and
 * cloud costs (USD and EUR with a rate), and the two weeks before as the comparison period. Totals are checked
 * against `oco spend summary --json` and `oco costs summary --json` for the same days, to the last digit.
 */
describe.each(BACKENDS)('oco report ($name)', (backend) => {
  // each case runs the built CLI several times, each a few seconds on a loaded machine
  describe.skipIf(!backend.available())('against the summaries', { timeout: 180_000 }, () => {
    let store: Store;
    let url: string;
    let cleanup: () => Promise<void>;
    let home: TempHome;
    const env = () => (backend.name === 'postgres' ? { DATABASE_URL: url } : {});
    const oco = (...args: string[]) => runOco(args, { home: home.path, env: env() });

    beforeAll(async () => {
      home = tempHome();
      if (backend.name === 'sqlite') {
        const { SqliteStore } = await import('../../src/core/base/store/sqlite.js');
        const { migrate } = await import('../../src/core/base/store/migrate.js');
        store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
        await migrate(store);
        url = '';
        cleanup = () => store.close();
      } else {
        const opened = await backend.open();
        ({ store, url, cleanup } = opened);
      }
      await seed(store);
      const created = await oco(
        'budgets',
        'create',
        '--scope',
        'team',
        '--entity',
        'payments',
        '--limit',
        '10',
        '--create-entity',
      );
      expect(created.code, created.stderr).toBe(0);
    }, 60_000);

    afterAll(async () => {
      await cleanup();
      home.cleanup();
    });

    it('has the totals of oco spend summary and oco costs summary, to the last digit', async () => {
      const r = await oco('report', '--from', FROM, '--to', LAST, '--json');
      expect(r.code, r.stderr).toBe(0);
      const report = r.json();
      const spend = (
        await oco(
          'spend',
          'summary',
          '--since',
          FROM,
          '--until',
          `${dayAfter(LAST)}T00:00:00Z`,
          '--by',
          'team',
          '--json',
        )
      ).json();
      expect(report.views.llm.total.costUsd).toBe(spend.total.costUsd);
      expect(report.views.llm.total.requests).toBe(spend.total.requests);
      expect(report.views.llm.total.unpricedRequests).toBe(14);
      expect(report.views.llm.rows.map((x: any) => [x.key, x.costUsd, x.requests]).sort()).toEqual(
        spend.rows.map((x: any) => [x.key, x.costUsd, x.requests]).sort(),
      );
      const costs = (await oco('costs', 'summary', '--from', FROM, '--to', LAST, '--json')).json();
      expect(report.views.cloud.total.costUsd).toBe(costs.total.costUsd);
      expect(report.views.cloud.total.byCurrency).toEqual(
        Object.entries(costs.total.byCurrency)
          .map(([currency, amount]) => ({ currency, amount }))
          .sort((a, b) => a.currency.localeCompare(b.currency)),
      );
      expect(report.views.cloud.rows.map((x: any) => [x.key, x.costUsd])).toEqual(
        costs.rows.map((x: any) => [x.key, x.costUsd]),
      );
      // the previous period is the 14 days before, and the delta its exact difference
      const before = (await oco('costs', 'summary', '--from', PREV_FROM, '--to', dayAfter(FROM, -1), '--json')).json();
      expect(report.comparison.period).toEqual({ from: PREV_FROM, to: FROM, days: 14 });
      expect(report.views.cloud.total.previousCostUsd).toBe(before.total.costUsd);
      expect(report.views.cloud.total.deltaUsd).toBe(money(costs.total.costUsd).minus(before.total.costUsd).toFixed());
      // a sparkline point per day; the days sum to the total
      expect(report.views.cloud.daily).toHaveLength(14);
      expect(report.views.cloud.daily.reduce((s: any, d: any) => s.plus(d.costUsd), money(0)).toFixed()).toBe(
        costs.total.costUsd,
      );
      for (const row of report.views.llm.rows) {
        expect(row.trend).toHaveLength(14);
        expect(row.trend.reduce((s: any, d: string) => s.plus(d), money(0)).toFixed()).toBe(row.costUsd);
      }
      // EC2 in account 2222 tripled in the last week: the first mover by account
      const acct = (
        await oco('report', '--view', 'cloud', '--by', 'account', '--from', FROM, '--to', LAST, '--json')
      ).json();
      expect(acct.views.cloud.movers[0].key).toBe('2222');
      expect(money(acct.views.cloud.movers[0].deltaUsd).gt(0)).toBe(true);
      // the budget at 90 %
      expect(report.views.llm.budgets).toMatchObject([{ entityId: 'payments', spentUsd: '9', nearLimit: true }]);
    });

    it('cuts the LLM view by key and tag as spend summary does, and spend summary groups two levels', async () => {
      const until = `${dayAfter(LAST)}T00:00:00Z`;
      const inPeriod = calls().filter((c) => c.ts >= `${FROM}T00:00:00Z` && c.ts < until);
      const cost = (cs: UsageRecord[]) =>
        cs.reduce((m, c) => (c.costUsd === null ? m : m.plus(c.costUsd)), money(0)).toFixed();
      const expected: Record<string, Record<string, UsageRecord[]>> = {
        key: {
          '(none)': inPeriod.filter((c) => c.keyId === null),
          key_ci: inPeriod.filter((c) => c.keyId === 'key_ci'),
          key_web: inPeriod.filter((c) => c.keyId === 'key_web'),
        },
        tag: {
          '(untagged)': inPeriod.filter((c) => c.tags.length === 0),
          batch: inPeriod.filter((c) => c.tags.includes('batch')),
          eval: inPeriod.filter((c) => c.tags.includes('eval')),
        },
      };
      for (const by of ['key', 'tag']) {
        const llm = (await oco('report', '--view', 'llm', '--by', by, '--from', FROM, '--to', LAST, '--json')).json()
          .views.llm;
        const spend = (await oco('spend', 'summary', '--since', FROM, '--until', until, '--by', by, '--json')).json();
        const want = Object.entries(expected[by]!).map(([k, cs]) => [k, cost(cs), cs.length]);
        expect(llm.rows.map((x: any) => [x.key, x.costUsd, x.requests]).sort()).toEqual(want);
        expect(spend.rows.map((x: any) => [x.key, x.costUsd, x.requests]).sort()).toEqual(want);
        // every call once in the total, though a call with two tags is in two rows
        expect([llm.total.costUsd, llm.total.requests]).toEqual([cost(inPeriod), inPeriod.length]);
        expect([spend.total.costUsd, spend.total.requests]).toEqual([cost(inPeriod), inPeriod.length]);
        // the total's sparkline sums to the total, and each row's to the row
        expect(llm.total.trend.reduce((s: any, d: string) => s.plus(d), money(0)).toFixed()).toBe(cost(inPeriod));
        for (const row of llm.rows)
          expect(row.trend.reduce((s: any, d: string) => s.plus(d), money(0)).toFixed()).toBe(row.costUsd);
      }
      // a tag as a drill-down filter, then by key
      const batch = (
        await oco(
          'report',
          '--view',
          'llm',
          '--by',
          'key',
          '--where',
          'tag=batch',
          '--from',
          FROM,
          '--to',
          LAST,
          '--json',
        )
      ).json().views.llm;
      expect(batch.total.costUsd).toBe(cost(expected.tag!.batch!));

      const two = await oco('spend', 'summary', '--since', FROM, '--until', until, '--by', 'team,model', '--json');
      expect(two.code, two.stderr).toBe(0);
      const doc = two.json();
      expect([doc.groupBy, doc.thenBy]).toEqual(['team', 'model']);
      expect(doc.rows).toHaveLength(TEAMS.length * MODELS.length);
      for (const r of doc.rows) {
        const cs = inPeriod.filter((c) => c.teamId === r.key && c.model === r.subKey);
        expect([r.costUsd, r.requests, r.unpricedRequests]).toEqual([
          cost(cs),
          cs.length,
          cs.filter((c) => c.costUsd === null).length,
        ]);
      }
      expect([doc.total.costUsd, doc.total.requests]).toEqual([cost(inPeriod), inPeriod.length]);
      const text = await oco('spend', 'summary', '--since', FROM, '--until', until, '--by', 'team,model');
      expect(text.stdout).toMatch(/team\s+model/i);
      for (const bad of ['team,team', 'team,nope', 'team,model,agent']) {
        const r = await oco('spend', 'summary', '--by', bad);
        expect(r.code, bad).toBe(2);
        expect(r.stderr).toContain('--by');
      }
    });

    it('drills down team → agent → model, and provider → service → account → resource', async () => {
      const team = (
        await oco('report', '--view', 'llm', '--from', FROM, '--to', LAST, '--where', 'team=payments', '--json')
      ).json().views.llm;
      expect(team.by).toBe('agent');
      expect(team.next).toBe('model');
      const direct = (await oco('report', '--view', 'llm', '--from', FROM, '--to', LAST, '--json'))
        .json()
        .views.llm.rows.find((x: any) => x.key === 'payments');
      expect(team.total.costUsd).toBe(direct.costUsd);
      const model = (
        await oco(
          'report',
          '--view',
          'llm',
          '--from',
          FROM,
          '--to',
          LAST,
          '--where',
          'team=payments',
          '--where',
          'agent=bot',
          '--json',
        )
      ).json().views.llm;
      expect(model.by).toBe('model');
      expect(model.next).toBeNull();
      const resource = (
        await oco(
          'report',
          '--view',
          'cloud',
          '--from',
          FROM,
          '--to',
          LAST,
          '--where',
          'provider=aws',
          '--where',
          'service=Amazon EC2',
          '--where',
          'account=2222',
          '--json',
        )
      ).json().views.cloud;
      expect(resource.by).toBe('resource');
      // resources have no daily rollup: their trend is unknown, not 0
      expect(resource.rows[0].trend.every((t: unknown) => t === null)).toBe(true);
      const byAccount = (
        await oco(
          'report',
          '--view',
          'cloud',
          '--from',
          FROM,
          '--to',
          LAST,
          '--where',
          'provider=aws',
          '--where',
          'service=Amazon EC2',
          '--json',
        )
      ).json().views.cloud;
      expect(resource.total.costUsd).toBe(byAccount.rows.find((x: any) => x.key === '2222').costUsd);
    });

    it('pages the calls under a drill-down path with a cursor: no gaps, no duplicates', async () => {
      const all = await store.all<{ id: string }>(`SELECT id FROM api_requests WHERE team_id = 'search' ORDER BY id`);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const p = await recentRequests(store, REPORT_SOURCES, [{ by: 'team', key: 'search' }], { limit: 7, cursor });
        seen.push(...p.requests.map((q) => q.id));
        for (const q of p.requests) expect(q.teamId).toBe('search');
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(all.map((a) => a.id));
      // the command prints the same first page and the cursor to the next
      const cli = (
        await oco('report', '--view', 'llm', '--where', 'team=search', '--recent', '--limit', '7', '--json')
      ).json();
      expect(cli.requests.map((q: any) => q.id)).toEqual(seen.slice(0, 7));
    });

    it('prints the same numbers as CSV (RFC 4180) and Markdown, with signed deltas', async () => {
      const json = (await oco('report', '--from', FROM, '--to', LAST, '--json')).json();
      const csv = await oco('report', '--from', FROM, '--to', LAST, '--csv');
      expect(csv.code, csv.stderr).toBe(0);
      const records: string[][] = parse(csv.stdout, { relax_column_count: false });
      expect(records[0]).toEqual(['view', 'section', 'key', 'field', 'value']);
      const cell = (view: string, section: string, key: string, field: string) =>
        records.find((r) => r[0] === view && r[1] === section && r[2] === key && r[3] === field)?.[4];
      expect(cell('llm', 'total', '', 'costUsd')).toBe(json.views.llm.total.costUsd);
      expect(cell('cloud', 'total', '', 'costUsd')).toBe(json.views.cloud.total.costUsd);
      expect(cell('cloud', 'total', '', 'cost.EUR')).toBe(
        json.views.cloud.total.byCurrency.find((a: any) => a.currency === 'EUR').amount,
      );
      expect(cell('llm', 'rows', 'payments', 'deltaUsd')).toBe(
        json.views.llm.rows.find((x: any) => x.key === 'payments').deltaUsd,
      );
      const md = await oco('report', '--from', FROM, '--to', LAST, '--markdown');
      expect(md.code, md.stderr).toBe(0);
      const llm = json.views.llm.total;
      // more calls this period than the last: a positive delta, shown with its sign
      expect(money(llm.deltaUsd).gt(0)).toBe(true);
      expect(md.stdout).toContain(`## Cost report: ${FROM} to ${LAST}`);
      expect(md.stdout).toContain(`**Total: ${llm.costUsd} USD** (+${llm.deltaUsd} USD, +${llm.deltaPct} %`);
      expect(md.stdout).toContain('#### Budgets near their limit (≥ 80 %)');
      expect(md.stdout).toMatch(/\| team:payments \| 9 \| 10 \| 90 % \|/);
      const payments = json.views.llm.rows.find((x: any) => x.key === 'payments');
      expect(md.stdout).toContain(`| payments | ${payments.costUsd} | +${payments.deltaUsd} |`);
      const text = await oco('report', '--from', FROM, '--to', LAST);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('LLM spend (USD) by team');
      expect(text.stdout).toContain(llm.costUsd);
    });

    it('compares with a saved report, and refuses a wrong file naming the file and the field', async () => {
      const saved = join(home.path, 'before.json');
      const w = await oco('report', '--from', PREV_FROM, '--to', dayAfter(FROM, -1), '--json', '--output', saved);
      expect(w.code, w.stderr).toBe(0);
      const now = (await oco('report', '--from', FROM, '--to', LAST, '--json')).json();
      const vs = (await oco('report', '--from', FROM, '--to', LAST, '--compare-to', saved, '--json')).json();
      // against the saved previous period: the same deltas as the default comparison
      expect(vs.comparison).toMatchObject({ kind: 'file', file: saved, period: { from: PREV_FROM, to: FROM } });
      expect(vs.views.llm.total.deltaUsd).toBe(now.views.llm.total.deltaUsd);
      expect(vs.views.cloud.rows.map((x: any) => x.deltaUsd)).toEqual(now.views.cloud.rows.map((x: any) => x.deltaUsd));
      const md = await oco('report', '--from', FROM, '--to', LAST, '--compare-to', saved, '--markdown');
      expect(md.stdout).toContain(`Compared with the saved report ${saved}`);
      // a period: 7d earlier
      const shifted = (await oco('report', '--from', FROM, '--to', LAST, '--compare-to', '7d', '--json')).json();
      expect(shifted.comparison.period).toEqual({ from: '2026-09-24', to: '2026-10-08', days: 14 });

      const wrong = join(home.path, 'wrong.json');
      writeFileSync(
        wrong,
        JSON.stringify({
          format: 'oco-report/1',
          period: { from: FROM, to: LAST, days: 13 },
          views: { llm: { by: 'team', rows: [{ key: 'x', costUsd: 12 }], total: { costUsd: '1' } } },
        }),
      );
      const bad = await oco('report', '--compare-to', wrong);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`${wrong}: views.llm.rows[0].costUsd: expected a decimal string or null`);
      const other = join(home.path, 'other.json');
      writeFileSync(other, JSON.stringify({ rows: [] }));
      const notReport = await oco('report', '--compare-to', other, '--json');
      expect(notReport.code).toBe(2);
      expect(notReport.json().error.message).toContain(`${other}: format: expected "oco-report/1"`);
      const missing = await oco('report', '--compare-to', join(home.path, 'nope.json'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nope.json');
    });

    it('refuses bad flags with exit 2 naming the flag', async () => {
      for (const [args, text] of [
        [['--since', '12h'], '--since must be whole days'],
        [['--from', '2026-13-01'], '--from "2026-13-01" is not a date'],
        [['--view', 'llm', '--by', 'region'], '--by must be one of'],
        [['--where', 'team'], '--where must be DIMENSION=KEY'],
        [['--where', 'team=x'], '--where needs --view llm or --view cloud'],
        [['--by', 'team'], '--by needs --view llm or --view cloud'],
        [['--since', '7d', '--from', FROM], '--since cannot be combined'],
        [['--view', 'nope'], '--view'],
        [['--refresh', 'soon'], '--refresh: Expected an integer'],
        [['--refresh=5000'], '--refresh: Expected an integer less than or equal to 3600'],
      ] as const) {
        const r = await oco('report', ...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toContain(text);
      }
    });

    it('GET /api/v1/report answers the same document in snake_case', async () => {
      const [route] = reportAdminRoutes(store, REPORT_SOURCES);
      const query = new URLSearchParams({ view: 'cloud', from: FROM, to: LAST });
      const res = await route!.handle({ params: {}, query, body: undefined });
      expect(res.status).toBe(200);
      const direct = await buildReport(store, REPORT_SOURCES, {
        period: period(FROM, dayAfter(LAST)),
        views: ['cloud'],
      });
      const body = res.body as any;
      expect({ ...body, generated_at: null }).toEqual({ ...snakeCaseKeys<any>(direct), generated_at: null });
      expect(body.views.cloud.total.cost_usd).toBe(direct.views.cloud!.total.costUsd);
      const bad = await route!.handle({ params: {}, query: new URLSearchParams({ since: '3h' }), body: undefined });
      expect(bad.status).toBe(400);
      expect((bad.body as any).error.message).toContain('query parameter since must be whole days');
    });
  });
});
