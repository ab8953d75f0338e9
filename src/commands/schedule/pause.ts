import { kubeFlags } from '../../core/cli/velero-command.js';
import { targetFlags } from '../../core/cli/velero/bulk-flags.js';
import { PauseCommand } from '../../core/cli/velero/pause.js';

export default class SchedulePause extends PauseCommand {
  static override summary = 'Pause schedules (merge patch of spec.paused): by name, -l/--selector or --all.';
  static override description =
    'A schedule already paused is skipped and listed under "skipped". A name that does not exist stops the ' +
    'command before anything is paused (exit 1, OCO_K8S_NOT_FOUND). --json prints ' +
    '{schedules: [the paused schedules], skipped: [{name, phase, reason}]}.';
  static override examples = [
    '<%= config.bin %> schedule pause daily-app',
    '<%= config.bin %> schedule pause daily-app hourly-db --json',
    '<%= config.bin %> schedule pause -l team=payments',
    '<%= config.bin %> schedule pause --all',
  ];
  // oclif reads these from the command's own class
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = PauseCommand.args;
  static override flags = { ...targetFlags('schedule'), ...kubeFlags };
  protected readonly paused = true;
}
