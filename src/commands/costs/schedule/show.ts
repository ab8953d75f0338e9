import { OcoCommand } from '../../../core/cli/base-command.js';
import { renderTable } from '../../../core/cli/table.js';
import { lastRunOf } from '../../../core/cloud-costs/runs.js';
import { formatEvery, listSchedules, type CostSchedule } from '../../../core/cloud-costs/scheduler.js';

type Shown = CostSchedule & { every: string; lastRun: { status: string; startedAt: string } | null };

export default class CostsScheduleShow extends OcoCommand<{ schedules: Shown[] }> {
  static override summary = "Show the cost ingest schedules and each provider's last run.";
  static override examples = ['<%= config.bin %> costs schedule show', '<%= config.bin %> costs schedule show --json'];

  async run(): Promise<{ schedules: Shown[] }> {
    await this.parse(CostsScheduleShow);
    const store = await this.store();
    const schedules: Shown[] = [];
    for (const s of await listSchedules(store)) {
      const last = s.provider === 'all' ? undefined : await lastRunOf(store, s.provider);
      schedules.push({
        ...s,
        every: formatEvery(s.everySeconds),
        lastRun: last ? { status: last.status, startedAt: last.startedAt } : null,
      });
    }
    if (!this.jsonEnabled()) {
      this.log(
        schedules.length
          ? renderTable(
              schedules.map((s) => ({
                provider: s.provider,
                every: s.every,
                lookback: `${s.lookbackDays}d`,
                'last run': s.lastRun ? `${s.lastRun.status} ${s.lastRun.startedAt}` : '-',
              })),
            )
          : 'No schedule. Set one with "oco costs schedule set --every 6h"; the daemon runs it.',
      );
    }
    return { schedules };
  }
}
