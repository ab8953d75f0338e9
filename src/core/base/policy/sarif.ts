/**
 * `oco policy check --sarif`: the check as a SARIF 2.1.0 log, so CI systems (GitHub code
 * scanning, GitLab, Azure DevOps) show violations natively. Rules are the policies judged;
 * results are the open violations; spend has no file, so each result's location is a logical
 * one naming the subject (account, service, team…). partialFingerprints carry the violation's
 * fingerprint, so a CI system tracks one violation across runs as oco does.
 */
import type { CheckResult } from './check.js';
import type { Severity } from './types.js';

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { info: 'note', warning: 'warning', critical: 'error' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function toSarif(r: CheckResult, tool: { version: string }): Record<string, unknown> {
  const ruleIndex = new Map(r.policies.map((p, i) => [p.name, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'oco',
            semanticVersion: tool.version,
            rules: r.policies.map((p) => ({
              id: p.name,
              name: p.kind,
              shortDescription: { text: p.description ?? p.summary },
              fullDescription: {
                text: `${p.summary.replace(/\.$/, '')} (kind ${p.kind}, judged from ${p.from} to ${p.to}).`,
              },
              defaultConfiguration: { level: LEVEL[p.severity] },
              properties: { kind: p.kind, severity: p.severity },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: r.checkedAt }],
        results: r.violations
          .filter((v) => ruleIndex.has(v.policy))
          .map((v) => ({
            ruleId: v.policy,
            ruleIndex: ruleIndex.get(v.policy),
            level: LEVEL[v.severity],
            message: { text: v.message },
            locations: [
              {
                logicalLocations: [
                  {
                    name: Object.values(v.labels).filter(Boolean).join('/') || v.subject,
                    fullyQualifiedName: v.subject,
                    kind: 'resource',
                  },
                ],
              },
            ],
            partialFingerprints: { 'ocoViolation/v1': v.fingerprint },
            properties: { severity: v.severity, evidence: v.evidence, openedAt: v.openedAt, lastSeenAt: v.lastSeenAt },
          })),
      },
    ],
  };
}
