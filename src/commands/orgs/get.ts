import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityNameArg } from '../../core/cli/entities.js';
import {
  entityReferences,
  entityView,
  getEntity,
  type EntityReferences,
  type OrgView,
} from '../../core/gateway/entities/service.js';

type Out = OrgView & { references: EntityReferences };

export default class OrgsGet extends OcoCommand<Out> {
  static override summary = 'Show one org: allow-lists, key defaults, metadata and what references it.';
  static override examples = ['<%= config.bin %> orgs get payments', '<%= config.bin %> orgs get payments --json'];
  static override args = entityNameArg('org');

  async run(): Promise<Out> {
    const { args } = await this.parse(OrgsGet);
    const store = await this.store();
    const e = await getEntity(store, 'org', args.name);
    const out = {
      ...((await entityView(store, e)) as OrgView),
      references: await entityReferences(store, 'org', e.name),
    };
    if (!this.jsonEnabled()) this.log(describeEntity(out));
    return out;
  }
}
