import { Args } from '@oclif/core';
import { OcoCommand } from '../../../core/cli/base-command.js';
import { destinationView, removeDestination, type DestinationView } from '../../../core/base/notify/destinations.js';
import { removeFileSecrets } from '../../../core/base/notify/secrets.js';

export default class AlertsDestinationsRemove extends OcoCommand<DestinationView> {
  static override summary = 'Remove an alert destination, its stored secrets and the budget routes to it.';
  static override description = 'Budgets routed to it fall back to the default destination.';
  static override examples = ['<%= config.bin %> alerts destinations remove finops'];
  static override args = { name: Args.string({ description: 'destination name', required: true }) };

  async run(): Promise<DestinationView> {
    const { args } = await this.parse(AlertsDestinationsRemove);
    const config = this.loadConfig();
    const store = await this.store(config);
    const view = destinationView(await removeDestination(store, args.name));
    removeFileSecrets({ env: config.env, stateDir: config.paths.stateDir }, args.name);
    if (!this.jsonEnabled()) this.log(`Removed ${view.kind} destination ${view.name}`);
    return view;
  }
}
