import { Args } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { setConfigValue, type ConfigSetResult } from '../../core/base/config/service.js';

export default class ConfigSet extends OcoCommand<ConfigSetResult> {
  static override summary = 'Set a configuration key in the config file.';
  static override description =
    'The value is checked before the file is written; the file is replaced ' +
    'atomically (mode 0600) and is never rewritten when it cannot be parsed.';
  static override examples = [
    '<%= config.bin %> config set proxy.port 9090',
    '<%= config.bin %> config set database.url postgres://postgres@127.0.0.1:5432/oco',
    '<%= config.bin %> config set budget.failOpen false --json',
  ];
  static override args = {
    key: Args.string({ description: 'configuration key, e.g. proxy.port', required: true }),
    value: Args.string({ description: 'new value', required: true }),
  };

  async run(): Promise<ConfigSetResult> {
    const { args } = await this.parse(ConfigSet);
    const result = setConfigValue(args.key, args.value);
    if (!this.jsonEnabled()) {
      this.log(`${result.key} = ${result.value} (${result.file})`);
      if (result.overriddenBy) this.warn(`${result.overriddenBy} is set in the environment and overrides the file.`);
    }
    return result;
  }
}
