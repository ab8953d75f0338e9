import { kubeFlags } from '../../core/cli/velero-command.js';
import { targetFlags } from '../../core/cli/velero/bulk-flags.js';
import { PauseCommand } from '../../core/cli/velero/pause.js';

export default class ScheduleUnpause extends PauseCommand {
  static override summary = 'Unpause schedules (merge patch of spec.paused): by name, -l/--selector or --all.';
  static override description =
    'A schedule that is not paused is skipped and listed under "skipped". A name that does not exist stops ' +
    'the command before anything is unpaused (exit 1, OCO_K8S_NOT_FOUND). --json prints ' +
    '{schedules: [the unpaused schedules], skipped: [{name, phase, reason}]}.';
  static override examples = [
    '<%= config.bin %> schedule unpause daily-app',
    '<%= config.bin %> schedule unpause daily-app hourly-db --json',
    '<%= config.bin %> schedule unpause -l team=payments',
    '<%= config.bin %> schedule unpause --all',
  ];
  // oclif reads these from the command's own class
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = PauseCommand.args;
  static override flags = { ...targetFlags('schedule'), ...kubeFlags };
  protected readonly paused = false;
}
