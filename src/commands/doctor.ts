import { OcoCommand } from '../core/cli/base-command.js';
import { runDoctor, type DoctorReport } from '../core/base/doctor/checks.js';
import { ExitCode } from '../core/base/errors.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

export default class Doctor extends OcoCommand<DoctorReport> {
  static override summary = 'Check that oco can run here: Node.js, data directory, database and migrations, Redis.';
  static override description =
    'Each failed check prints its fix. Exit 0 when nothing failed (warnings ' +
    'allowed), 3 when the database or Redis is unreachable, 1 for any other failure.';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --json',
    'DATABASE_URL=postgres://postgres@127.0.0.1:5432/oco <%= config.bin %> doctor',
  ];

  async run(): Promise<DoctorReport> {
    await this.parse(Doctor);
    const report = await runDoctor(this.loadConfig());
    if (!this.jsonEnabled()) {
      for (const c of report.checks) {
        this.log(`[${MARK[c.status]}] ${c.name}: ${c.detail}`);
        if (c.fix && c.status !== 'ok' && c.status !== 'skip') this.log(`       fix: ${c.fix}`);
      }
    }
    const failed = report.checks.filter((c) => c.status === 'fail');
    if (failed.length > 0)
      this.failAfterOutput(failed.some((c) => c.dependency) ? ExitCode.unreachable : ExitCode.failure);
    return report;
  }
}
