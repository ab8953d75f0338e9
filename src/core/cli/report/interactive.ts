/**
 * `oco report` on a terminal, without --json/--csv/--markdown/--output: the interactive report. Ink and React load
 * here, on demand, so the static report (pipes, CI) never pays for them. The view reads through `buildView` (per
 * view and drill-down level) and `recentRequests` (the calls, a cursor per page); accepting and dismissing a
 * recommendation goes through the service the command passes in.
 */
import type { ReportOptions } from '../../base/report/build.js';
import type { ReportSources } from '../../base/report/sources.js';
import type { Store } from '../../base/store/types.js';
import type { SetRecommendationStatus } from './tui/feed.js';

export interface InteractiveContext {
  store: Store;
  sources: ReportSources;
  options: ReportOptions;
  /** Accept or dismiss a recommendation from the Savings view. */
  setRecommendation?: SetRecommendationStatus;
  /** Seconds between re-reads of the screen (0: never). */
  refreshSeconds: number;
  /** Where `e` writes its CSV and Markdown files. */
  exportDir: string;
}

/** Whether the interactive report can run: a terminal on both ends (it reads keys and draws). */
export function canRunInteractive(): boolean {
  return Boolean(process.stdout.isTTY && process.stdin.isTTY);
}

/** True when the interactive view ran (and the command has nothing left to print). */
export async function runInteractiveReport(ctx: InteractiveContext): Promise<boolean> {
  const [{ runReportTui }, { reportFeed }] = await Promise.all([import('./tui/run.js'), import('./tui/feed.js')]);
  const o = ctx.options;
  await runReportTui({
    feed: reportFeed(ctx.store, ctx.sources, ctx.setRecommendation),
    period: o.period,
    compare: o.compare,
    views: o.views,
    by: o.by,
    path: o.path,
    refreshMs: ctx.refreshSeconds * 1000,
    // NO_COLOR (any non-empty value) turns colour off; FORCE_COLOR and the terminal decide the rest, as for chalk
    color: !process.env.NO_COLOR,
    exportDir: ctx.exportDir,
  });
  return true;
}
