import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityFlags, entityNameArg } from '../../core/cli/entities.js';
import { entityView, updateEntity, type TeamView } from '../../core/gateway/entities/service.js';

export default class TeamsUpdate extends OcoCommand<TeamView> {
  static override summary = "Change a team's description, metadata, allow-lists or key defaults.";
  static override description =
    'Only the given flags change; --metadata merges (k= removes k); "none" lifts a list or clears a default. ' +
    'Running daemons apply new allow-lists within seconds. Defaults apply to keys created from now on; ' +
    'existing keys keep their budgets and limits. The name is the label calls carry and is not changed.';
  static override examples = [
    '<%= config.bin %> teams update payments --models gpt-4o-mini --providers openai',
    '<%= config.bin %> teams update payments --default-rpm 120 --metadata owner= --json',
  ];
  static override args = entityNameArg('team');
  static override flags = entityFlags('team', true);

  async run(): Promise<TeamView> {
    const { args, flags } = await this.parse(TeamsUpdate);
    const store = await this.store();
    const view = (await entityView(store, await updateEntity(store, 'team', args.name, flags))) as TeamView;
    if (!this.jsonEnabled()) this.log(`Updated team ${view.name}\n${describeEntity(view)}`);
    return view;
  }
}
