import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityFlags, entityNameArg } from '../../core/cli/entities.js';
import { createEntity, entityView, type TeamView } from '../../core/gateway/entities/service.js';

export default class TeamsCreate extends OcoCommand<TeamView> {
  static override summary = 'Create a managed team: its name is the attribution label its calls carry.';
  static override description =
    'Keys created with --team NAME are attributed to it; budgets and rate limits name it by --entity NAME. ' +
    'Its allow-lists (--models/--providers) apply to every call of the team, and a key can only narrow them. ' +
    '--default-budget and --default-rpm are what a key created in the team gets when it names no budget or ' +
    'rpm of its own.' +
    " A team belongs to at most one org (--org, a managed org): when the key names no org it gets the team's, " +
    "and the org's allow-lists and defaults apply to the team too.";
  static override examples = [
    '<%= config.bin %> teams create payments --org acme --description "Payments platform" --metadata owner=ana',
    '<%= config.bin %> teams create research --models gpt-4o-mini,claude-haiku-* --default-budget 50 --default-rpm 60',
  ];
  static override args = entityNameArg('team');
  static override flags = entityFlags('team', false);

  async run(): Promise<TeamView> {
    const { args, flags } = await this.parse(TeamsCreate);
    const store = await this.store();
    const created = await createEntity(store, 'team', { ...flags, name: args.name });
    const view = (await entityView(store, created)) as TeamView;
    if (!this.jsonEnabled()) this.log(`Created team ${view.name}\n${describeEntity(view)}`);
    return view;
  }
}
