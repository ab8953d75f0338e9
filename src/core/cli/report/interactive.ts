/**
 * The seam for the interactive report: `oco report` on a terminal, without --json/--csv/--markdown/--output, calls
 * this first. It returns false until the interactive view exists, and the static report prints instead. The view
 * will call `buildView` (per view and drill-down level) and `recentRequests` (the calls, a cursor per page).
 */
import type { ReportSources } from '../../base/report/sources.js';
import type { ReportOptions } from '../../base/report/build.js';
import type { Store } from '../../base/store/types.js';

export interface InteractiveContext {
  store: Store;
  sources: ReportSources;
  options: ReportOptions;
}

/** True when the interactive view ran (and the command has nothing left to print). */
export async function runInteractiveReport(_ctx: InteractiveContext): Promise<boolean> {
  return false;
}
