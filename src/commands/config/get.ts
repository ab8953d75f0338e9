import { Args, Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { getConfigValue, type ConfigGetResult } from '../../core/base/config/service.js';

export default class ConfigGet extends OcoCommand<ConfigGetResult> {
  static override summary = 'Print the effective value of one configuration key.';
  static override description =
    'Secrets are masked unless --reveal is given. The source says whether the value came ' +
    'from a flag, an environment variable, the config file (with its line) or the default.';
  static override examples = [
    '<%= config.bin %> config get proxy.port',
    '<%= config.bin %> config get database.url --json',
    '<%= config.bin %> config get admin.apiKey --reveal',
  ];
  static override args = { key: Args.string({ description: 'configuration key, e.g. proxy.port', required: true }) };
  static override flags = { reveal: Flags.boolean({ description: 'print a secret value in full' }) };

  async run(): Promise<ConfigGetResult> {
    const { args, flags } = await this.parse(ConfigGet);
    const result = getConfigValue(args.key, flags.reveal);
    if (!this.jsonEnabled()) this.log(result.value === null ? '' : String(result.value));
    return result;
  }
}
