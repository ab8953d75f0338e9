import { describe, expect, it } from 'vitest';
import { parsePolicies } from '../../src/core/resilience/dr/policy.js';
import { desiredSchedule } from '../../src/core/resilience/dr/reconcile.js';

const GOOD = `policies:
  - name: app-tier1
    namespaces: [app]
    schedule: "0 */6 * * *"
    rpo: 24h
    rto: 1h
    retention: 720h
    storageLocation: default
  - name: db
    namespaces:
      - db
    schedule: "@every 1h"
    rpo: 90m
`;

function errorOf(text: string): string {
  try {
    parsePolicies(text, 'dr.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('DR policy files', () => {
  it('parses the issue example and defaults', () => {
    const [a, b] = parsePolicies(GOOD);
    expect(a).toMatchObject({
      name: 'app-tier1',
      namespaces: ['app'],
      schedule: '0 */6 * * *',
      rpoMs: 86_400_000,
      rtoMs: 3_600_000,
      retentionMs: 2_592_000_000,
      storageLocation: 'default',
      windowMs: 604_800_000,
    });
    expect(b).toMatchObject({ name: 'db', rpoMs: 5_400_000, retentionMs: 2_592_000_000 });
    expect(b!.rtoMs).toBeUndefined();
  });

  it.each([
    [
      GOOD.replace('rpo: 24h', 'rpo: 24 hours'),
      'dr.yaml:5:10: policies[0].rpo: "24 hours" is not a duration; expected a duration such as 24h or 90m',
    ],
    [
      GOOD.replace('"0 */6 * * *"', '"0 */6 * *"'),
      'dr.yaml:4:15: policies[0].schedule: invalid cron "0 */6 * *": expected 5 fields',
    ],
    [GOOD.replace('    rto: 1h\n', '    rtoo: 1h\n'), 'dr.yaml:6:5: policies[0]: unknown field "rtoo"'],
    [
      GOOD.replace('      - db\n', '      - Bad_NS\n'),
      'dr.yaml:11:9: policies[1].namespaces[0]: "Bad_NS" is not a namespace name',
    ],
    [
      GOOD.replace('  - name: db', '  - name: app-tier1'),
      'dr.yaml:9:11: policies[1].name: "app-tier1" is used by an earlier policy',
    ],
    [GOOD.replace('    rpo: 90m\n', ''), 'dr.yaml:9:5: policies[1]: missing required field "rpo"'],
    ['policies: []\n', 'dr.yaml:1:11: "policies" must be a non-empty list'],
    ['policy:\n  - name: x\n', 'dr.yaml:1:1: unknown top-level key "policy"'],
    ['policies:\n  - name: [\n', 'dr.yaml:3:1: not valid YAML'],
  ])('reports the file, line, column and field (%#)', (text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  it('suggests the field a typo meant', () => {
    try {
      parsePolicies(GOOD.replace('storageLocation', 'storagelocation'));
    } catch (err) {
      expect((err as { hint?: string }).hint).toBe('Did you mean "storageLocation"?');
    }
  });

  it('maps a policy to the Schedule that enforces it', () => {
    const [a] = parsePolicies(GOOD);
    const s = desiredSchedule(a!, 'velero');
    expect(s.metadata).toMatchObject({
      name: 'oco-app-tier1',
      labels: { 'oco.dev/dr-policy': 'app-tier1', 'app.kubernetes.io/managed-by': 'oco' },
    });
    expect(s.spec).toEqual({
      schedule: '0 */6 * * *',
      template: {
        includedNamespaces: ['app'],
        ttl: '720h0m0s',
        storageLocation: 'default',
        metadata: { labels: { 'oco.dev/dr-policy': 'app-tier1' } },
      },
    });
  });
});
