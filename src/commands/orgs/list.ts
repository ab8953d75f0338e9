import { OcoCommand } from '../../core/cli/base-command.js';
import { entityTable } from '../../core/cli/entities.js';
import { entityView, listEntities, type OrgView } from '../../core/gateway/entities/service.js';

export default class OrgsList extends OcoCommand<{ orgs: OrgView[] }> {
  static override summary = 'List the managed orgs with their allow-lists and key defaults.';
  static override examples = ['<%= config.bin %> orgs list', '<%= config.bin %> orgs list --json'];

  async run(): Promise<{ orgs: OrgView[] }> {
    await this.parse(OrgsList);
    const store = await this.store();
    const orgs: OrgView[] = [];
    for (const e of await listEntities(store, 'org')) orgs.push((await entityView(store, e)) as OrgView);
    if (!this.jsonEnabled()) this.log(entityTable('org', orgs));
    return { orgs };
  }
}
