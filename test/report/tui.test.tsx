import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import chalk from 'chalk';
import { parse } from 'csv-parse/sync';
import { cleanup, render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { money } from '../../src/core/base/money.js';
import { buildView, recentRequests } from '../../src/core/base/report/build.js';
import { VIEWS, type CloudView, type LlmView } from '../../src/core/base/report/model.js';
import { period } from '../../src/core/base/report/period.js';
import type { Candidate, Rule } from '../../src/core/base/recommend/model.js';
import {
  listRecommendations,
  runRecommendations,
  setRecommendationStatus,
} from '../../src/core/base/recommend/service.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { Store } from '../../src/core/base/store/types.js';
import { ReportApp, type ReportAppProps } from '../../src/core/cli/report/tui/app.js';
import { reportFeed, type ReportFeed } from '../../src/core/cli/report/tui/feed.js';
import { runReportTui } from '../../src/core/cli/report/tui/run.js';
import { parseBudgetInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget } from '../../src/core/gateway/spend/repo.js';
import { REPORT_SOURCES } from '../../src/daemon/report-sources.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { FROM, LAST, seed } from './seed.js';

/**
 * The interactive report, rendered by Ink into ink-testing-library's streams over a SQLite store seeded by the
 * gateway's and the importer's own writers: frames per view, keys, drill-down to the calls, filter, period,
 * export, help, resize, NO_COLOR, accept/dismiss, and the terminal handed back on q, Ctrl-C and a crash.
 */
const PERIOD = period(FROM, dayAfter(LAST));
const NOW = new Date(`${LAST}T12:00:00.000Z`);
const ESC = '\u001B';
const KEYS = { down: `${ESC}[B`, up: `${ESC}[A`, enter: '\r', esc: ESC, tab: '\t' };

function candidate(title: string, savings: string | null, resourceId: string): Candidate {
  return {
    provider: 'aws',
    account: '1111',
    resourceId,
    resourceType: 'instance',
    region: 'us-east-1',
    action: 'rightsize',
    title,
    rationale: 'CPU under 5 % for 30 days',
    currency: 'USD',
    monthlySavings: savings === null ? null : money(savings),
    keyFigure: money(savings ?? '1'),
    confidence: 0.8,
    effort: 'low',
    restartNeeded: true,
    rollbackPossible: true,
    evidence: {},
  };
}

const rule: Rule = {
  id: 'tui-test',
  domain: 'cloud',
  action: 'rightsize',
  description: 'test findings',
  thresholds: [],
  evaluate: async () => [
    candidate('Rightsize i-big', '120.5', 'i-big'),
    candidate('Rightsize i-mid', '7.25', 'i-mid'),
    candidate('Rightsize i-unknown', null, 'i-unknown'),
  ],
};

let home: TempHome;
let store: Store;
let feed: ReportFeed;
let exportDir: string;

beforeAll(async () => {
  home = tempHome();
  store = new SqliteStore({ file: join(home.path, 'oco.db') });
  await migrate(store);
  await seed(store);
  await insertBudget(
    store,
    parseBudgetInput({ scope: 'team', entity: 'payments', limit: '10', period: 'monthly' }, 'UTC'),
  );
  await runRecommendations(store, [rule], { days: 30, materialChangePercent: 20, setting: () => undefined });
  feed = reportFeed(store, REPORT_SOURCES, (id, status) => setRecommendationStatus(store, id, status, 'test'));
  exportDir = mkdtempSync(join(home.path, 'export-'));
}, 60_000);

afterEach(() => cleanup());

afterAll(async () => {
  await store?.close();
  home?.cleanup();
});

type Mounted = ReturnType<typeof render>;

/** Mounts the screen at a terminal size: Ink and the screen both read the stream's columns and rows. */
function mount(over: Partial<ReportAppProps> = {}, size = { columns: 100, rows: 30 }): Mounted {
  const m = render(
    <ReportApp
      feed={feed}
      period={PERIOD}
      views={[...VIEWS]}
      refreshMs={0}
      color={false}
      exportDir={exportDir}
      now={() => NOW}
      {...over}
    />,
  );
  resize(m, size);
  return m;
}

function resize(m: Mounted, size: { columns: number; rows: number }) {
  Object.defineProperty(m.stdout, 'columns', { value: size.columns, configurable: true });
  Object.defineProperty(m.stdout, 'rows', { value: size.rows, configurable: true });
  m.stdout.emit('resize');
}

/** Waits (bounded) until the last frame satisfies `check`, and returns it. */
async function frame(m: Mounted, check: (f: string) => boolean, what: string): Promise<string> {
  await vi.waitFor(
    () => {
      if (!check(m.lastFrame() ?? '')) throw new Error(`no frame with ${what}; last:\n${m.lastFrame()}`);
    },
    { timeout: 10_000, interval: 20 },
  );
  return m.lastFrame()!;
}

const has = (m: Mounted, text: string) => frame(m, (f) => f.includes(text), JSON.stringify(text));
const selectedLine = (f: string) => f.split('\n').find((l) => l.startsWith('›')) ?? '';

async function llmAt(path: LlmView['path'] = []): Promise<LlmView> {
  return (await buildView(store, REPORT_SOURCES, 'llm', { period: PERIOD, path })) as LlmView;
}

describe('the interactive report', () => {
  it('shows each view on its key, with exact totals, budget bars and "unknown" savings', async () => {
    const llm = await llmAt();
    const cloud = (await buildView(store, REPORT_SOURCES, 'cloud', { period: PERIOD })) as CloudView;
    const m = mount();
    let f = await has(m, 'LLM spend by team');
    expect(f).toContain(`Total ${llm.total.costUsd} USD`);
    for (const r of llm.rows) expect(f).toContain(r.key!);
    // the largest team first, its exact cost in its row
    expect(selectedLine(f)).toContain(llm.rows[0]!.key!);
    expect(selectedLine(f)).toContain(llm.rows[0]!.costUsd!);
    // the budget: 9 of 10 spent, as a bar
    expect(f).toMatch(/█{9}░ 90 % team:payments: 9 \/ 0 \/ 1 of 10/);
    m.stdin.write('2');
    f = await has(m, 'Cloud costs by provider');
    expect(f).toContain(`Total ${cloud.total.costUsd} USD`);
    expect(f).toContain('Week-over-week movers');
    m.stdin.write('3');
    f = await has(m, 'Savings: open recommendations');
    expect(f).toContain('3 open, 127.75 USD a month (+ 1 with unknown savings)');
    expect(selectedLine(f)).toContain('120.5 USD');
    expect(f).toMatch(/unknown\s+rightsize\s+Rightsize i-unknown/);
    m.stdin.write('4');
    f = await has(m, 'Policies: open violations');
    expect(f).toContain('No open violations.');
    m.stdin.write('5');
    await has(m, 'Anomalies in the period');
    m.stdin.write(KEYS.tab);
    f = await has(m, 'Backups: DR policies');
    expect(f).toContain('Failed backups in the period: 0');
    expect(f).toContain('[6 Backups]');
  });

  it('moves with j/k and the arrows, drills down to the calls and back with esc', async () => {
    const top = await llmAt();
    const m = mount();
    await has(m, 'LLM spend by team');
    m.stdin.write('j');
    await frame(m, (f) => selectedLine(f).includes(top.rows[1]!.key!), 'the second team selected');
    m.stdin.write(KEYS.down);
    await frame(m, (f) => selectedLine(f).includes(top.rows[2]!.key!), 'the third team selected');
    m.stdin.write('k');
    m.stdin.write(KEYS.up);
    await frame(m, (f) => selectedLine(f).includes(top.rows[0]!.key!), 'the first team again');
    const team = top.rows[0]!.key!;
    m.stdin.write(KEYS.enter);
    let f = await has(m, `LLM spend by agent in team=${team} (enter: model)`);
    const agents = await llmAt([{ by: 'team', key: team }]);
    expect(f).toContain(`Total ${agents.total.costUsd} USD`);
    const agent = agents.rows[0]!.key!;
    m.stdin.write(KEYS.enter);
    await has(m, `LLM spend by model in team=${team} > agent=${agent} (enter: calls)`);
    const models = await llmAt([
      { by: 'team', key: team },
      { by: 'agent', key: agent },
    ]);
    const model = models.rows[0]!.key!;
    m.stdin.write(KEYS.enter);
    const path = [
      { by: 'team', key: team },
      { by: 'agent', key: agent },
      { by: 'model', key: model },
    ];
    f = await has(m, `Calls in team=${team} > agent=${agent} > model=${model}, newest first (page 1`);
    const calls = await recentRequests(store, REPORT_SOURCES, path, { limit: 50 });
    expect(calls.requests.length).toBeGreaterThan(0);
    expect(selectedLine(f)).toContain(calls.requests[0]!.ts.slice(0, 19).replace('T', ' '));
    expect(f).toContain(`1/${calls.requests.length}`);
    m.stdin.write(KEYS.esc);
    await has(m, `LLM spend by model in team=${team} > agent=${agent}`);
    m.stdin.write(KEYS.esc);
    await has(m, `LLM spend by agent in team=${team}`);
    m.stdin.write(KEYS.esc);
    await has(m, 'LLM spend by team (enter: agent)');
  });

  it('filters the rows with /, and esc clears the filter', async () => {
    const m = mount();
    await has(m, 'LLM spend by team');
    m.stdin.write('/');
    await has(m, 'Filter: ');
    for (const c of 'sea') m.stdin.write(c);
    m.stdin.write(KEYS.enter);
    const f = await frame(m, (x) => x.includes('Filter: sea') && x.includes('1/1'), 'only search');
    expect(selectedLine(f)).toContain('search');
    expect(f).not.toMatch(/^\s+(payments|ops)\s/m);
    m.stdin.write(KEYS.esc);
    await frame(m, (x) => !x.includes('Filter:') && x.includes('payments'), 'every team again');
  });

  it('changes the period with p, and the figures with it', async () => {
    const m = mount();
    await has(m, `${FROM} to ${LAST} (14 days)`);
    m.stdin.write('p');
    // 7 days ending on "today" of the test clock
    const week = period('2026-10-08', '2026-10-15');
    const f = await has(m, '2026-10-08 to 2026-10-14 (7 days)');
    const v = (await buildView(store, REPORT_SOURCES, 'llm', { period: week })) as LlmView;
    await has(m, `Total ${v.total.costUsd} USD`);
    expect(v.total.costUsd).not.toBe((await llmAt()).total.costUsd);
    expect(f).not.toContain(`(14 days)`);
  });

  it('exports the current view to CSV and Markdown files with the same totals', async () => {
    const llm = await llmAt();
    const m = mount();
    await has(m, 'LLM spend by team');
    m.stdin.write('e');
    const f = await has(m, 'Exported ');
    const base = join(exportDir, `oco-report-llm-${FROM}-${LAST}`);
    expect(f).toContain(`${base}.csv`);
    const records: string[][] = parse(readFileSync(`${base}.csv`, 'utf8'));
    const cell = (section: string, key: string, field: string) =>
      records.find((r) => r[0] === 'llm' && r[1] === section && r[2] === key && r[3] === field)?.[4];
    expect(cell('total', '', 'costUsd')).toBe(llm.total.costUsd);
    expect(cell('rows', 'payments', 'costUsd')).toBe(llm.rows.find((r) => r.key === 'payments')!.costUsd);
    const md = readFileSync(`${base}.md`, 'utf8');
    expect(md).toContain(`**Total: ${llm.total.costUsd} USD**`);
    // the calls level exports its page of calls
    const team = llm.rows[0]!.key!;
    m.stdin.write(KEYS.enter);
    await has(m, `by agent in team=${team}`);
    m.stdin.write(KEYS.enter);
    await has(m, `by model in team=${team}`);
    m.stdin.write(KEYS.enter);
    await has(m, `Calls in team=${team}`);
    m.stdin.write('e');
    await has(m, `oco-report-calls-${team}-`);
    const [callsCsv] = readdirSync(exportDir).filter((n) => n.startsWith('oco-report-calls-') && n.endsWith('.csv'));
    const calls: string[][] = parse(readFileSync(join(exportDir, callsCsv!), 'utf8'));
    expect(calls[0]).toEqual([
      'id',
      'ts',
      'provider',
      'model',
      'teamId',
      'agentId',
      'userId',
      'costUsd',
      'inputTokens',
      'outputTokens',
      'statusCode',
    ]);
    expect(calls.slice(1).every((r) => r[4] === team)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('shows the keys on ?, and any key closes them', async () => {
    const m = mount();
    await has(m, 'LLM spend by team');
    m.stdin.write('?');
    const f = await has(m, 'Keys');
    expect(f).toContain('drill down: team > agent > model > calls');
    expect(f).toContain('q, Ctrl-C');
    m.stdin.write('x');
    await has(m, 'LLM spend by team');
  });

  it('fits 80×24 and 120×40, and lays out again on resize', async () => {
    const m = mount({}, { columns: 80, rows: 24 });
    const small = await has(m, 'LLM spend by team');
    const lines = small.split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    // the trend column gives way first on a narrow terminal
    expect(small).not.toMatch(/\btrend\b/);
    resize(m, { columns: 120, rows: 40 });
    const big = await frame(m, (f) => /\btrend\b/.test(f), 'the trend column');
    expect(big.split('\n').length).toBeLessThanOrEqual(40);
    for (const l of big.split('\n')) expect([...l].length).toBeLessThanOrEqual(120);
    console.log(`80×24:\n${small}\n\n120×40:\n${big}`);
  });

  it('keeps the selection visible on a long list (the page holding it)', async () => {
    const m = mount({ views: ['cloud'], by: 'resource' }, { columns: 80, rows: 14 });
    const cloud = (await buildView(store, REPORT_SOURCES, 'cloud', { period: PERIOD, by: 'resource' })) as CloudView;
    await has(m, 'Cloud costs by resource');
    const n = cloud.rows.length;
    expect(n).toBeGreaterThan(3);
    for (let i = 0; i < n - 1; i++) m.stdin.write('j');
    const f = await frame(m, (x) => x.includes(`${n}/${n}`), 'the last row selected');
    expect(selectedLine(f)).toContain(cloud.rows[n - 1]!.key!);
  });

  it('scrolls through every open recommendation, not only the ten the static outputs list', async () => {
    const other = new SqliteStore({ file: join(home.path, 'many.db') });
    try {
      await migrate(other);
      const many: Rule = {
        ...rule,
        id: 'tui-many',
        // 14 findings, the largest saving first: 140, 130, … 10 USD a month
        evaluate: async () =>
          Array.from({ length: 14 }, (_, i) => candidate(`Rightsize i-${i + 1}`, String((14 - i) * 10), `i-${i + 1}`)),
      };
      await runRecommendations(other, [many], { days: 30, materialChangePercent: 20, setting: () => undefined });
      const m = mount({ feed: reportFeed(other, REPORT_SOURCES), views: ['savings'] }, { columns: 80, rows: 14 });
      await has(m, '14 open');
      await has(m, '1/14');
      for (let i = 0; i < 13; i++) m.stdin.write('j');
      const f = await frame(m, (x) => x.includes('14/14'), 'the last recommendation selected');
      expect(selectedLine(f)).toContain('10 USD');
      expect(selectedLine(f)).toContain('Rightsize i-14');
      // the static outputs keep their top ten
      const top = await buildView(other, REPORT_SOURCES, 'savings', { period: PERIOD });
      expect(top && 'top' in top ? top.top.length : 0).toBe(10);
    } finally {
      cleanup();
      await other.close();
    }
  });

  it('has no ANSI escapes with NO_COLOR, and colours without it', async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const plain = mount({ color: false });
      const p = await has(plain, 'LLM spend by team');
      expect(p).not.toContain(ESC);
      plain.unmount();
      const coloured = mount({ color: true });
      const c = await has(coloured, 'LLM spend by team');
      expect(c).toContain(`${ESC}[`);
    } finally {
      chalk.level = level;
    }
  });

  it('accepts and dismisses recommendations from the Savings list', async () => {
    const m = mount({ views: ['savings'] });
    await has(m, 'Rightsize i-big');
    m.stdin.write('a');
    await has(m, 'accepted: Rightsize i-big');
    const f = await frame(
      m,
      (x) => x.includes('2 open') && !/rightsize\s+Rightsize i-big/.test(x),
      'the list without it',
    );
    expect(selectedLine(f)).toContain('Rightsize i-mid');
    m.stdin.write('d');
    await has(m, 'dismissed: Rightsize i-mid');
    await has(m, '1 open');
    const all = await listRecommendations(store, { statuses: ['open', 'accepted', 'dismissed'] });
    expect(Object.fromEntries(all.map((r) => [r.title, r.status]))).toEqual({
      'Rightsize i-big': 'accepted',
      'Rightsize i-mid': 'dismissed',
      'Rightsize i-unknown': 'open',
    });
  });

  it('shows a failed read on the status line and keeps running', async () => {
    const failing: ReportFeed = {
      ...feed,
      view: async () => {
        throw new Error('database is locked');
      },
    };
    const m = mount({ feed: failing });
    await has(m, 'Error: database is locked');
    m.stdin.write('?');
    await has(m, 'Keys');
  });

  it('re-reads the screen on its interval, one read at a time', async () => {
    let reads = 0;
    let inFlight = 0;
    let overlapped = false;
    const slow: ReportFeed = {
      ...feed,
      view: async (v, o) => {
        reads++;
        inFlight++;
        if (inFlight > 1) overlapped = true;
        // a read slower than the interval: the next one must wait for it
        await new Promise((r) => setTimeout(r, 60));
        inFlight--;
        return feed.view(v, o);
      },
    };
    const m = mount({ feed: slow, refreshMs: 10 });
    await has(m, 'LLM spend by team');
    await vi.waitFor(() => expect(reads).toBeGreaterThanOrEqual(4), { timeout: 10_000, interval: 20 });
    expect(overlapped).toBe(false);
    m.unmount();
  });
});

/** A terminal-like pair of streams that records raw mode and everything written. */
function fakeTerminal() {
  const stdout = Object.assign(new EventEmitter(), {
    columns: 80,
    rows: 24,
    isTTY: true,
    written: '',
    write(s: string, done?: () => void) {
      stdout.written += s;
      // Ink waits for the last write's callback before it reports the exit
      if (typeof done === 'function') queueMicrotask(done);
      return true;
    },
  });
  const raw: boolean[] = [];
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    data: null as string | null,
    setEncoding() {},
    setRawMode(on: boolean) {
      raw.push(on);
    },
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read() {
      const d = stdin.data;
      stdin.data = null;
      return d;
    },
    type(s: string) {
      stdin.data = s;
      stdin.emit('readable');
      stdin.emit('data', s);
    },
  });
  return { stdout, stdin, raw };
}

describe('the terminal', () => {
  const props = (): ReportAppProps => ({
    feed,
    period: PERIOD,
    views: [...VIEWS],
    refreshMs: 0,
    color: false,
    exportDir,
    now: () => NOW,
  });
  const streams = (t: ReturnType<typeof fakeTerminal>) => ({
    stdin: t.stdin as unknown as NodeJS.ReadStream,
    stdout: t.stdout as unknown as NodeJS.WriteStream,
    // the test runner owns the console
    patchConsole: false,
  });

  for (const [name, key] of [
    ['q', 'q'],
    ['Ctrl-C', '\u0003'],
  ] as const) {
    it(`is handed back on ${name}: raw mode off, cursor shown, the alternate screen left`, async () => {
      const t = fakeTerminal();
      const done = runReportTui(props(), streams(t));
      await vi.waitFor(() => expect(t.stdout.written).toContain('LLM spend by team'), { timeout: 10_000 });
      t.stdin.type(key);
      await done;
      expect(t.raw[0]).toBe(true);
      expect(t.raw.at(-1)).toBe(false);
      expect(t.stdout.written).toContain(`${ESC}[?1049h`);
      const tail = t.stdout.written.slice(t.stdout.written.lastIndexOf(`${ESC}[?1049l`));
      expect(tail.startsWith(`${ESC}[?1049l`)).toBe(true);
      expect(t.stdout.written).toContain(`${ESC}[?25h`);
    });
  }

  it('renders an error inside the screen, ends with it and hands the terminal back', async () => {
    const t = fakeTerminal();
    const broken: ReportFeed = {
      ...feed,
      // a document the screen cannot draw: a bug, not a data error
      view: async () => ({ view: 'llm', rows: null }) as never,
    };
    await expect(runReportTui({ ...props(), feed: broken }, streams(t))).rejects.toThrow();
    expect(t.stdout.written).toContain('Error: ');
    expect(t.raw.at(-1)).toBe(false);
    expect(t.stdout.written).toContain(`${ESC}[?1049l`);
  });
});
