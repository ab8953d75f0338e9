import { Flags } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import {
  formatEvery,
  parseEvery,
  removeSchedule,
  setSchedule,
  type CostSchedule,
} from '../../../core/cloud-costs/scheduler.js';

export default class CostsScheduleSet extends OcoCommand<{ schedule: CostSchedule | null; removed?: boolean }> {
  static override summary = 'Schedule cost ingests, run by the oco daemon.';
  static override description =
    'The daemon ingests each due provider for the last --lookback days (bills keep changing for a few ' +
    'days), skipping a provider whose last run is still going. Each run is recorded ("oco costs runs").\n' +
    '--provider all (the default) covers every configured provider; a ' +
    "provider's own schedule takes precedence. --every off removes the schedule.";
  static override examples = [
    '<%= config.bin %> costs schedule set --every 6h',
    '<%= config.bin %> costs schedule set --every 1d --provider aws --lookback 7',
    '<%= config.bin %> costs schedule set --every off --provider aws',
  ];
  static override flags = {
    every: Flags.string({ description: 'period: 30m, 6h, 1d … or off', required: true }),
    provider: Flags.string({
      description: 'aws, azure, gcp or all',
      options: ['aws', 'azure', 'gcp', 'all'],
      default: 'all',
    }),
    lookback: Flags.integer({ description: 'days re-fetched each run', default: 3, min: 1, max: 90 }),
  };

  async run(): Promise<{ schedule: CostSchedule | null; removed?: boolean }> {
    const { flags } = await this.parse(CostsScheduleSet);
    const provider = flags.provider as CostSchedule['provider'];
    const store = await this.store();
    if (flags.every === 'off') {
      const removed = await removeSchedule(store, provider);
      if (!this.jsonEnabled())
        this.log(removed ? `removed the ${provider} schedule` : `no ${provider} schedule to remove`);
      return { schedule: null, removed };
    }
    const schedule = await setSchedule(store, {
      provider,
      everySeconds: parseEvery(flags.every),
      lookbackDays: flags.lookback,
    });
    if (!this.jsonEnabled())
      this.log(
        `${provider}: every ${formatEvery(schedule.everySeconds)}, last ${schedule.lookbackDays} days each run ` +
          '(runs while the daemon runs)',
      );
    return { schedule };
  }
}
