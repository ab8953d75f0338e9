import { Args } from '@oclif/core';
import { deletePolicy } from '../../core/base/policy/repo.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class PolicyDelete extends OcoCommand<{ deleted: string; kind: string }> {
  static override summary = 'Delete a governance policy and its violation history.';
  static override examples = [
    '<%= config.bin %> policy delete require-team-tag',
    '<%= config.bin %> policy delete require-team-tag --json',
  ];
  static override args = { name: Args.string({ description: 'policy name', required: true }) };

  async run(): Promise<{ deleted: string; kind: string }> {
    const { args } = await this.parse(PolicyDelete);
    const p = await deletePolicy(await this.store(), args.name);
    if (!this.jsonEnabled()) this.log(`Deleted policy ${p.name} (${p.kind}) and its violations`);
    return { deleted: p.name, kind: p.kind };
  }
}
