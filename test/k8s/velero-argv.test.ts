import { describe, expect, it } from 'vitest';
import { normaliseBooleans, type FlagShape } from '../../src/core/cli/velero/argv.js';
import { requireNamespace } from '../../src/core/resilience/velero/values.js';
import { backupSpec } from '../../src/core/resilience/velero/builders.js';

const flags: Record<string, FlagShape> = {
  'snapshot-volumes': { type: 'boolean', allowNo: true },
  confirm: { type: 'boolean' },
  'include-namespaces': { type: 'option' },
  context: { type: 'option', aliases: ['kubecontext'] },
  wait: { type: 'boolean', aliases: ['w-alias'] },
};

describe("velero's --flag=true|false", () => {
  it('becomes --flag / --no-flag, or nothing for a flag that is off unless given', () => {
    expect(
      normaliseBooleans(
        ['x', '--include-namespaces', 'app', '--snapshot-volumes=false', '--confirm=true', '--wait=false'],
        flags,
      ),
    ).toEqual(['x', '--include-namespaces', 'app', '--no-snapshot-volumes', '--confirm']);
    expect(normaliseBooleans(['--snapshot-volumes=true', '--confirm=false'], flags)).toEqual(['--snapshot-volumes']);
  });

  it("accepts Go's ParseBool spellings and aliases, leaves option flags and everything after -- alone", () => {
    expect(normaliseBooleans(['--snapshot-volumes=F', '--w-alias=1', '--context=prod'], flags)).toEqual([
      '--no-snapshot-volumes',
      '--wait',
      '--context=prod',
    ]);
    expect(normaliseBooleans(['--', '--confirm=false'], flags)).toEqual(['--', '--confirm=false']);
  });

  it('refuses anything else, naming the flag (exit 2)', () => {
    expect(() => normaliseBooleans(['--snapshot-volumes=maybe'], flags)).toThrow(
      expect.objectContaining({ message: '--snapshot-volumes: "maybe" is not a boolean', exitCode: 2 }),
    );
  });
});

describe('namespace filters', () => {
  it("accept velero 1.18's wildcards where velero does, names elsewhere", () => {
    expect(backupSpec({ includeNamespaces: ['app-*', 'team-?-db', '*'] }).includedNamespaces).toEqual([
      'app-*',
      'team-?-db',
      '*',
    ]);
    expect(() => backupSpec({ excludeNamespaces: ['App-*'] })).toThrow(
      '--exclude-namespaces: "App-*" is not a valid namespace name or pattern',
    );
    expect(() => backupSpec({ includeNamespaces: ['-app'] })).toThrow('"-app" is not a valid namespace');
    expect(() => requireNamespace('app-*', '--into-namespace')).toThrow('"app-*" is not a valid namespace name');
  });
});
