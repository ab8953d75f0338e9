import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { stopCommand, uninstallUnit, type UnitScope } from '../../daemon/systemd.js';

interface UninstallResult {
  scope: UnitScope;
  unitFile: string;
  removed: string[];
  nextSteps: string[];
}

export default class ProxyUninstallService extends OcoCommand<UninstallResult> {
  static override summary = 'Remove the systemd unit "oco proxy install-service" wrote.';
  static override description =
    'Removes oco-proxy.service and the links "systemctl enable" made to it. A running service keeps running ' +
    'until stopped: stop it first with "systemctl [--user] stop oco-proxy". Removing nothing is not an error. ' +
    'Without --user the system unit (needs root, exit 2 otherwise).';
  static override examples = [
    '<%= config.bin %> proxy uninstall-service --user',
    'sudo <%= config.bin %> proxy uninstall-service --json',
  ];
  static override flags = {
    user: Flags.boolean({ summary: 'The user unit (~/.config/systemd/user) instead of the system one.' }),
  };

  async run(): Promise<UninstallResult> {
    const { flags } = await this.parse(ProxyUninstallService);
    const scope: UnitScope = flags.user ? 'user' : 'system';
    const r = uninstallUnit(scope);
    const result = { scope, ...r, nextSteps: [stopCommand(scope), ...r.nextSteps] };
    if (!this.jsonEnabled()) {
      if (r.removed.length === 0) this.log(`no unit at ${r.unitFile}: nothing to remove`);
      for (const f of r.removed) this.log(`removed ${f}`);
      if (r.removed.length > 0) this.log(`then:\n${result.nextSteps.map((s) => `  ${s}`).join('\n')}`);
    }
    return result;
  }
}
