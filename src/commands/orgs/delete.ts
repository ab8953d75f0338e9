import { Flags } from '@oclif/core';
import { OcoCommand } from '../../core/cli/base-command.js';
import { entityNameArg } from '../../core/cli/entities.js';
import { deleteEntity, type Entity, type EntityReferences } from '../../core/gateway/entities/service.js';

type Out = { deleted: Entity; references: EntityReferences };

export default class OrgsDelete extends OcoCommand<Out> {
  static override summary = 'Delete a managed org and its allow-lists; refused while anything references it.';
  static override description =
    'While keys (not revoked), teams, budgets or rate limits name the org, delete exits 2 (OCO_ENTITY_IN_USE) ' +
    'and changes nothing. --force deletes it anyway: only the org object and its allow-lists go; keys keep ' +
    'their org label (attribution unchanged), budgets and rate limits keep applying to calls carrying ' +
    "the label, and the org's teams are left without an org.";
  static override examples = [
    '<%= config.bin %> orgs delete payments',
    '<%= config.bin %> orgs delete payments --force --json',
  ];
  static override args = entityNameArg('org');
  static override flags = {
    force: Flags.boolean({ summary: 'Delete even while keys, budgets or rate limits still name it (they stay).' }),
  };

  async run(): Promise<Out> {
    const { args, flags } = await this.parse(OrgsDelete);
    const store = await this.store();
    const out = await deleteEntity(store, 'org', args.name, { force: flags.force });
    if (!this.jsonEnabled()) this.log(`Deleted org ${out.deleted.name}`);
    return out;
  }
}
