import { Args } from '@oclif/core';
import { setEnabled, type StoredPolicy } from '../../core/base/policy/repo.js';
import { OcoCommand } from '../../core/cli/base-command.js';

export default class PolicyDisable extends OcoCommand<StoredPolicy> {
  static override summary = 'Disable a governance policy.';
  static override description =
    'It is kept but not judged; its open violations are resolved, so they no longer fail oco policy check.';
  static override examples = [
    '<%= config.bin %> policy disable require-team-tag',
    '<%= config.bin %> policy disable require-team-tag --json',
  ];
  static override args = { name: Args.string({ description: 'policy name', required: true }) };

  async run(): Promise<StoredPolicy> {
    const { args } = await this.parse(PolicyDisable);
    const p = await setEnabled(await this.store(), args.name, false);
    if (!this.jsonEnabled()) this.log(`Policy ${p.name} disabled`);
    return p;
  }
}
