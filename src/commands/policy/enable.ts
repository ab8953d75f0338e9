import { Args } from '@oclif/core';
import { setEnabled, type StoredPolicy } from '../../core/base/policy/repo.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class PolicyEnable extends OcoCommand<StoredPolicy> {
  static override summary = 'Enable a governance policy.';
  static override description = 'The next oco policy check judges it again (and reopens what still breaks it).';
  static override examples = [
    '<%= config.bin %> policy enable require-team-tag',
    '<%= config.bin %> policy enable require-team-tag --json',
  ];
  static override args = { name: Args.string({ description: 'policy name', required: true }) };

  async run(): Promise<StoredPolicy> {
    const { args } = await this.parse(PolicyEnable);
    const p = await setEnabled(await this.store(), args.name, true);
    if (!this.jsonEnabled()) this.log(`Policy ${p.name} enabled`);
    return p;
  }
}
