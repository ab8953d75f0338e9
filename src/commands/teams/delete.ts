import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { entityNameArg } from '../../core/cli/entities.js';
import { deleteEntity, type Entity, type EntityReferences } from '../../core/gateway/entities/service.js';

type Out = { deleted: Entity; references: EntityReferences };

export default class TeamsDelete extends OcoCommand<Out> {
  static override summary = 'Delete a managed team and its allow-lists; refused while anything references it.';
  static override description =
    'While keys (not revoked), budgets or rate limits name the team, delete exits 2 (OCO_ENTITY_IN_USE) ' +
    'and changes nothing. --force deletes it anyway: only the team object and its allow-lists go; keys keep ' +
    'their team label (attribution unchanged), budgets and rate limits keep applying to calls carrying ' +
    'the label.';
  static override examples = [
    '<%= config.bin %> teams delete payments',
    '<%= config.bin %> teams delete payments --force --json',
  ];
  static override args = entityNameArg('team');
  static override flags = {
    force: Flags.boolean({ summary: 'Delete even while keys, budgets or rate limits still name it (they stay).' }),
  };

  async run(): Promise<Out> {
    const { args, flags } = await this.parse(TeamsDelete);
    const store = await this.store();
    const out = await deleteEntity(store, 'team', args.name, { force: flags.force });
    if (!this.jsonEnabled()) this.log(`Deleted team ${out.deleted.name}`);
    return out;
  }
}
