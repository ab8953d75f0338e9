import { Args } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { unsetFallbacks } from '../../../core/gateway/routing/fallbacks.js';

export default class RouteFallbacksUnset extends OcoCommand<{ model: string; removed: boolean }> {
  static override summary = "Remove a model's fallback list.";
  static override description =
    'Calls to the model are then only retried (route.retries) and fail with its own error; a running ' +
    'gateway applies the change within seconds.';
  static override examples = [
    '<%= config.bin %> route fallbacks unset gpt-4o',
    '<%= config.bin %> route fallbacks unset gpt-4o --json',
  ];
  static override args = {
    model: Args.string({ description: 'Model whose fallback list is removed', required: true }),
  };

  async run(): Promise<{ model: string; removed: boolean }> {
    const { args } = await this.parse(RouteFallbacksUnset);
    const r = await unsetFallbacks(await this.store(), args.model);
    if (!this.jsonEnabled()) this.log(`${r.model}: fallbacks removed`);
    return r;
  }
}
