import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRow, type CostRow, type DayWindow } from '../../src/core/cloud-costs/model.js';
import { METRICS, summarise, type Metric } from '../../src/core/cloud-costs/report.js';
import { DecimalSum } from '../../src/core/cloud-costs/rollup.js';
import { REBUILD_MIN_ROWS, replaceSourceRows, type WriteTarget } from '../../src/core/cloud-costs/writer.js';
import { Money } from '../../src/core/base/money.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import type { Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';

function lcg(seed: number) {
  let s = seed;
  return (k: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 4294967296) * k);
  };
}

describe('DecimalSum', () => {
  it('adds decimal texts of any scale and sign exactly, as decimal.js does', () => {
    const rand = lcg(3);
    const sum = new DecimalSum();
    let expected = new Money(0);
    for (let i = 0; i < 5000; i++) {
      const whole = String(rand(1_000_000) * (rand(3) === 0 ? 1_000_000_007 : 1));
      const frac = rand(4) === 0 ? '' : `.${String(rand(1_000_000_000)).padStart(rand(12) + 1, '0')}`;
      const v = `${rand(7) === 0 ? '-' : ''}${whole}${frac}`;
      sum.add(v);
      expected = expected.plus(v);
    }
    expect(sum.text()).toBe(expected.toFixed());
    const small = new DecimalSum();
    for (const v of ['0.1', '0.2', '-0.3', '-0.0000000001']) small.add(v);
    expect(small.text()).toBe('-0.0000000001');
    // Partial sums past 2^53 (the double fast path) and values past 15 digits (the BigInt path) stay exact.
    const large = new DecimalSum();
    let largeExpected = new Money(0);
    for (const v of [
      '999999999999999',
      '0.000000000000001',
      '-999999999999999.5',
      '12345678901234567890.123',
      ...new Array(40).fill('999999999999.999'),
    ]) {
      large.add(v);
      largeExpected = largeExpected.plus(v);
    }
    expect(large.text()).toBe(largeExpected.toFixed());
    const zero = new DecimalSum();
    for (const v of ['1.50', '-1.5']) zero.add(v);
    expect(zero.text()).toBe('0');
  });
});

const SERVICES = [
  ['Amazon EC2', 'Compute'],
  ['Amazon S3', 'Storage'],
  [null, null],
] as const;

/** Rows over the given days with every dimension varied, NULLs included, two currencies, optional amounts missing. */
function rows(n: number, days: string[], seed: number, provider?: string): CostRow[] {
  const rand = lcg(seed);
  const out: CostRow[] = [];
  for (let i = 0; i < n; i++) {
    const day = days[rand(days.length)]!;
    const [service, category] = SERVICES[rand(SERVICES.length)]!;
    const h = String(rand(24)).padStart(2, '0');
    const amount = `${rand(5) === 0 ? '-' : ''}${rand(1000)}.${String(rand(1_000_000)).padStart(6, '0')}${rand(10)}`;
    out.push({
      ...emptyRow(),
      provider,
      chargePeriodStart: `${day}T${h}:00:00.000Z`,
      chargePeriodEnd: `${day}T${h}:59:59.000Z`,
      usageDate: day,
      serviceName: service,
      serviceCategory: category,
      subAccountId: ['111', '222', null][rand(3)]!,
      regionId: ['us-east-1', 'eu-west-1', null][rand(3)]!,
      resourceId: `r-${rand(50)}`,
      billingCurrency: rand(6) === 0 ? 'EUR' : 'USD',
      billedCost: amount,
      effectiveCost: rand(3) === 0 ? null : new Money(amount).times('0.9').toFixed(),
      listCost: rand(4) === 0 ? null : new Money(amount).plus('0.01').toFixed(),
      tags: [null, '{"team":"payments"}', '{"team":"search","env":"prod"}', '{"env":"dev"}'][rand(4)]!,
    });
  }
  return out;
}

async function* batches(list: CostRow[], size = 97): AsyncGenerator<CostRow[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

async function* failing(list: CostRow[]): AsyncGenerator<CostRow[]> {
  yield list;
  throw new Error('the source broke half way');
}

const DIMENSIONS: Record<string, (r: Record<string, unknown>) => unknown> = {
  provider: (r) => r.provider,
  source: (r) => r.source,
  service: (r) => r.service_name,
  category: (r) => r.service_category,
  account: (r) => r.sub_account_id,
  region: (r) => r.region_id,
  day: (r) => String(r.usage_date),
  month: (r) => String(r.usage_date).slice(0, 7),
  'tag:team': (r) => (r.tags == null ? null : ((JSON.parse(String(r.tags)) as Record<string, string>).team ?? null)),
};
const METRIC_OF: Record<Metric, (r: Record<string, unknown>) => unknown> = {
  billed: (r) => r.billed_cost,
  effective: (r) => r.effective_cost ?? r.billed_cost,
  list: (r) => r.list_cost,
};

/** The summary computed in JavaScript from every row of cloud_costs: what the rollup must reproduce. */
async function fromRows(store: Store, by: string, metric: Metric, window: Partial<DayWindow>) {
  const all = await store.all<Record<string, unknown>>('SELECT * FROM cloud_costs');
  const groups = new Map<string, { byCurrency: Record<string, Money>; rows: number }>();
  for (const r of all) {
    const day = String(r.usage_date);
    if ((window.from && day < window.from) || (window.to && day >= window.to)) continue;
    const k = DIMENSIONS[by]!(r);
    const id = k === null || k === undefined ? '\u0000null' : String(k);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { byCurrency: {}, rows: 0 }));
    const cur = String(r.billing_currency);
    const v = METRIC_OF[metric](r);
    g.byCurrency[cur] = (g.byCurrency[cur] ?? new Money(0)).plus(v === null || v === undefined ? 0 : String(v));
    g.rows++;
  }
  return Object.fromEntries(
    [...groups].map(([k, g]) => [
      k,
      { rows: g.rows, byCurrency: Object.fromEntries(Object.entries(g.byCurrency).map(([c, m]) => [c, m.toFixed()])) },
    ]),
  );
}

async function fromSummary(store: Store, by: string, metric: Metric, window: Partial<DayWindow>) {
  const s = await summarise(store, { by, metric, window });
  return Object.fromEntries(s.rows.map((r) => [r.key ?? '\u0000null', { rows: r.rows, byCurrency: r.byCurrency }]));
}

/** Every dimension the rollup serves, every metric, over the whole table and over a window. */
async function expectRollupMatchesRows(store: Store): Promise<void> {
  for (const window of [{}, { from: '2026-01-02', to: '2026-01-04' }]) {
    for (const by of Object.keys(DIMENSIONS)) {
      for (const metric of METRICS)
        expect(await fromSummary(store, by, metric, window), `${by} ${metric} ${JSON.stringify(window)}`).toEqual(
          await fromRows(store, by, metric, window),
        );
    }
  }
}

const DAYS = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05'];

describe.each(BACKENDS)('cloud_costs_daily rollup on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await backend.open()));
    afterAll(async () => cleanup?.());

    it('stays equal to the rows it sums through imports, window replacements, an empty window, a failed run and an index rebuild', async () => {
      const file: WriteTarget = { provider: 'unknown', source: 'focus:mixed.csv', runId: 'f1' };
      const mixed = [...rows(300, DAYS, 1, 'aws'), ...rows(200, DAYS, 2, 'azure'), ...rows(100, DAYS, 3, 'Oracle')];
      await replaceSourceRows(store, file, batches(mixed));
      const api: WriteTarget = {
        provider: 'aws',
        source: 'aws',
        runId: 'a1',
        window: { from: '2026-01-01', to: '2026-01-04' },
      };
      await replaceSourceRows(store, api, batches(rows(250, DAYS.slice(0, 3), 4)));
      await expectRollupMatchesRows(store);

      // The file again with only two of its days: those are replaced (all providers), the others stay.
      await replaceSourceRows(
        store,
        { ...file, runId: 'f2' },
        batches(rows(120, ['2026-01-02', '2026-01-03'], 5, 'gcp')),
      );
      // The API window again with no rows: its days are emptied.
      await replaceSourceRows(store, { ...api, runId: 'a2' }, batches([]));
      await expectRollupMatchesRows(store);
      const rollupSources = await store.all<{ source: string }>(
        'SELECT DISTINCT source FROM cloud_costs_daily ORDER BY source',
      );
      expect(rollupSources.map((r) => r.source)).toEqual(['focus:mixed.csv']);

      // A run that fails half way leaves rows and rollup as they were.
      const before = await fromSummary(store, 'provider', 'billed', {});
      await expect(
        replaceSourceRows(store, { ...file, runId: 'f3' }, failing(rows(50, DAYS, 6, 'aws'))),
      ).rejects.toThrow('the source broke half way');
      expect(await fromSummary(store, 'provider', 'billed', {})).toEqual(before);

      // A large load (indexes dropped and rebuilt) maintains the rollup the same way.
      await replaceSourceRows(
        store,
        { provider: 'gcp', source: 'big', runId: 'b1' },
        batches(rows(400, DAYS, 7)),
        undefined,
        { estimatedRows: REBUILD_MIN_ROWS * 10 },
      );
      await replaceSourceRows(
        store,
        { provider: 'gcp', source: 'big', runId: 'b2' },
        batches(rows(300, DAYS.slice(1), 8)),
        undefined,
        { estimatedRows: REBUILD_MIN_ROWS * 10 },
      );
      await expectRollupMatchesRows(store);
      // Far fewer rollup rows than rows: the point of it.
      const n = async (t: string) => Number((await store.get<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${t}`))!.n);
      expect(await n('cloud_costs_daily')).toBeLessThan(await n('cloud_costs'));
    });

    it('migration 0009 sums the rows already in cloud_costs', async () => {
      const { store: old, cleanup: drop } = await backend.open({ migrate: false });
      try {
        await migrate(
          old,
          MIGRATIONS.filter((m) => m.version < 7),
        );
        const cols =
          'provider, source, charge_period_start, charge_period_end, usage_date, service_name, sub_account_id, region_id, billed_cost, effective_cost, list_cost, billing_currency, tags';
        const values: Array<Array<string | null>> = [
          [
            'aws',
            'aws',
            '2026-02-01T00:00:00.000Z',
            '2026-02-01T01:00:00.000Z',
            '2026-02-01',
            'Amazon EC2',
            '111',
            'us-east-1',
            '0.1',
            null,
            '0.2',
            'USD',
            '{"team":"a"}',
          ],
          [
            'aws',
            'aws',
            '2026-02-01T05:00:00.000Z',
            '2026-02-01T06:00:00.000Z',
            '2026-02-01',
            'Amazon EC2',
            '111',
            'us-east-1',
            '0.2',
            '0.15',
            null,
            'USD',
            '{"team":"a"}',
          ],
          [
            'azure',
            'focus:x.csv',
            '2026-02-02T00:00:00.000Z',
            '2026-02-03T00:00:00.000Z',
            '2026-02-02',
            null,
            null,
            null,
            '-7.0000000001',
            null,
            null,
            'EUR',
            null,
          ],
        ];
        for (const v of values)
          await old.run(`INSERT INTO cloud_costs (${cols}) VALUES (${v.map((_, i) => `$${i + 1}`).join(', ')})`, v);
        await migrate(old);
        await expectRollupMatchesRows(old);
        const effective = await summarise(old, { by: 'service', metric: 'effective' });
        expect(effective.rows.find((r) => r.key === 'Amazon EC2')).toMatchObject({
          byCurrency: { USD: '0.25' },
          rows: 2,
        });
      } finally {
        await drop();
      }
    });
  });
});
