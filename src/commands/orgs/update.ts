import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityFlags, entityNameArg } from '../../core/cli/entities.js';
import { entityView, updateEntity, type OrgView } from '../../core/gateway/entities/service.js';

export default class OrgsUpdate extends OcoCommand<OrgView> {
  static override summary = "Change an org's description, metadata, allow-lists or key defaults.";
  static override description =
    'Only the given flags change; --metadata merges (k= removes k); "none" lifts a list or clears a default. ' +
    'Running daemons apply new allow-lists within seconds. Defaults apply to keys created from now on; ' +
    'existing keys keep their budgets and limits. The name is the label calls carry and is not changed.';
  static override examples = [
    '<%= config.bin %> orgs update payments --models gpt-4o-mini --providers openai',
    '<%= config.bin %> orgs update payments --default-rpm 120 --metadata owner= --json',
  ];
  static override args = entityNameArg('org');
  static override flags = entityFlags('org', true);

  async run(): Promise<OrgView> {
    const { args, flags } = await this.parse(OrgsUpdate);
    const store = await this.store();
    const view = (await entityView(store, await updateEntity(store, 'org', args.name, flags))) as OrgView;
    if (!this.jsonEnabled()) this.log(`Updated org ${view.name}\n${describeEntity(view)}`);
    return view;
  }
}
