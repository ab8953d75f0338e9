import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { unsetConfigValue, type ConfigSetResult } from '../../core/base/config/service.js';

export default class ConfigUnset extends OcoCommand<ConfigSetResult> {
  static override summary = 'Remove a configuration key from the config file.';
  static override examples = [
    '<%= config.bin %> config unset proxy.port',
    '<%= config.bin %> config unset database.url --json',
  ];
  static override args = { key: Args.string({ description: 'configuration key', required: true }) };

  async run(): Promise<ConfigSetResult> {
    const { args } = await this.parse(ConfigUnset);
    const result = unsetConfigValue(args.key);
    if (!this.jsonEnabled())
      this.log(
        result.changed ? `${result.key} removed from ${result.file}` : `${result.key} was not set in ${result.file}`,
      );
    return result;
  }
}
