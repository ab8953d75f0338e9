/**
 * What the interactive report reads and changes, and nothing else: each screen is one `buildView` call (per view
 * and drill-down level) or one page of `recentRequests`; accepting or dismissing a recommendation goes through the
 * service the command injects. The TUI holds no SQL and no store of its own.
 */
import { buildView, recentRequests } from '../../../base/report/build.js';
import type { DrillStep, Period, RecentPage, ReportViews, View } from '../../../base/report/model.js';
import type { ReportSources } from '../../../base/report/sources.js';
import type { Store } from '../../../base/store/types.js';

/** Accept or dismiss a recommendation (the command passes the recommend service in). */
export type SetRecommendationStatus = (id: string, status: 'accepted' | 'dismissed') => Promise<{ title: string }>;

export interface ReportFeed {
  view(view: View, o: { period: Period; compare?: Period; by?: string; path: DrillStep[] }): Promise<ScreenData>;
  recent(path: DrillStep[], page: { limit: number; cursor?: string }): Promise<RecentPage>;
  setRecommendation?: SetRecommendationStatus;
}

export type ScreenData = ReportViews[View] | undefined;

export function reportFeed(
  store: Store,
  sources: ReportSources,
  setRecommendation?: SetRecommendationStatus,
): ReportFeed {
  return {
    // every item of the savings, policies and anomalies lists, not the static outputs' top ten: the lists scroll
    view: (view, o) => buildView(store, sources, view, { ...o, items: Number.POSITIVE_INFINITY }),
    recent: (path, page) => recentRequests(store, sources, path, page),
    setRecommendation,
  };
}
