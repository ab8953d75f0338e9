import { Flags } from '@oclif/core';
import { applyPolicyFile, type ApplyResult } from '../../core/base/policy/service.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { POLICY_RULES } from '../../core/cli/policy.js';
import { renderTable } from '../../core/cli/table.js';

export default class PolicyApply extends OcoCommand<ApplyResult> {
  static override summary = 'Apply governance policies from a YAML or JSON file.';
  static override description = `File format (JSON Schema: oco policy schema):
  policies:
    - name: require-team-tag       # unique: lowercase letters, digits, -
      kind: required-tags          # see docs/policies.md for every kind and its fields
      severity: warning            # info | warning | critical (default warning)
      tags: [team, env]
      scope: { provider: aws }     # optional: provider, account, service, region (LLM: provider, team, agent)
      period: 30d                  # days judged, up to today (default 30d)
Kinds: required-tags, allowed-regions, allowed-services, allowed-instance-families, budget-ceiling,
untagged-share (cloud costs); allowed-models, max-request-cost, premium-share (LLM spend).
The whole file is checked first: every mistake is listed as file:line:column: field: message, and nothing is
applied (exit 2). A tag key that no stored cost carries but that is close to one that does is a typo.
Policies are matched by name: new ones are created, changed ones updated; enabled/disabled state is kept unless
the file sets "enabled".`;
  static override examples = [
    '<%= config.bin %> policy apply -f policies.yaml',
    '<%= config.bin %> policy apply -f policies.json --dry-run',
    '<%= config.bin %> policy apply -f policies.yaml --prune --json',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', summary: 'Policy file (YAML or JSON).', required: true }),
    prune: Flags.boolean({ summary: 'Delete stored policies that are not in the file (with their violations).' }),
    'dry-run': Flags.boolean({ summary: 'Check the file and show what would change; change nothing.' }),
  };

  async run(): Promise<ApplyResult> {
    const { flags } = await this.parse(PolicyApply);
    const r = await applyPolicyFile(await this.store(), POLICY_RULES, flags.file, {
      prune: flags.prune,
      dryRun: flags['dry-run'],
    });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          r.policies.map((p) => ({ ...p })),
          [{ key: 'name' }, { key: 'kind' }, { key: 'severity' }, { key: 'action' }],
        ),
      );
      if (r.dryRun) this.log('(dry run: nothing changed)');
    }
    return r;
  }
}
