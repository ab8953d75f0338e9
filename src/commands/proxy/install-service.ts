import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { installUnit, serviceUnit, type UnitScope } from '../../daemon/systemd.js';

interface InstallResult {
  scope: UnitScope;
  unitFile: string;
  written: boolean;
  replaced: boolean;
  execStart: string[];
  environmentFile: string;
  notCarried: string[];
  nextSteps: string[];
  unit: string;
}

export default class ProxyInstallService extends OcoCommand<InstallResult> {
  static override summary = 'Write a systemd unit that runs the gateway daemon as a service.';
  static override description =
    'The unit runs "oco proxy start --foreground" (this node and this installation, or the single binary, by ' +
    'absolute path), restarts it on failure, and logs to the journal and the daemon log. It sets the ' +
    "variables that place oco's config, data and state directories, so the service uses this CLI's, and reads " +
    'secrets from an optional environment file, proxy.env in the config directory (mode 0600): none is ever ' +
    'written into the unit, and configuration variables set in this shell are named so you can move them there.\n\n' +
    'Without --user it is a system unit in /etc/systemd/system (needs root, exit 2 otherwise); with --user a unit ' +
    'of your own in ~/.config/systemd/user for systemctl --user. --print prints the unit and writes nothing. ' +
    'Enable it with "systemctl [--user] daemon-reload" and "systemctl [--user] enable --now oco-proxy".';
  static override examples = [
    '<%= config.bin %> proxy install-service --user',
    '<%= config.bin %> proxy install-service --user --print',
    'sudo <%= config.bin %> proxy install-service',
    '<%= config.bin %> proxy install-service --user --json',
  ];
  static override flags = {
    user: Flags.boolean({ summary: 'A user unit (~/.config/systemd/user, systemctl --user) instead of a system one.' }),
    print: Flags.boolean({ summary: 'Print the unit; write nothing.' }),
  };

  async run(): Promise<InstallResult> {
    const { flags } = await this.parse(ProxyInstallService);
    const unit = serviceUnit(this.loadConfig(), flags.user ? 'user' : 'system');
    const { replaced } = flags.print ? { replaced: false } : installUnit(unit);
    const result: InstallResult = {
      scope: unit.scope,
      unitFile: unit.unitFile,
      written: !flags.print,
      replaced,
      execStart: unit.execStart,
      environmentFile: unit.environmentFile,
      notCarried: unit.notCarried,
      nextSteps: unit.nextSteps,
      unit: unit.text,
    };
    if (this.jsonEnabled()) return result;
    if (flags.print) {
      process.stdout.write(unit.text);
      return result;
    }
    this.log(`${replaced ? 'replaced' : 'wrote'} ${unit.unitFile}`);
    if (unit.notCarried.length > 0)
      this.warn(
        `set in this shell but not in the unit: ${unit.notCarried.join(', ')}; ` +
          `put them in ${unit.environmentFile} (mode 0600) or config.yaml`,
      );
    this.log(`then:\n${unit.nextSteps.map((s) => `  ${s}`).join('\n')}`);
    return result;
  }
}
