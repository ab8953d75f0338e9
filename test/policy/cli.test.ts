import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayAfter } from '../../src/core/base/anomaly/detect.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { SARIF_SCHEMA_FILE } from '../helpers/reference.js';

const require = createRequire(import.meta.url);

/** ajv 8 over the official SARIF 2.1.0 schema (draft-04: read as draft-07, whose only difference here is `$id`). */
function sarifValidator() {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const schema = JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  const { id, $schema: _, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile({ ...rest, $id: id as string });
}

const POLICIES = `# governance
policies:
  - name: eu-only
    kind: allowed-regions
    severity: critical
    regions: [eu-west-1]
  - name: require-team-tag
    kind: required-tags
    severity: warning
    tags: [team]
  - name: no-big-calls
    kind: max-request-cost
    severity: info
    limit: "2"
`;

/** `oco policy` as a CI job runs it: the built CLI on an isolated OCO_HOME with a few days of costs. */
describe('oco policy', () => {
  let home: TempHome;
  const oco = (...args: string[]) => runOco(args, { home: home.path });
  const file = (name: string, text: string) => {
    const path = join(home.path, name);
    writeFileSync(path, text);
    return path;
  };
  const day = dayAfter(new Date().toISOString().slice(0, 10), -1);

  beforeAll(async () => {
    home = tempHome();
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    await migrate(store);
    for (const [region, tags, cost] of [
      ['eu-west-1', '{"team":"payments","environment":"prod"}', '10.5'],
      ['us-east-1', '{"team":"search"}', '3'],
      ['eu-west-1', null, '0.25'],
    ] as const)
      await store.run(
        `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, sub_account_id, region_id,
           billing_currency, tags, billed_cost, effective_cost, row_count)
         VALUES ($1, 'test', 'aws', 'Amazon EC2', '111', $2, 'USD', $3, $4, $4, 1)`,
        [day, region, tags, cost],
      );
    await store.close();
  });
  afterAll(() => home.cleanup());

  it('rejects a file with mistakes: exit 2, every one named by file, line, column and field, nothing applied', async () => {
    const bad = file(
      'bad.yaml',
      'policies:\n  - name: a\n    kind: allowed-region\n  - name: b\n    kind: required-tags\n    tags: [teem]\n',
    );
    const r = await oco('policy', 'apply', '-f', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${bad}:3:11: policies[0].kind: unknown kind "allowed-region"; did you mean "allowed-regions"?`,
    );
    expect(r.stderr).toContain(
      `${bad}:6:12: policies[1].tags[0]: unknown tag key "teem": no stored cloud cost carries it; did you mean "team"?`,
    );
    expect(r.stderr).toContain('Hint: See "oco policy apply --help"');
    const json = await oco('policy', 'apply', '-f', bad, '--json');
    expect(json.code).toBe(2);
    expect(json.json().error).toMatchObject({ code: 'OCO_POLICY_INVALID', exitCode: 2 });
    expect(json.json().error.details.problems[0]).toMatchObject({ line: 3, column: 11, field: 'policies[0].kind' });
    const yaml = await oco('policy', 'apply', '-f', file('broken.yaml', 'policies:\n  - name: "a\n'));
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/broken\.yaml:\d+:\d+: \(file\): not valid YAML or JSON/);
    const missing = await oco('policy', 'apply', '-f', join(home.path, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect((await oco('policy', 'list', '--json')).json()).toEqual([]);
  });

  it('the CI gate: exit 4 at or above --fail-on, 0 below it; violations never duplicated', async () => {
    const applied = await oco('policy', 'apply', '-f', file('policies.yaml', POLICIES), '--json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.json().policies.map((p: { action: string }) => p.action)).toEqual(['created', 'created', 'created']);

    const critical = await oco('policy', 'check');
    expect(critical.code).toBe(4);
    expect(critical.stdout).toMatch(/3 policies checked: 2 open violation\(s\) \(2 new, 0 still open\), 0 resolved/);
    expect(critical.stderr).toContain('Error: 1 open policy violation(s) at or above critical');

    const json = await oco('policy', 'check', '--json');
    expect(json.code).toBe(4);
    expect(json.json()).toMatchObject({ failed: true, failOn: 'critical', counts: { opened: 0, stillOpen: 2 } });

    await oco('policy', 'disable', 'eu-only');
    const warning = await oco('policy', 'check', '--fail-on', 'warning');
    expect(warning.code).toBe(4);
    const passes = await oco('policy', 'check', '--json');
    expect(passes.code).toBe(0);
    expect(passes.json()).toMatchObject({ failed: false, violations: [{ policy: 'require-team-tag' }] });
    await oco('policy', 'enable', 'eu-only');

    const bad = await oco('policy', 'check', '--fail-on', 'high');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on');
    const typo = await oco('policy', 'check', '--policy', 'eu-onyl');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no policy named "eu-onyl"');
    const one = await oco('policy', 'check', '--policy', 'require-team-tag', '--json');
    expect(one.code).toBe(0);
    expect(one.json().policies.map((p: { name: string }) => p.name)).toEqual(['require-team-tag']);
    const period = await oco('policy', 'check', '--period', '2w');
    expect(period.code).toBe(2);
    expect(period.stderr).toContain('--period must be a number of days');
  });

  it('--sarif prints a SARIF 2.1.0 log that validates against the official schema', async () => {
    const r = await oco('policy', 'check', '--sarif');
    expect(r.code).toBe(4);
    const log = JSON.parse(r.stdout) as { version: string; runs: Array<{ tool: any; results: any[] }> };
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
      'eu-only',
      'no-big-calls',
      'require-team-tag',
    ]);
    expect(log.runs[0]!.results).toMatchObject([
      { ruleId: 'eu-only', level: 'error', locations: [{ logicalLocations: [{ name: 'aws/111/us-east-1' }] }] },
      { ruleId: 'require-team-tag', level: 'warning' },
    ]);
    // The schema check is real: a broken log fails it.
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
  });

  it('get, schema, delete', async () => {
    const get = await oco('policy', 'get', 'eu-only', '--json');
    expect(get.json()).toMatchObject({
      name: 'eu-only',
      kind: 'allowed-regions',
      openViolations: [{ severity: 'critical' }],
    });
    const typo = await oco('policy', 'get', 'eu-onyl');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean "eu-only"?');
    const schema = await oco('policy', 'schema');
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'oco governance policies' });
    // Shipped in the package (dist/) as written in src/.
    const shipped = (dir: string) =>
      JSON.parse(readFileSync(join(import.meta.dirname, `../../${dir}/core/base/policy/policies.schema.json`), 'utf8'));
    expect(shipped('dist')).toEqual(shipped('src'));
    expect((await oco('policy', 'delete', 'eu-only', '--json')).json()).toEqual({
      deleted: 'eu-only',
      kind: 'allowed-regions',
    });
    expect((await oco('policy', 'check', '--json')).json()).toMatchObject({ failed: false });
  });
});
