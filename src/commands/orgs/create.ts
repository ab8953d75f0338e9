import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityFlags, entityNameArg } from '../../core/cli/entities.js';
import { createEntity, entityView, type OrgView } from '../../core/gateway/entities/service.js';

export default class OrgsCreate extends OcoCommand<OrgView> {
  static override summary = 'Create a managed org: its name is the attribution label its calls carry.';
  static override description =
    'Keys created with --org NAME are attributed to it; budgets and rate limits name it by --entity NAME. ' +
    'Its allow-lists (--models/--providers) apply to every call of the org, and a key can only narrow them. ' +
    '--default-budget and --default-rpm are what a key created in the org gets when it names no budget or ' +
    'rpm of its own.' +
    " An org's allow-lists apply to the calls of its teams, and its defaults to keys of teams without their own.";
  static override examples = [
    '<%= config.bin %> orgs create payments --description "Payments platform" --metadata owner=ana',
    '<%= config.bin %> orgs create research --models gpt-4o-mini,claude-haiku-* --default-budget 50 --default-rpm 60',
  ];
  static override args = entityNameArg('org');
  static override flags = entityFlags('org', false);

  async run(): Promise<OrgView> {
    const { args, flags } = await this.parse(OrgsCreate);
    const store = await this.store();
    const created = await createEntity(store, 'org', { ...flags, name: args.name });
    const view = (await entityView(store, created)) as OrgView;
    if (!this.jsonEnabled()) this.log(`Created org ${view.name}\n${describeEntity(view)}`);
    return view;
  }
}
