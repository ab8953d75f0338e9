import { Args, Flags } from '@oclif/core';
import type { HistoryEntry, Recommendation } from '../../core/base/recommend/model.js';
import { setRecommendationStatus } from '../../core/base/recommend/service.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class OptimizeAccept extends OcoCommand<Recommendation & { history: HistoryEntry[] }> {
  static override summary =
    'Mark a recommendation accepted: you will act on it (it resolves once the evidence is gone).';
  static override examples = [
    '<%= config.bin %> optimize accept rec_0123456789abcdef --reason "resize planned for Tuesday"',
    '<%= config.bin %> optimize accept rec_0123456789abcdef --json',
  ];
  static override args = {
    id: Args.string({ description: 'Recommendation id (rec_...), as "oco optimize report" shows it.', required: true }),
  };
  static override flags = {
    reason: Flags.string({ summary: 'Why, kept in the recommendation history.' }),
  };

  async run(): Promise<Recommendation & { history: HistoryEntry[] }> {
    const { args, flags } = await this.parse(OptimizeAccept);
    const r = await setRecommendationStatus(await this.store(), args.id, 'accepted', flags.reason ?? null);
    if (!this.jsonEnabled()) this.log(`${r.id} accepted: ${r.title}`);
    return r;
  }
}
