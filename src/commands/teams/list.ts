import { OcoCommand } from '../../core/cli/base-command.js';
import { entityTable } from '../../core/cli/entities.js';
import { entityView, listEntities, type TeamView } from '../../core/gateway/entities/service.js';

export default class TeamsList extends OcoCommand<{ teams: TeamView[] }> {
  static override summary = 'List the managed teams with their allow-lists and key defaults.';
  static override examples = ['<%= config.bin %> teams list', '<%= config.bin %> teams list --json'];

  async run(): Promise<{ teams: TeamView[] }> {
    await this.parse(TeamsList);
    const store = await this.store();
    const teams: TeamView[] = [];
    for (const e of await listEntities(store, 'team')) teams.push((await entityView(store, e)) as TeamView);
    if (!this.jsonEnabled()) this.log(entityTable('team', teams));
    return { teams };
  }
}
