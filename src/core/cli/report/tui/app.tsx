/**
 * The interactive report's screen: a tab per view, the current view's screen, a status line. All state lives here
 * (view, drill-down path per spend view, selection, filter, period, help); every figure comes from the feed, one
 * `buildView` (or one page of calls) per screen, re-read on an interval without two reads ever overlapping.
 */
import { Box, useApp, useInput, useWindowSize } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type {
  AnomaliesView,
  BackupsView,
  CloudView,
  DrillStep,
  LlmView,
  Period,
  PoliciesView,
  RecentPage,
  SavingsView,
  View,
} from '../../../base/report/model.js';
import { formatError } from '../../../base/errors.js';
import { VIEWS } from '../../../base/report/model.js';
import { parsePeriod } from '../../../base/report/period.js';
import { anomaliesScreen } from './anomalies.js';
import { backupsScreen } from './backups.js';
import { cloudScreen } from './cloud.js';
import { exportCalls, exportView } from './export.js';
import type { ReportFeed, ScreenData } from './feed.js';
import { Help } from './help.js';
import { llmScreen } from './llm.js';
import { policiesScreen } from './policies.js';
import { requestsScreen } from './requests.js';
import { savingsScreen } from './savings.js';
import { ScreenView, type Screen } from './screen.js';
import { StatusLine } from './status-line.js';
import { Styled } from './styled.js';
import { truncate } from './text.js';

export interface ReportAppProps {
  feed: ReportFeed;
  period: Period;
  /** What deltas are against for the period asked for (default: the previous period of equal length). */
  compare?: Period;
  /** The views asked for: the first one opens. */
  views: readonly View[];
  /** --by and --where of a single spend view: where that view opens. */
  by?: string;
  path?: DrillStep[];
  /** Re-read the screen this often; 0: never. */
  refreshMs: number;
  /** Colour (NO_COLOR unset). */
  color: boolean;
  /** Where `e` writes its files. */
  exportDir: string;
  /** Calls per page at the calls level. */
  pageSize?: number;
  now?: () => Date;
}

const TITLES: Record<View, string> = {
  llm: 'LLM',
  cloud: 'Cloud',
  savings: 'Savings',
  policies: 'Policies',
  anomalies: 'Anomalies',
  backups: 'Backups',
};

/** Where a spend view is: its drill-down path, its cut, and whether it shows the calls (a page per cursor). */
interface Nav {
  path: DrillStep[];
  by?: string;
  calls: boolean;
  cursors: Array<string | undefined>;
}

type Loaded = { kind: 'view'; data: ScreenData } | { kind: 'calls'; data: RecentPage };

const SCREENS: { [V in View]: (d: never) => Screen } = {
  llm: (d: LlmView) => llmScreen(d),
  cloud: (d: CloudView) => cloudScreen(d),
  savings: (d: SavingsView) => savingsScreen(d),
  policies: (d: PoliciesView) => policiesScreen(d),
  anomalies: (d: AnomaliesView) => anomaliesScreen(d),
  backups: (d: BackupsView) => backupsScreen(d),
};

function days(p: Period): string {
  const last = new Date(Date.parse(`${p.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return `${p.from} to ${last} (${p.days} days)`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads `key`'s screen now, again every `refreshMs`, and whenever `key` changes. One read at a time: a read asked
 * for while one runs is made once that one ends, with the newest key.
 */
function useLoader(key: string, load: () => Promise<Loaded>, refreshMs: number) {
  const [state, setState] = useState<{ key: string; loaded?: Loaded; error?: string; at?: Date }>({ key: '' });
  const latest = useRef({ key, load });
  latest.current = { key, load };
  const busy = useRef(false);
  const again = useRef(false);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  const read = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    try {
      do {
        again.current = false;
        const { key: k, load: l } = latest.current;
        try {
          const loaded = await l();
          if (alive.current) setState({ key: k, loaded, at: new Date() });
        } catch (e) {
          if (alive.current)
            setState((s) => ({ ...s, key: k, loaded: s.key === k ? s.loaded : undefined, error: message(e) }));
        }
      } while (again.current && alive.current);
    } finally {
      busy.current = false;
    }
  }, []);
  useEffect(() => {
    void read();
  }, [key, read]);
  useEffect(() => {
    if (!refreshMs) return;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      timer = setTimeout(() => {
        void read().finally(() => alive.current && next());
      }, refreshMs);
    };
    next();
    return () => clearTimeout(timer);
  }, [refreshMs, read]);
  return { ...state, refresh: read };
}

export function ReportApp(props: ReportAppProps) {
  const { exit } = useApp();
  const { columns, rows } = useWindowSize();
  const width = Math.max(20, columns);
  const height = Math.max(10, rows);
  const now = props.now ?? (() => new Date());
  const pageSize = props.pageSize ?? 50;

  const periods = useMemo(() => {
    const list: Array<{ period: Period; compare?: Period }> = [{ period: props.period, compare: props.compare }];
    for (const since of ['7d', '30d', '90d']) {
      const p = parsePeriod({ since }, now());
      if (!list.some((x) => x.period.from === p.from && x.period.to === p.to)) list.push({ period: p });
    }
    return list;
    // the presets are fixed when the screen opens
  }, []);
  const [periodIndex, setPeriodIndex] = useState(0);
  const { period, compare } = periods[periodIndex]!;

  const first = props.views[0] ?? 'llm';
  const single = props.views.length === 1;
  const initialNav = (v: View): Nav => ({
    path: single && v === first ? (props.path ?? []) : [],
    by: single && v === first ? props.by : undefined,
    calls: false,
    cursors: [undefined],
  });
  const [view, setView] = useState<View>(first);
  const [navs, setNavs] = useState<Record<View, Nav>>(
    () => Object.fromEntries(VIEWS.map((v) => [v, initialNav(v)])) as Record<View, Nav>,
  );
  const nav = navs[view];
  const [selected, setSelected] = useState(0);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState(false);
  const [help, setHelp] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>();

  const key = JSON.stringify([view, nav, period.from, period.to]);
  const load = useCallback(async (): Promise<Loaded> => {
    if (nav.calls)
      return {
        kind: 'calls',
        data: await props.feed.recent(nav.path, { limit: pageSize, cursor: nav.cursors.at(-1) }),
      };
    return { kind: 'view', data: await props.feed.view(view, { period, compare, by: nav.by, path: nav.path }) };
  }, [key]);
  const loader = useLoader(key, load, props.refreshMs);
  const current = loader.key === key ? loader.loaded : undefined;

  const screen: Screen | undefined = !current
    ? undefined
    : current.kind === 'calls'
      ? requestsScreen(current.data, nav.cursors.length - 1)
      : current.data
        ? SCREENS[current.data.view](current.data as never)
        : undefined;
  const items = useMemo(() => {
    const f = filter.toLowerCase();
    return (screen?.items ?? []).filter((i) => !f || i.search.includes(f));
  }, [screen, filter]);
  const sel = Math.min(selected, Math.max(0, items.length - 1));

  useEffect(() => setSelected(0), [key, filter]);
  useEffect(() => setStatus(undefined), [key]);

  const setNav = (next: Partial<Nav>) => setNavs((n) => ({ ...n, [view]: { ...n[view], ...next } }));
  const say = (text: string, error = false) => setStatus({ text, error });

  const drill = () => {
    const item = items[sel];
    if (!item || !current || current.kind !== 'view' || !current.data || item.key === null) return;
    const d = current.data;
    if (d.view !== 'llm' && d.view !== 'cloud') return;
    const step = { by: d.by, key: item.key };
    if (d.next) setNav({ path: [...d.path, step], by: undefined });
    else if (d.view === 'llm') setNav({ path: [...d.path, step], by: undefined, calls: true, cursors: [undefined] });
    else return say(`${d.by} is the last level of cloud costs`);
    setFilter('');
    setStatus(undefined);
  };

  const back = () => {
    if (filter) return setFilter('');
    if (nav.calls) return setNav({ path: nav.path.slice(0, -1), calls: false, cursors: [undefined] });
    if (!nav.path.length) return;
    const path = nav.path.slice(0, -1);
    const start = initialNav(view);
    setNav({ path, by: path.length === start.path.length ? start.by : undefined });
  };

  const exportScreen = () => {
    if (!current) return;
    try {
      const files =
        current.kind === 'calls'
          ? exportCalls(props.exportDir, current.data)
          : current.data
            ? exportView(props.exportDir, current.data, period, compare, now())
            : undefined;
      if (files) say(`Exported ${files.csv} and ${files.markdown}`);
    } catch (e) {
      say(`Export failed: ${message(e)}`, true);
    }
  };

  const decide = (status: 'accepted' | 'dismissed') => {
    const item = items[sel];
    if (view !== 'savings' || !item?.id) return;
    const set = props.feed.setRecommendation;
    if (!set) return say('Accepting and dismissing is not available here', true);
    const id = item.id;
    set(id, status).then(
      (r) => {
        say(`${id} ${status}: ${r.title}`);
        void loader.refresh();
      },
      (e: unknown) => say(message(e), true),
    );
  };

  useInput((input, k) => {
    if (help) {
      if (input === 'q') exit();
      return setHelp(false);
    }
    if (editing) {
      if (k.return) return setEditing(false);
      if (k.escape) {
        setFilter('');
        return setEditing(false);
      }
      if (k.backspace || k.delete) return setFilter((f) => f.slice(0, -1));
      if (input && !k.ctrl && !k.meta) setFilter((f) => f + input);
      return;
    }
    const viewAt = (i: number) => {
      setView(VIEWS[(i + VIEWS.length) % VIEWS.length]!);
      setFilter('');
    };
    const page = Math.max(1, height - 8);
    if (input === 'q') return exit();
    if (input === '?') return setHelp(true);
    if (/^[1-6]$/.test(input)) return viewAt(Number(input) - 1);
    if (k.tab || k.rightArrow || input === 'l') return viewAt(VIEWS.indexOf(view) + (k.shift ? -1 : 1));
    if (k.leftArrow || input === 'h') return viewAt(VIEWS.indexOf(view) - 1);
    // keys can arrive faster than frames: each move starts from the selection the previous one left
    const move = (by: number) =>
      setSelected((s) => Math.max(0, Math.min(items.length - 1, Math.min(s, items.length - 1) + by)));
    if (k.downArrow || input === 'j') return move(1);
    if (k.upArrow || input === 'k') return move(-1);
    if (k.pageDown) return move(page);
    if (k.pageUp) return move(-page);
    if (k.return) return drill();
    if (k.escape) return back();
    if (input === '/') return setEditing(true);
    if (input === 'p') {
      return setPeriodIndex((i) => (i + 1) % periods.length);
    }
    if (input === 'e') return exportScreen();
    if (input === 'r') return void loader.refresh();
    if (input === 'a') return decide('accepted');
    if (input === 'd') return decide('dismissed');
    if (nav.calls && current?.kind === 'calls') {
      if (input === 'n' && current.data.nextCursor)
        return setNav({ cursors: [...nav.cursors, current.data.nextCursor] });
      if (input === 'b' && nav.cursors.length > 1) return setNav({ cursors: nav.cursors.slice(0, -1) });
    }
  });

  const tabs = VIEWS.map((v, i) => ({ v, text: `${i + 1} ${TITLES[v]}` }));
  const filterLine = editing || filter ? 1 : 0;
  const bodyHeight = Math.max(3, height - 4 - filterLine);
  const rowsText = screen ? `${items.length ? sel + 1 : 0}/${items.length}` : '';
  const statusText =
    status?.text ??
    (loader.error && loader.key === key
      ? formatError({ message: loader.error }).trimEnd()
      : loader.at
        ? `Updated ${loader.at.toISOString().slice(11, 19)} UTC`
        : 'Loading…');

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Styled color={props.color} bold>
        {truncate(`oco report  ${days(period)}${compare ? `  vs ${days(compare)}` : ''}`, width)}
      </Styled>
      <Box>
        {tabs.map((t) => (
          <Styled key={t.v} color={props.color} fg={t.v === view ? 'cyan' : undefined} bold={t.v === view}>
            {`${t.v === view ? '[' : ' '}${t.text}${t.v === view ? ']' : ' '}`}
          </Styled>
        ))}
      </Box>
      {filterLine ? (
        <Styled color={props.color} fg="yellow">
          {truncate(`Filter: ${filter}${editing ? '▏' : ''}`, width)}
        </Styled>
      ) : null}
      {help ? (
        <Help width={width} height={bodyHeight} color={props.color} refreshSeconds={props.refreshMs / 1000} />
      ) : screen ? (
        <ScreenView
          screen={screen}
          items={items}
          selected={sel}
          width={width}
          height={bodyHeight}
          color={props.color}
        />
      ) : (
        <Box height={bodyHeight} flexShrink={0}>
          <Styled color={props.color} dim>
            {current ? `${TITLES[view]}: not recorded by this installation.` : 'Loading…'}
          </Styled>
        </Box>
      )}
      <StatusLine
        message={statusText}
        error={status?.error ?? (!!loader.error && loader.key === key)}
        rows={rowsText}
        width={width}
        color={props.color}
      />
    </Box>
  );
}
