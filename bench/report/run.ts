/**
 * Report benchmark: how long each view of `oco report` takes to build (its first frame) over a large store, on
 * SQLite and on PostgreSQL. Generated in SQL (INSERT … SELECT over a recursive CTE / generate_series):
 *   - usage_hourly as the gateway's recorder rolls calls up (hour × org × team × agent × user × provider × model),
 *     holding --calls calls in all (default 10,000,000) over 90 days; usage_daily and usage_daily_tags summed from
 *     it (one virtual key per agent, one tag per team), as the recorder keeps them beside it;
 *   - api_requests: --raw-calls raw call rows (default 1,000,000; the report reads them only for the paged
 *     "recent requests" level, through the (team_id, ts) index);
 *   - cloud_costs: --cost-rows rows (default 1,000,000) over 90 days, and cloud_costs_daily summed from them with
 *     the statement migration 0009 backfills it with (the engine's exact sum).
 * Each view is built 3 times over the last 30 days; the median is printed. Target: under 300 ms for the first frame.
 *
 *   npx tsx bench/report/run.ts [--calls N] [--raw-calls N] [--cost-rows N] [--engine sqlite|postgres|both]
 *   OCO_BENCH_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres (default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildReport, buildView, recentRequests } from '../../src/core/base/report/build.js';
import { VIEWS } from '../../src/core/base/report/model.js';
import { parsePeriod } from '../../src/core/base/report/period.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { PostgresStore } from '../../src/core/base/store/postgres.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { Store } from '../../src/core/base/store/types.js';
import { summarize } from '../../src/core/gateway/usage/summary.js';
import { REPORT_SOURCES } from '../../src/daemon/report-sources.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const CALLS = Number(arg('calls', '10000000'));
const RAW_CALLS = Number(arg('raw-calls', '1000000'));
const COST_ROWS = Number(arg('cost-rows', '1000000'));
const ENGINE = arg('engine', 'both');
const DAYS = 90;
const HOURS = DAYS * 24;
const TEAMS = 8;
const AGENTS = 4;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-pro', 'gemini-2.5-flash'];
const COMBOS = TEAMS * AGENTS * MODELS.length;
const START = new Date(Date.now() - DAYS * 86_400_000);
START.setUTCHours(0, 0, 0, 0);

interface Engine {
  series(n: number): { with: string; from: string };
  hour(i: string): string;
  day(i: string): string;
  ts(i: string): string;
  text(x: string): string;
  money(x: string): string;
  /** usage_hourly.hour → usage_daily.day */
  hourDay(x: string): string;
}

const SQLITE: Engine = {
  series: (n) => ({
    with: `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1})`,
    from: 's',
  }),
  hour: (i) => `strftime('%Y-%m-%dT%H:00:00.000Z', '${START.toISOString()}', '+' || (${i}) || ' hours')`,
  day: (i) => `date('${START.toISOString()}', '+' || (${i}) || ' days')`,
  ts: (i) => `strftime('%Y-%m-%dT%H:%M:%fZ', '${START.toISOString()}', '+' || (${i}) || ' seconds')`,
  text: (x) => `CAST(${x} AS TEXT)`,
  money: (x) => `printf('%.6f', ${x})`,
  hourDay: (x) => `substr(${x}, 1, 10)`,
};

const POSTGRES: Engine = {
  series: (n) => ({ with: '', from: `generate_series(0::bigint, ${n - 1}::bigint) AS s(i)` }),
  hour: (i) => `'${START.toISOString()}'::timestamptz + (${i}) * interval '1 hour'`,
  day: (i) => `('${START.toISOString()}'::timestamptz + (${i}) * interval '1 day')::date`,
  ts: (i) => `'${START.toISOString()}'::timestamptz + (${i}) * interval '1 second'`,
  text: (x) => `CAST(${x} AS TEXT)`,
  money: (x) => `round((${x})::numeric, 6)`,
  hourDay: (x) => `(${x} AT TIME ZONE 'UTC')::date`,
};

const list = (values: string[], i: string) =>
  `(CASE ${values.map((v, k) => `WHEN ${i} = ${k} THEN '${v}'`).join(' ')} END)`;

async function generate(store: Store, e: Engine): Promise<Record<string, number>> {
  const t0 = performance.now();
  const rollupRows = HOURS * COMBOS;
  const per = Math.floor(CALLS / rollupRows);
  const extra = CALLS - per * rollupRows;
  const h = e.series(rollupRows);
  const c = `(i % ${COMBOS})`;
  const requests = `(${per} + CASE WHEN i < ${extra} THEN 1 ELSE 0 END)`;
  await store.run(
    `${h.with} INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, errors,
       unpriced_requests, input_tokens, output_tokens, cost_usd)
     SELECT ${e.hour(`i / ${COMBOS}`)}, 'acme', 'team-' || ${e.text(`${c} % ${TEAMS}`)},
       'agent-' || ${e.text(`(${c} / ${TEAMS}) % ${AGENTS}`)}, 'default',
       ${list(['openai', 'openai', 'anthropic', 'anthropic', 'gemini', 'gemini'], `(${c} / ${TEAMS * AGENTS})`)},
       ${list(MODELS, `(${c} / ${TEAMS * AGENTS})`)}, ${requests}, 0, 0, ${requests} * 900, ${requests} * 150,
       ${e.money(`${requests} * 0.0123 + (i % 97) * 0.000001`)}
     FROM ${h.from}`,
  );
  // usage_daily as the recorder keeps it beside usage_hourly: each agent calls through its own virtual key; the
  // per-tag rollup with one tag per team (env-prod / env-dev)
  const day = e.hourDay('hour');
  const dims = 'org_id, team_id, agent_id, user_id, provider, model';
  const sums = `SUM(requests), SUM(errors), SUM(unpriced_requests), SUM(input_tokens), SUM(output_tokens),
    ${store.dialect.sumMoney('cost_usd')}`;
  const counters = 'requests, errors, unpriced_requests, input_tokens, output_tokens, cost_usd';
  await store.run(
    `INSERT INTO usage_daily (day, key_id, ${dims}, ${counters})
     SELECT ${day}, 'key-' || agent_id, ${dims}, ${sums} FROM usage_hourly GROUP BY ${day}, ${dims}`,
  );
  await store.run(
    `INSERT INTO usage_daily_tags (day, tag, key_id, ${dims}, ${counters})
     SELECT day, CASE WHEN team_id IN ('team-0', 'team-2', 'team-4', 'team-6') THEN 'env-prod' ELSE 'env-dev' END,
       key_id, ${dims}, ${counters} FROM usage_daily`,
  );
  const tRollup = performance.now();
  console.error(`usage_hourly, usage_daily: ${Math.round(tRollup - t0)} ms`);
  if (RAW_CALLS > 0) {
    const r = e.series(RAW_CALLS);
    const step = (DAYS * 86_400) / RAW_CALLS;
    await store.run(
      `${r.with} INSERT INTO api_requests (id, ts, provider, model, org_id, team_id, agent_id, user_id, input_tokens,
         output_tokens, cost_usd, status_code)
       SELECT 'call-' || ${e.text('i')}, ${e.ts(`i * ${step}`)}, 'openai', ${list(MODELS, `(i % ${MODELS.length})`)},
         'acme', 'team-' || ${e.text(`i % ${TEAMS}`)}, 'agent-' || ${e.text(`(i / ${TEAMS}) % ${AGENTS}`)}, 'default',
         900, 150, ${e.money('0.0123')}, 200
       FROM ${r.from}`,
    );
  }
  const tRaw = performance.now();
  console.error(`api_requests: ${Math.round(tRaw - tRollup)} ms`);
  const k = e.series(COST_ROWS);
  await store.run(
    `${k.with} INSERT INTO cloud_costs (provider, source, sub_account_id, charge_period_start, charge_period_end,
       usage_date, service_name, service_category, resource_id, region_id, billed_cost, effective_cost,
       billing_currency)
     SELECT ${list(['aws', 'azure', 'gcp'], `((i / ${DAYS}) % 3)`)}, 'bench', 'acct-' || ${e.text(`(i / 2700) % 10`)},
       ${e.ts(`(i % ${DAYS}) * 86400`)}, ${e.ts(`(i % ${DAYS}) * 86400 + 86400`)}, ${e.day(`i % ${DAYS}`)},
       'svc-' || ${e.text(`(i / 270) % 10`)}, 'Compute', 'res-' || ${e.text(`i % 5000`)},
       'region-' || ${e.text(`(i / 27000) % 3`)}, ${e.money(`(i * 7919 % 100000) / 10000.0`)},
       ${e.money(`(i * 7919 % 100000) / 10000.0`)}, 'USD'
     FROM ${k.from}`,
  );
  const cols =
    'usage_date, source, provider, service_name, service_category, sub_account_id, region_id, billing_currency, tags';
  const sum = store.dialect.sumMoney.bind(store.dialect);
  await store.run(
    `INSERT INTO cloud_costs_daily (${cols}, billed_cost, effective_cost, list_cost, row_count)
     SELECT ${cols}, ${sum('billed_cost')}, ${sum('COALESCE(effective_cost, billed_cost)')}, ${sum('list_cost')},
       COUNT(*) FROM cloud_costs GROUP BY ${cols}`,
  );
  const tCost = performance.now();
  const count = async (table: string) =>
    Number((await store.get<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
  return {
    usageHourlyRows: await count('usage_hourly'),
    usageDailyRows: await count('usage_daily'),
    apiRequestRows: await count('api_requests'),
    costRows: await count('cloud_costs'),
    costRollupRows: await count('cloud_costs_daily'),
    generateRollupSeconds: Math.round(tRollup - t0) / 1000,
    generateRawCallsSeconds: Math.round(tRaw - tRollup) / 1000,
    generateCostsSeconds: Math.round(tCost - tRaw) / 1000,
  };
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return Math.round(times.sort((a, b) => a - b)[1]! * 10) / 10;
}

async function time(store: Store): Promise<Record<string, number>> {
  const period = parsePeriod({ since: '30d' });
  const out: Record<string, number> = {};
  for (const v of VIEWS) {
    out[`${v}Ms`] = await median(() => buildView(store, REPORT_SOURCES, v, { period }));
    console.error(`${v}: ${out[`${v}Ms`]} ms`);
  }
  out.allViewsMs = await median(() => buildReport(store, REPORT_SOURCES, { period, views: [...VIEWS] }));
  out.llmByKeyMs = await median(() => buildView(store, REPORT_SOURCES, 'llm', { period, by: 'key' }));
  out.llmByTagMs = await median(() => buildView(store, REPORT_SOURCES, 'llm', { period, by: 'tag' }));
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  out.spendSummaryTeamModelMs = await median(() => summarize(store, { from, to, groupBy: 'team', thenBy: 'model' }));
  out.spendSummaryKeyMs = await median(() => summarize(store, { from, to, groupBy: 'key' }));
  out.llmDrillTeamMs = await median(() =>
    buildView(store, REPORT_SOURCES, 'llm', { period, path: [{ by: 'team', key: 'team-1' }] }),
  );
  out.cloudResourceLevelMs = await median(() =>
    buildView(store, REPORT_SOURCES, 'cloud', {
      period,
      path: [
        { by: 'provider', key: 'aws' },
        { by: 'service', key: 'svc-1' },
        { by: 'account', key: 'acct-1' },
      ],
    }),
  );
  let cursor: string | undefined;
  out.recentFirstPageMs = await median(async () => {
    cursor =
      (await recentRequests(store, REPORT_SOURCES, [{ by: 'team', key: 'team-1' }], { limit: 50 })).nextCursor ??
      undefined;
  });
  out.recentNextPageMs = await median(() =>
    recentRequests(store, REPORT_SOURCES, [{ by: 'team', key: 'team-1' }], { limit: 50, cursor }),
  );
  return out;
}

async function run(name: string, open: () => Promise<{ store: Store; close: () => Promise<void> }>, e: Engine) {
  const { store, close } = await open();
  try {
    await migrate(store);
    const sizes = await generate(store, e);
    console.log(JSON.stringify({ engine: name, calls: CALLS, ...sizes, ...(await time(store)) }));
  } finally {
    await close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'oco-bench-report-'));
try {
  console.log(
    `# ${process.argv.slice(1).join(' ')}   (npx tsx bench/report/run.ts --calls ${CALLS} --raw-calls ${RAW_CALLS} --cost-rows ${COST_ROWS} --engine ${ENGINE})`,
  );
  if (ENGINE !== 'postgres')
    await run(
      'sqlite',
      async () => {
        const store = new SqliteStore({ file: join(dir, 'oco.db') });
        return { store, close: () => store.close() };
      },
      SQLITE,
    );
  if (ENGINE !== 'sqlite') {
    const admin = process.env.OCO_BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const db = `oco_bench_report_${process.pid}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${db}`);
    try {
      const url = new URL(admin);
      url.pathname = `/${db}`;
      await run(
        'postgres',
        async () => {
          const store = new PostgresStore({ connectionString: url.toString(), display: db });
          return { store, close: () => store.close() };
        },
        POSTGRES,
      );
    } finally {
      await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await client.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
