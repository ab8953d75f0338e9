/**
 * Every insight function, in one table the command (`oco insights`) and the admin API
 * (`GET /api/v1/insights`) both run: spikes over both wings' daily series, the stored
 * recommendations, and each wing's own table.
 */
import { spikeInsights } from '../core/base/insights/spikes.js';
import { recommendationInsights } from '../core/base/insights/recommendations.js';
import type { InsightSource } from '../core/base/insights/model.js';
import { cloudCostSeries } from '../core/cloud-costs/anomaly-series.js';
import { CLOUD_INSIGHTS } from '../core/cloud-costs/insights.js';
import { llmSpendSeries } from '../core/gateway/usage/anomaly-series.js';
import { LLM_INSIGHTS } from '../core/gateway/usage/insights.js';

export const INSIGHT_SOURCES: readonly InsightSource[] = [
  spikeInsights([llmSpendSeries, cloudCostSeries]),
  recommendationInsights,
  ...LLM_INSIGHTS,
  ...CLOUD_INSIGHTS,
];
