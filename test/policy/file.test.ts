import { describe, expect, it } from 'vitest';
import { ruleKinds } from '../../src/core/base/policy/check.js';
import { PolicyFileError, parsePolicies } from '../../src/core/base/policy/file.js';
import { schemaKinds } from '../../src/core/base/policy/schema.js';
import { POLICY_RULES } from '../../src/core/cli/policy.js';

const kinds = ruleKinds(POLICY_RULES);

/** The problems a file has, as "line:column field: message" lines. */
function problems(text: string, tagKeys: string[] = []): string[] {
  try {
    parsePolicies(text, 'p.yaml', { kinds, tagKeys: { cloud: tagKeys } });
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyFileError);
    const e = err as PolicyFileError;
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('OCO_POLICY_INVALID');
    expect(e.message.split('\n').every((l) => l.startsWith('p.yaml:'))).toBe(true);
    return e.problems.map((p) => `${p.line}:${p.column} ${p.field}: ${p.message}`);
  }
  throw new Error('expected the file to be rejected');
}

describe('policy files', () => {
  it('the schema and the wings offer the same rule kinds', () => {
    expect(schemaKinds().sort()).toEqual(Object.keys(kinds).sort());
    expect(Object.keys(kinds)).toEqual(
      expect.arrayContaining([
        'required-tags',
        'allowed-regions',
        'allowed-services',
        'allowed-instance-families',
        'budget-ceiling',
        'untagged-share',
        'allowed-models',
        'max-request-cost',
        'premium-share',
      ]),
    );
  });

  it('reads a valid file (YAML) with every kind', () => {
    const text = `policies:
  - { name: a, kind: required-tags, severity: warning, tags: [team, env], scope: { provider: aws } }
  - { name: b, kind: allowed-regions, severity: critical, regions: [eu-west-1] }
  - { name: c, kind: allowed-services, services: ["Amazon S3*"] }
  - { name: d, kind: allowed-instance-families, families: ["m7g.*"] }
  - { name: e, kind: budget-ceiling, limit: "1000.25", currency: EUR, by: "tag:team", period: 7d }
  - { name: f, kind: untagged-share, maxShare: 0.1 }
  - { name: g, kind: allowed-models, models: [gpt-4o-mini], scope: { team: payments } }
  - { name: h, kind: max-request-cost, limit: 0.5, severity: info }
  - { name: i, kind: premium-share, models: [gpt-4o], maxShare: 0.25, enabled: false }
`;
    const ps = parsePolicies(text, 'p.yaml', { kinds });
    expect(ps.map((p) => p.kind)).toHaveLength(9);
    expect(ps[4]).toMatchObject({ limit: '1000.25', by: 'tag:team', period: '7d' });
  });

  it('bad YAML names the line and column', () => {
    expect(problems('policies:\n  - name: a\n    kind: [x\n')).toEqual([
      expect.stringMatching(/^4:1 \(file\): not valid YAML or JSON: /),
    ]);
    expect(problems('policies:\n  - name: a\n    name: b\n')[0]).toMatch(
      /^3:5 \(file\): not valid YAML or JSON: .*unique/i,
    );
  });

  it('bad JSON names the line and column', () => {
    expect(
      problems('{\n  "policies": [\n    { "name": "a", "kind": "required-tags", "tags": ["x"] ,, }\n  ]\n}\n')[0],
    ).toMatch(/^3:\d+ \(file\): not valid YAML or JSON/);
  });

  it('an unknown kind names the closest one', () => {
    expect(problems('policies:\n  - name: a\n    kind: required-tag\n    tags: [team]\n')).toEqual([
      expect.stringMatching(/^3:11 policies\[0\]\.kind: unknown kind "required-tag"; did you mean "required-tags"\?/),
    ]);
  });

  it('a field of the wrong type, an unknown field, a missing field, a bad enum: each with its line', () => {
    const text = `policies:
  - name: a
    kind: allowed-regions
    regions: eu-west-1
    colour: red
  - name: b
    kind: budget-ceiling
    by: team
  - name: c
    kind: untagged-share
    maxShare: 1.5
    severity: high
`;
    expect(problems(text)).toEqual([
      '4:14 policies[0].regions: must be array',
      '5:5 policies[0].colour: unknown field "colour"',
      '6:5 policies[1].limit: missing required field "limit"',
      '8:9 policies[1].by: must match pattern "^(provider|account|service|region|tag:[^\\s:]+)$"',
      '11:15 policies[2].maxShare: must be <= 1',
      '12:15 policies[2].severity: must be one of info, warning, critical',
    ]);
  });

  it('JSON files get the same positions', () => {
    const text =
      '{\n  "policies": [\n    { "name": "a", "kind": "allowed-models",\n      "models": "gpt-4o" }\n  ]\n}\n';
    expect(problems(text)).toEqual(['4:17 policies[0].models: must be array']);
  });

  it('a tag key no stored cost carries, close to one that does, is a typo', () => {
    const text = 'policies:\n  - name: a\n    kind: required-tags\n    tags: [team, enviroment]\n';
    expect(problems(text, ['team', 'environment', 'owner'])).toEqual([
      '4:18 policies[0].tags[1]: unknown tag key "enviroment": no stored cloud cost carries it; did you mean "environment"?',
    ]);
    // A key far from every known one is a tag nobody uses yet: a policy may require it.
    expect(() =>
      parsePolicies(text.replace('enviroment', 'cost-center'), 'p.yaml', { kinds, tagKeys: { cloud: ['team'] } }),
    ).not.toThrow();
    // With no tagged data stored, nothing is known to compare with.
    expect(() => parsePolicies(text, 'p.yaml', { kinds, tagKeys: { cloud: [] } })).not.toThrow();
  });

  it('two policies of one name, and a missing policies list', () => {
    expect(
      problems(
        'policies:\n  - { name: a, kind: allowed-models, models: [x] }\n  - { name: a, kind: allowed-models, models: [y] }\n',
      ),
    ).toEqual(['3:13 policies[1].name: "a" is also the name of policies[0]']);
    expect(problems('rules: []\n')).toEqual([
      '1:1 policies: missing required field "policies"',
      '1:1 rules: unknown field "rules"',
    ]);
  });
});
