import { describe, expect, it } from 'vitest';
import { backupSpec, restoreSpec } from '../../src/core/resilience/velero/builders.js';
import { formatGoDurationMs, parseGoDurationMs } from '../../src/core/base/durations.js';
import {
  cronProblem,
  cronTimes,
  parseLabelSelector,
  parseNamespaceMappings,
  requireName,
} from '../../src/core/resilience/velero/values.js';
import { previewRestore, resourceName } from '../../src/core/resilience/velero/restores.js';

describe('input checks (before anything reaches the cluster)', () => {
  it('Go durations', () => {
    expect(parseGoDurationMs('720h')).toBe(2_592_000_000);
    expect(parseGoDurationMs('1h30m')).toBe(5_400_000);
    expect(parseGoDurationMs('1.5h')).toBe(5_400_000);
    expect(parseGoDurationMs('90s')).toBe(90_000);
    for (const bad of ['3 days', '1d', 'h', '', '10', 'soon']) expect(parseGoDurationMs(bad), bad).toBeUndefined();
    expect(formatGoDurationMs(2_592_000_000)).toBe('720h0m0s');
    expect(formatGoDurationMs(5_430_000)).toBe('1h30m30s');
    // Go leaves out leading zero units
    expect(formatGoDurationMs(90_000)).toBe('1m30s');
    expect(formatGoDurationMs(45_000)).toBe('45s');
    expect(formatGoDurationMs(0)).toBe('0s');
  });

  it('cron as Velero (robfig/cron standard) accepts it', () => {
    for (const ok of ['0 2 * * *', '0 */6 * * *', '*/15 * * * MON-FRI', '@daily', '@hourly', '@every 6h'])
      expect(cronProblem(ok), ok).toBeUndefined();
    expect(cronProblem('0 2 * *')).toMatch(/expected 5 fields/);
    expect(cronProblem('0 2 * * * *')).toMatch(/found 6/);
    expect(cronProblem('61 2 * * *')).toMatch(/59/);
    expect(cronProblem('@dialy')).toMatch(/unknown descriptor/);
    expect(cronProblem('@every soon')).toMatch(/not a duration/);
    expect(
      cronTimes('0 */6 * * *', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z')).map((d) =>
        d.toISOString().slice(11, 16),
      ),
    ).toEqual(['06:00', '12:00', '18:00', '00:00']);
    expect(cronTimes('@every 8h', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'))).toHaveLength(3);
  });

  it('flags name themselves in errors', () => {
    expect(() => backupSpec({ ttl: '3 days' })).toThrow('--ttl: "3 days" is not a duration');
    expect(() => backupSpec({ includeNamespaces: ['NotANs'] })).toThrow(
      '--include-namespaces: "NotANs" is not a valid namespace name',
    );
    expect(() => backupSpec({ selector: 'a=b,,' })).toThrow('--selector: cannot parse "" in label selector');
    expect(() => requireName('Bad_Name', 'backup name')).toThrow('backup name: "Bad_Name" is not a valid name');
    expect(() => parseNamespaceMappings('a:b:c', '--namespace-mappings')).toThrow('"a:b:c" is not source:target');
    expect(() => restoreSpec({})).toThrow('exactly one of --from-backup and --from-schedule');
  });

  it('label selectors become metav1.LabelSelector', () => {
    expect(parseLabelSelector('app=web, tier in (a, b),env!=prod,!legacy,canary', '-l')).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'canary', operator: 'Exists' },
      ],
    });
  });

  it('restore previews apply filters and mappings to a backup resource list', () => {
    expect(resourceName('apps/v1/Deployment')).toBe('deployments.apps');
    expect(resourceName('v1/Pod')).toBe('pods');
    expect(resourceName('networking.k8s.io/v1/Ingress')).toBe('ingresses.networking.k8s.io');
    expect(resourceName('v1/Endpoints')).toBe('endpoints');
    expect(resourceName('networking.k8s.io/v1/NetworkPolicy')).toBe('networkpolicies.networking.k8s.io');
    const list = { 'v1/Pod': ['app/p1', 'db/p2'], 'v1/Namespace': ['app'], 'apps/v1/Deployment': ['app/d1'] };
    expect(
      previewRestore(list, {
        includedNamespaces: ['app'],
        excludedResources: ['pods'],
        namespaceMapping: { app: 'copy' },
      }),
    ).toEqual([
      { resource: 'namespaces', from: 'app', to: 'app' },
      { resource: 'deployments.apps', from: 'app/d1', to: 'copy/d1' },
    ]);
  });
});
