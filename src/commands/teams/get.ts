import { OcoCommand } from '../../core/cli/base-command.js';
import { describeEntity, entityNameArg } from '../../core/cli/entities.js';
import {
  entityReferences,
  entityView,
  getEntity,
  type EntityReferences,
  type TeamView,
} from '../../core/gateway/entities/service.js';

type Out = TeamView & { references: EntityReferences };

export default class TeamsGet extends OcoCommand<Out> {
  static override summary = 'Show one team: allow-lists, key defaults, metadata and what references it.';
  static override examples = ['<%= config.bin %> teams get payments', '<%= config.bin %> teams get payments --json'];
  static override args = entityNameArg('team');

  async run(): Promise<Out> {
    const { args } = await this.parse(TeamsGet);
    const store = await this.store();
    const e = await getEntity(store, 'team', args.name);
    const out = {
      ...((await entityView(store, e)) as TeamView),
      references: await entityReferences(store, 'team', e.name),
    };
    if (!this.jsonEnabled()) this.log(describeEntity(out));
    return out;
  }
}
