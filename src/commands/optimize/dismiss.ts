import { Args, Flags } from '@oclif/core';
import type { HistoryEntry, Recommendation } from '../../core/base/recommend/model.js';
import { setRecommendationStatus } from '../../core/base/recommend/service.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class OptimizeDismiss extends OcoCommand<Recommendation & { history: HistoryEntry[] }> {
  static override summary =
    'Dismiss a recommendation: it stays dismissed until its savings move by optimize.materialChangePercent.';
  static override examples = [
    '<%= config.bin %> optimize dismiss rec_0123456789abcdef --reason "reserved for the year-end batch"',
    '<%= config.bin %> optimize dismiss rec_0123456789abcdef --json',
  ];
  static override args = {
    id: Args.string({ description: 'Recommendation id (rec_...), as "oco optimize report" shows it.', required: true }),
  };
  static override flags = {
    reason: Flags.string({ summary: 'Why, kept in the recommendation history.' }),
  };

  async run(): Promise<Recommendation & { history: HistoryEntry[] }> {
    const { args, flags } = await this.parse(OptimizeDismiss);
    const r = await setRecommendationStatus(await this.store(), args.id, 'dismissed', flags.reason ?? null);
    if (!this.jsonEnabled()) this.log(`${r.id} dismissed: ${r.title}`);
    return r;
  }
}
