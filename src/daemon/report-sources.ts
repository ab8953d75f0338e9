/** Every wing's report source, passed to the base report by `oco report` and the daemon's admin API. */
import type { ReportSources } from '../core/base/report/sources.js';
import { cloudReportSource } from '../core/cloud-costs/report-source.js';
import { llmReportSource } from '../core/gateway/usage/report-source.js';
import { backupsReportSource } from '../core/resilience/report-source.js';

export const REPORT_SOURCES: ReportSources = {
  llm: llmReportSource,
  cloud: cloudReportSource,
  backups: backupsReportSource,
};
