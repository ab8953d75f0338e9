import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { UsageError } from '../../core/base/errors.js';
import { renderTable } from '../../core/cli/table.js';
import { clearRoute, listRoutes, setRoute, type AlertRoute } from '../../core/base/notify/destinations.js';
import { resolveBudget } from '../../core/cli/spend.js';

export default class AlertsRoute extends OcoCommand<AlertRoute[]> {
  static override summary = "Send one budget's alerts to a destination other than the default, or list the routes.";
  static override description =
    'Without flags, lists the routes. A budget without a route alerts the default destination (and its own ' +
    '--webhook, if it has one, as before).';
  static override examples = [
    '<%= config.bin %> alerts route --budget bud_0123456789abcdef --destination payments-slack',
    '<%= config.bin %> alerts route --budget bud_0123456789abcdef --clear',
    '<%= config.bin %> alerts route --json',
  ];
  static override flags = {
    budget: Flags.string({ description: 'budget id' }),
    destination: Flags.string({ description: 'destination name', exclusive: ['clear'] }),
    clear: Flags.boolean({ description: "remove the budget's route (back to the default)" }),
  };

  async run(): Promise<AlertRoute[]> {
    const { flags } = await this.parse(AlertsRoute);
    if ((flags.destination || flags.clear) && !flags.budget)
      throw new UsageError('--budget is required with --destination or --clear', {
        code: 'OCO_USAGE',
        hint: '"oco budgets list" shows the budget ids.',
      });
    if (flags.budget && !flags.destination && !flags.clear)
      throw new UsageError('give --destination NAME or --clear with --budget', { code: 'OCO_USAGE' });
    const store = await this.store();
    if (flags.budget) {
      const budget = await resolveBudget(store, {}, flags.budget);
      if (flags.clear) {
        const removed = await clearRoute(store, budget.id);
        if (!this.jsonEnabled())
          this.log(
            removed ? `Budget ${budget.id} alerts the default destination again` : `Budget ${budget.id} had no route`,
          );
      } else {
        await setRoute(store, budget.id, flags.destination!);
        if (!this.jsonEnabled()) this.log(`Budget ${budget.id} alerts destination ${flags.destination}`);
      }
    }
    const routes = await listRoutes(store);
    if (!this.jsonEnabled() && !flags.budget)
      this.log(
        routes.length
          ? renderTable(routes, [
              { key: 'budgetId', header: 'budget' },
              { key: 'destination' },
              { key: 'createdAt', header: 'since' },
            ])
          : 'No routes: every budget alerts the default destination.',
      );
    return routes;
  }
}
