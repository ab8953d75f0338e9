import { Flags } from '@oclif/core';
import { checkPolicies, type CheckResult } from '../../core/base/policy/check.js';
import { toSarif } from '../../core/base/policy/sarif.js';
import { SEVERITIES, type Severity } from '../../core/base/policy/types.js';
import { ExitCode, UsageError } from '../../core/base/errors.js';
import { OcoCommand } from '../../core/cli/base-command.js';
import { POLICY_RULES } from '../../core/cli/policy.js';
import { renderTable } from '../../core/cli/table.js';

export default class PolicyCheck extends OcoCommand<CheckResult> {
  static override summary = 'Evaluate every enabled policy against the stored costs and record the violations.';
  static override description =
    'Each policy judges its own period (default 30d, up to today) of cloud costs or LLM spend. A violation is ' +
    'opened once per policy and subject (account, service, region, team, model…), updated while it lasts, and ' +
    'resolved when it is gone: re-runs never duplicate. Exit 4 when an open violation is at or above --fail-on ' +
    '(default critical), so a CI job fails; 0 otherwise. --sarif prints a SARIF 2.1.0 log for code-scanning UIs.';
  static override examples = [
    '<%= config.bin %> policy check',
    '<%= config.bin %> policy check --fail-on warning',
    '<%= config.bin %> policy check --sarif > oco-policies.sarif',
    '<%= config.bin %> policy check --period 7d --json',
  ];
  static override flags = {
    'fail-on': Flags.string({
      summary: 'Lowest severity of an open violation that fails the check (exit 4).',
      options: [...SEVERITIES],
      default: 'critical',
    }),
    sarif: Flags.boolean({ summary: 'Print the result as a SARIF 2.1.0 log.', exclusive: ['json'] }),
    period: Flags.string({ summary: "Days judged, up to today, for every policy (default each policy's period)." }),
    policy: Flags.string({ summary: 'Only this policy (repeatable).', multiple: true }),
  };

  async run(): Promise<CheckResult> {
    const { flags } = await this.parse(PolicyCheck);
    const periodDays = flags.period === undefined ? undefined : days(flags.period);
    const r = await checkPolicies(await this.store(), POLICY_RULES, {
      failOn: flags['fail-on'] as Severity,
      periodDays,
      names: flags.policy,
    });
    if (flags.sarif) this.log(JSON.stringify(toSarif(r, { version: this.config.version }), null, 2));
    else if (!this.jsonEnabled()) this.render(r);
    if (r.failed) {
      const n = r.violations.filter((v) => SEVERITIES.indexOf(v.severity) >= SEVERITIES.indexOf(r.failOn)).length;
      this.failAfterOutput(ExitCode.policy, {
        message: `${n} open policy violation(s) at or above ${r.failOn}`,
        hint: 'Fix what they name, or change the policy (oco policy apply) or --fail-on.',
      });
    }
    return r;
  }

  private render(r: CheckResult): void {
    if (r.policies.length === 0) {
      this.log('No enabled policies. Apply some with: oco policy apply -f policies.yaml');
      return;
    }
    const c = r.counts;
    this.log(
      `${r.policies.length} policies checked: ${r.violations.length} open violation(s) ` +
        `(${c.opened} new, ${c.stillOpen} still open), ${c.resolved} resolved.`,
    );
    if (r.violations.length > 0)
      this.log(
        renderTable(
          r.violations.map((v) => ({ ...v })),
          [{ key: 'severity' }, { key: 'policy' }, { key: 'message' }],
        ),
      );
  }
}

function days(text: string): number {
  const m = /^([1-9]\d{0,3})d$/.exec(text);
  if (!m) throw new UsageError(`--period must be a number of days such as 7d or 30d (got "${text}")`);
  return Number(m[1]);
}
