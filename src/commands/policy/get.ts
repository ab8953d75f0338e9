import { Args } from '@oclif/core';
import { openViolations, type Violation } from '../../core/base/policy/check.js';
import { getPolicy, type StoredPolicy } from '../../core/base/policy/repo.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { yaml } from '../../core/base/lazy.js';

type Result = StoredPolicy & { openViolations: Violation[] };

export default class PolicyGet extends OcoCommand<Result> {
  static override summary = 'Show one governance policy as stored, and its open violations.';
  static override examples = [
    '<%= config.bin %> policy get require-team-tag',
    '<%= config.bin %> policy get require-team-tag --json',
  ];
  static override args = { name: Args.string({ description: 'policy name', required: true }) };

  async run(): Promise<Result> {
    const { args } = await this.parse(PolicyGet);
    const store = await this.store();
    const p = await getPolicy(store, args.name);
    const open = (await openViolations(store)).filter((v) => v.policy === p.name);
    if (!this.jsonEnabled()) {
      this.log(yaml().stringify(p.definition).trimEnd());
      this.log(`enabled: ${p.enabled}  updated: ${p.updatedAt}${p.sourceFile ? `  from: ${p.sourceFile}` : ''}`);
      this.log(
        open.length === 0
          ? 'No open violations.'
          : renderTable(
              open.map((v) => ({ ...v })),
              [{ key: 'severity' }, { key: 'message' }, { key: 'openedAt', header: 'opened' }],
            ),
      );
    }
    return { ...p, openViolations: open };
  }
}
