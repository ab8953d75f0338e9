import { Args } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import {
  destinationView,
  setDefaultDestination,
  type DestinationView,
} from '../../../core/base/notify/destinations.js';

export default class AlertsDestinationsSetDefault extends OcoCommand<DestinationView> {
  static override summary =
    'Make a destination the default: where alerts of budgets without a route, and the digest, go.';
  static override examples = ['<%= config.bin %> alerts destinations set-default finops'];
  static override args = { name: Args.string({ description: 'destination name', required: true }) };

  async run(): Promise<DestinationView> {
    const { args } = await this.parse(AlertsDestinationsSetDefault);
    const store = await this.store();
    const view = destinationView(await setDefaultDestination(store, args.name));
    if (!this.jsonEnabled()) this.log(`${view.name} is now the default alert destination`);
    return view;
  }
}
