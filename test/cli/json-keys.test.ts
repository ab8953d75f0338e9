import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import type { Candidate } from '../../src/core/base/recommend/model.js';
import { listRecommendations, runRecommendations } from '../../src/core/base/recommend/service.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { camelCase, snakeCase, snakeCaseKeys } from '../../src/core/base/json-keys.js';
import { listBudgets, recordAlert, writeSpendEvents } from '../../src/core/gateway/spend/repo.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { k8sEnv, type K8sEnv } from '../k8s/helpers.js';
import { ROOT, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

/**
 * Every `--json` output uses one key style: camelCase. This runs each command
 * the manifest lists with a --json flag against one prepared OCO_HOME (SQLite
 * with spend, usage, budgets, keys, prices and cloud costs) and a fake cluster,
 * snapshots the key paths of what it prints, and checks every key's spelling.
 * A command added without an entry in CASES fails here.
 */

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

/** Keys that are data, not names of fields (currency codes, tag keys, namespaces…): shown as `*`, not style-checked. */
const DATA_MAPS: Record<string, string[]> = {
  'costs:summary': ['rows[].byCurrency', 'total.byCurrency', 'rates'],
  'costs:top': ['rows[].byCurrency', 'total.byCurrency', 'rates'],
  health: ['backups.byPhase'],
  anomalies: ['anomalies[].labels'],
  insights: ['insights[].numbers'],
  'policy:check': ['violations[].labels', 'violations[].evidence', 'resolved[].labels', 'resolved[].evidence'],
  'policy:get': ['openViolations[].labels', 'openViolations[].evidence'],
  // A JSON Schema: its keys ($defs, kind names) are the schema's, not oco's.
  'policy:schema': [''],
  'optimize:report': ['totalMonthlySavings', 'recommendations[].evidence'],
  'optimize:accept': ['evidence'],
  'optimize:dismiss': ['evidence'],
  'backup:describe': [
    'details.resources',
    'details.results.errors',
    'details.results.warnings',
    'labels',
    'annotations',
  ],
  'restore:describe': [
    'details.results.errors',
    'details.results.warnings',
    'labels',
    'annotations',
    'namespaceMapping',
  ],
  'restore:plan': ['namespaceMapping'],
  'restore:create': ['namespaceMapping'],
  'restore:execute': ['namespaceMapping'],
  'proxy:logs': ['lines[]'],
  // a location's provider settings: the plugin's keys (s3ForcePathStyle, resourceGroup…)
  'backup-location:create': ['config'],
  'backup-location:list': ['[].config'],
  'backup-location:get': ['config', 'spec.config'],
  'backup-location:set': ['location.config', 'location.spec.config'],
  'snapshot-location:create': ['config'],
  'snapshot-location:list': ['[].config'],
  'snapshot-location:get': ['config', 'spec.config'],
  'snapshot-location:set': ['config'],
  // A key's metadata keys are its owner's labels.
  'keys:create': ['metadata'],
  'keys:list': ['[].metadata'],
  'keys:get': ['metadata'],
  'keys:update': ['metadata'],
  'keys:rotate': ['metadata'],
  'keys:block': ['metadata'],
  'keys:unblock': ['metadata'],
  'keys:revoke': ['metadata'],
  // So are a team's and an org's.
  'teams:create': ['metadata'],
  'teams:list': ['teams[].metadata'],
  'teams:get': ['metadata'],
  'teams:update': ['metadata'],
  'teams:delete': ['deleted.metadata'],
  'orgs:create': ['metadata'],
  'orgs:list': ['orgs[].metadata'],
  'orgs:get': ['metadata'],
  'orgs:update': ['metadata'],
  'orgs:delete': ['deleted.metadata'],
};

interface Ctx {
  keyId?: string;
  port?: number;
  plan?: string;
  /** Recommendations seeded before the run. */
  recIds?: string[];
  file: (name: string) => string;
}

interface Case {
  args: (ctx: Ctx) => string[];
  /** Creates what other cases read: runs before them. */
  writes?: boolean;
  /** Changes or removes what other cases read: runs after the others, one at a time, in order. */
  last?: number;
  /** Expected exit code (default 0); -1 when it depends on the machine or the cluster's state, not on the command. */
  exit?: number;
  /** Extra environment (e.g. a temporary XDG_CONFIG_HOME for a command that writes under the user's home). */
  env?: (ctx: Ctx) => Record<string, string>;
}

const c = (args: string[] | ((ctx: Ctx) => string[]), more: Omit<Case, 'args'> = {}): Case => ({
  args: typeof args === 'function' ? args : () => args,
  ...more,
});

const SCOPE = ['--scope', 'team', '--entity', 'payments'];

const CASES: Record<string, Case> = {
  doctor: c([], { exit: -1 }),
  health: c([], { exit: -1 }),
  version: c([]),
  'proxy:install-service': c(['--user'], { writes: true, env: (ctx) => ({ XDG_CONFIG_HOME: ctx.file('xdg-config') }) }),
  'proxy:uninstall-service': c(['--user'], { last: 1, env: (ctx) => ({ XDG_CONFIG_HOME: ctx.file('xdg-config') }) }),
  'config:get': c(['proxy.port']),
  'config:list': c([]),
  'config:path': c([]),
  'config:set': c(['budget.timezone', 'UTC'], { writes: true }),
  'config:unset': c(['budget.timezone'], { last: 1 }),
  'db:migrate': c([], { writes: true }),
  'db:status': c([]),
  'alerts:destinations:add': c(['slack', 'jk', '--webhook-url-env', 'OCO_JK_UNSET'], { writes: true }),
  'alerts:destinations:list': c([]),
  // The variable is not set: the error document, at once (no delivery is tried).
  'alerts:destinations:test': c(['jk'], { exit: 2 }),
  'alerts:destinations:set-default': c(['jk'], { last: 1 }),
  'alerts:destinations:remove': c(['jk'], { last: 2 }),
  'alerts:route': c([]),
  'alerts:digest': c(['--now', '--dry-run']),
  'budgets:alerts': c([...SCOPE]),
  'budgets:check': c([]),
  'budgets:compact': c([], { writes: true }),
  'budgets:create': c(['--scope', 'agent', '--entity', 'bot', '--limit', '10', '--alert-at', '50'], { writes: true }),
  'budgets:get': c([...SCOPE]),
  'budgets:list': c([]),
  'budgets:update': c([...SCOPE, '--limit', '600'], { writes: true }),
  'budgets:reset': c([...SCOPE], { last: 1 }),
  'budgets:delete': c(['--scope', 'agent', '--entity', 'bot'], { last: 2 }),
  'limits:create': c(['--scope', 'agent', '--entity', 'bot', '--kind', 'rpm', '--limit', '60'], { writes: true }),
  'limits:list': c([]),
  'budgets:raise': c([...SCOPE, '--by', '5', '--until', '2099-01-01T00:00:00Z'], { last: 1 }),
  'orgs:create': c(['acme', '--description', 'Acme', '--metadata', 'owner=ana', '--providers', 'openai'], {
    writes: true,
  }),
  'orgs:list': c([]),
  'orgs:get': c(['acme']),
  'orgs:update': c(['acme', '--default-rpm', '10'], { last: 1 }),
  'orgs:delete': c(['acme', '--force'], { last: 3 }),
  'teams:create': c(['search', '--metadata', 'owner=bo', '--default-budget', '5'], { writes: true }),
  'teams:list': c([]),
  'teams:get': c(['payments']),
  'teams:update': c(['payments', '--default-rpm', '20', '--models', 'gpt-4o-mini'], { last: 1 }),
  'teams:delete': c(['search'], { last: 3 }),
  'limits:delete': c(['--scope', 'team', '--entity', 'payments', '--kind', 'tpm'], { last: 1 }),
  'keys:create': c(
    ['--name', 'ci', '--team', 'payments', '--models', 'gpt-4o-mini', '--metadata', 'owner=ana', '--budget', '5'],
    { writes: true },
  ),
  'keys:list': c([]),
  'keys:get': c((ctx) => [ctx.keyId!]),
  'keys:update': c((ctx) => [ctx.keyId!, '--rpm', '10', '--metadata', 'tier=gold']),
  'keys:rotate': c((ctx) => [ctx.keyId!, '--grace', '1h']),
  'keys:block': c((ctx) => [ctx.keyId!]),
  'keys:unblock': c((ctx) => [ctx.keyId!]),
  'keys:allow': c(['--team', 'payments', '--models', 'gpt-4o-mini,claude-haiku-*'], { writes: true }),
  'keys:revoke': c((ctx) => [ctx.keyId!], { last: 1 }),
  'admin-keys:create': c(['--scope', 'read', '--name', 'dashboards'], { writes: true }),
  'admin-keys:list': c([]),
  'admin-keys:revoke': c(['dashboards'], { last: 1 }),
  'pricing:get': c(['gpt-4o']),
  'pricing:list': c(['--provider', 'openai']),
  'pricing:set': c(['house-model', '--provider', 'openai', '--input', '1', '--output', '2'], { writes: true }),
  'pricing:import': c(['test/proxy/fixtures/litellm-sample.json'], { writes: true }),
  'pricing:unpriced': c([]),
  anomalies: c(['--since', '30d']),
  insights: c(['--since', '30d']),
  report: c(['--since', '30d']),
  'cache:stats': c([]),
  'cache:clear': c(['--org', 'acme', '--confirm'], { last: 1 }),
  'policy:apply': c((ctx) => ['-f', ctx.file('policies.yaml')], { writes: true }),
  'policy:list': c([]),
  'policy:get': c(['eu-only']),
  'policy:schema': c([]),
  'policy:check': c(['--fail-on', 'critical'], { exit: -1 }),
  'policy:disable': c(['eu-only'], { last: 1 }),
  'policy:enable': c(['eu-only'], { last: 2 }),
  'policy:delete': c(['eu-only'], { last: 3 }),
  'optimize:run': c([], { writes: true }),
  // No provider's recommendation service is configured here: the error document (the success keys are in
  // test/optimize/aws-import.test.ts, against the Cost Optimization Hub fake).
  'optimize:import': c([], { exit: 2 }),
  'optimize:report': c(['--status', 'all']),
  'optimize:accept': c((ctx) => [ctx.recIds![0]!, '--reason', 'planned'], { last: 1 }),
  'optimize:dismiss': c((ctx) => [ctx.recIds![1]!], { last: 1 }),
  'route:explain': c((ctx) => ['--file', ctx.file('request.json'), '--strategy', 'cost']),
  'route:set': c(['--team', 'payments', '--strategy', 'cost'], { writes: true }),
  'route:list': c([]),
  'route:unset': c(['--team', 'payments'], { last: 1 }),
  'route:providers:add': c(['groq', '--base-url', 'https://api.groq.com/openai/v1', '--key-env', 'GROQ_API_KEY'], {
    writes: true,
  }),
  'route:providers:list': c([]),
  'route:providers:remove': c(['groq'], { last: 1 }),
  'route:fallbacks:set': c(['gpt-4o', '--to', 'claude-sonnet-4-5,gemini-2.5-pro'], { writes: true }),
  'route:fallbacks:list': c([]),
  'route:fallbacks:unset': c(['gpt-4o'], { last: 1 }),
  'spend:summary': c(['--by', 'agent', '--since', '30d']),
  'spend:requests': c(['--limit', '2']),
  'costs:export': c((ctx) => ['--output', ctx.file('export.csv')]),
  'costs:import': c((ctx) => [ctx.file('costs.csv')], { writes: true }),
  'costs:ingest': c(['--aws', '--from', '2026-07-01', '--to', '2026-07-31', '--dry-run']),
  'costs:runs': c([]),
  'costs:sources': c([]),
  'costs:summary': c(['--by', 'service', '--from', '2025-03-01', '--to', '2025-04-30']),
  'costs:top': c(['--from', '2025-03-01', '--to', '2025-04-30']),
  'costs:rates:list': c([]),
  'costs:rates:set': c(['EUR', '1.08'], { writes: true }),
  'costs:schedule:set': c(['--every', '6h', '--provider', 'aws'], { writes: true }),
  'costs:schedule:show': c([]),
  'proxy:start': c((ctx) => ['--port', String(ctx.port)], { last: 1 }),
  'proxy:status': c([], { last: 2 }),
  'proxy:logs': c(['--lines', '2'], { last: 3 }),
  'proxy:restart': c((ctx) => ['--port', String(ctx.port)], { last: 4 }),
  'proxy:stop': c([], { last: 5 }),
  'backup:create': c(['made-here', '--include-namespaces', 'app'], { writes: true }),
  'backup:list': c([]),
  'backup:describe': c(['alpha']),
  'backup:logs': c(['alpha']),
  'backup:delete': c(['charlie', '--confirm'], { last: 1 }),
  'backup:download': c((ctx) => ['alpha', '-o', ctx.file('alpha-data.tar.gz')]),
  'restore:plan': c(['--from-backup', 'alpha', '--namespace-mappings', 'app:app-copy'], { writes: true }),
  'restore:create': c(['r1', '--from-backup', 'alpha'], { writes: true }),
  'restore:execute': c((ctx) => [ctx.plan!], { last: 1 }),
  'restore:list': c([], { last: 2 }),
  'restore:describe': c(['r1'], { last: 2 }),
  'restore:logs': c(['r1'], { last: 2 }),
  'restore:delete': c(['r1', '--confirm'], { last: 3 }),
  'schedule:create': c(['nightly', '--schedule', '@daily', '--include-namespaces', 'app'], { writes: true }),
  'schedule:list': c([], { last: 1 }),
  'schedule:describe': c(['nightly'], { last: 1 }),
  'schedule:pause': c(['nightly'], { last: 2 }),
  'schedule:unpause': c(['nightly'], { last: 3 }),
  'schedule:delete': c(['nightly', '--confirm'], { last: 4 }),
  'backup-location:create': c(['made-bsl', '--provider', 'aws', '--bucket', 'b', '--config', 'region=eu-west-1'], {
    writes: true,
  }),
  'backup-location:list': c([]),
  'backup-location:get': c(['default']),
  'backup-location:set': c(['made-bsl', '--access-mode', 'ReadOnly'], { last: 1 }),
  'backup-location:delete': c(['made-bsl', '--confirm'], { last: 2 }),
  'snapshot-location:create': c(['made-vsl', '--provider', 'aws', '--config', 'region=eu-west-1'], { writes: true }),
  'snapshot-location:list': c([]),
  'snapshot-location:get': c(['made-vsl']),
  'snapshot-location:set': c(['made-vsl', '--credential', 'snap=cloud'], { last: 1 }),
  'dr:policy:apply': c((ctx) => ['-f', ctx.file('dr.yaml')], { writes: true }),
  'dr:policy:list': c([], { last: 1 }),
  'dr:status': c([], { last: 1, exit: -1 }),
  'dr:drill': c(['--from-backup', 'alpha', '--into-namespace', 'drill-app'], { last: 1 }),
};

const COSTS_CSV = [
  'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,SubAccountId,RegionId,ResourceId,Tags,ProviderName',
  '10.005,USD,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,Amazon EC2,111,us-east-1,i-1,"{""cost_center"":""a""}",AWS',
  '2.5,EUR,2025-03-02T00:00:00Z,2025-03-03T00:00:00Z,Amazon S3,222,eu-west-1,b-2,,AWS',
].join('\n');

const DR_POLICY = `policies:
  - name: app-tier1
    namespaces: [app]
    schedule: "0 */6 * * *"
    rpo: 24h
    rto: 1h
`;

/** Key paths of a JSON value: `a.b`, `a[].c`; keys under a data map become `*`. */
function keyPaths(value: unknown, dataMaps: string[] = [], prefix = ''): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, `${path}[]`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const isData = dataMaps.includes(path);
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${isData ? '*' : k}` : isData ? '*' : k;
      out.add(p);
      if (!isData) walk(x, p);
    }
  };
  walk(value, prefix);
  return [...out].sort();
}

function badKeys(paths: string[]): string[] {
  return paths.filter((p) => p.split(/\.|\[\]/).some((k) => k !== '' && k !== '*' && !CAMEL.test(k)));
}

describe('--json key style', () => {
  let env: K8sEnv;
  const outputs: Record<string, CliResult> = {};
  const ctx: Ctx = { file: (name) => join(env.home.path, name) };

  beforeAll(async () => {
    env = await k8sEnv();
    const { kube } = env.cluster;
    for (const name of ['alpha', 'charlie']) {
      kube.seed('backups', {
        metadata: { name, namespace: 'velero', creationTimestamp: '2026-01-02T00:00:00Z', labels: {} },
        spec: { includedNamespaces: ['app'] },
        status: {
          phase: 'Completed',
          progress: { itemsBackedUp: 3, totalItems: 3 },
          startTimestamp: '2026-01-02T00:00:00Z',
          completionTimestamp: '2026-01-02T00:10:00Z',
        },
      });
    }
    env.cluster.velero.logs.set('alpha', ['time="2026-01-02T00:00:00Z" level=info msg="hello"']);
    writeFileSync(ctx.file('costs.csv'), COSTS_CSV);
    writeFileSync(ctx.file('dr.yaml'), DR_POLICY);
    writeFileSync(
      ctx.file('policies.yaml'),
      'policies:\n  - { name: eu-only, kind: allowed-regions, severity: warning, regions: [eu-west-1] }\n',
    );
    writeFileSync(
      ctx.file('request.json'),
      JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    ctx.port = await freePort();

    const oco = (args: string[]) => env.oco(args);
    expect((await oco(['db', 'migrate'])).code).toBe(0);
    const store = new SqliteStore({ file: join(env.home.path, 'data', 'oco.db') });
    try {
      const now = new Date();
      await writeSpendEvents(store, [
        {
          requestId: 'k1',
          ts: now,
          expiresAt: now,
          state: 'settled',
          provider: 'openai',
          model: 'gpt-4o',
          orgId: 'acme',
          teamId: 'payments',
          agentId: 'bot',
          userId: 'default',
          keyId: null,
          tags: [],
          reservedUsd: money('1'),
          costUsd: money('0.75'),
          unpriced: false,
          overshootUsd: null,
        },
      ]);
      const call = (id: string, over: Partial<UsageRecord>): UsageRecord => ({
        id,
        ts: now.toISOString(),
        provider: 'openai',
        model: 'gpt-4o',
        endpoint: '/v1/chat/completions',
        orgId: 'acme',
        teamId: 'payments',
        agentId: 'bot',
        userId: 'default',
        keyId: null,
        tags: [],
        inputTokens: 10,
        cachedInputTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        outputTokens: 5,
        reasoningTokens: 0,
        toolPromptTokens: 0,
        costUsd: '0.75',
        latencyMs: 10,
        ttfbMs: 5,
        statusCode: 200,
        streamed: false,
        estimated: false,
        errorClass: null,
        ...over,
      });
      await store.transaction((tx) =>
        writeRecords(tx, [
          call('u1', {}),
          call('u2', { model: 'mystery-1', costUsd: null }),
          call('u3', { statusCode: 500, errorClass: 'upstream_5xx' }),
        ]),
      );
    } finally {
      await store.close();
    }
    for (const args of [
      ['teams', 'create', 'payments', '--description', 'Payments platform', '--metadata', 'owner=ana'],
      ['budgets', 'create', ...SCOPE, '--limit', '500', '--alert-at', '50,80'],
      ['limits', 'create', ...SCOPE, '--kind', 'tpm', '--limit', '1000', '--window', '1m'],
      ['costs', 'import', ctx.file('costs.csv')],
    ]) {
      const r = await oco(args);
      expect(r.code, r.stderr).toBe(0);
    }
    const alerts = new SqliteStore({ file: join(env.home.path, 'data', 'oco.db') });
    try {
      // details as the alerts module stores them: the webhook body's snake_case
      const [budget] = await listBudgets(alerts);
      await recordAlert(alerts, {
        budgetId: budget!.id,
        kind: 'refused',
        thresholdPct: null,
        periodStart: new Date().toISOString(),
        spentUsd: '0.75',
        limitUsd: '500',
        details: { request_id: 'r1', reserved_usd: '1', resets_at: null },
        dedupeKey: 'refused:test',
      });
      // Two recommendations to accept and dismiss, from a rule of their own (optimize run leaves them be).
      const found = (resourceId: string): Candidate => ({
        provider: 'aws',
        account: '111',
        resourceId,
        resourceType: 'instance',
        region: 'us-east-1',
        action: 'rightsize',
        title: `Rightsize ${resourceId}`,
        rationale: 'CPU under 5 %',
        currency: 'USD',
        monthlySavings: money('12.5'),
        keyFigure: money('12.5'),
        confidence: 0.8,
        effort: 'low',
        restartNeeded: true,
        rollbackPossible: true,
        evidence: { cpuP95: 4.5 },
      });
      await runRecommendations(
        alerts,
        [
          {
            id: 'seeded',
            domain: 'cloud',
            action: 'rightsize',
            description: 'seeded',
            thresholds: [],
            evaluate: async () => [found('i-1'), found('i-2')],
          },
        ],
        { days: 30, materialChangePercent: 20, setting: () => undefined },
      );
      ctx.recIds = (await listRecommendations(alerts)).map((r) => r.id);
    } finally {
      await alerts.close();
    }
  }, 120_000);
  afterAll(async () => {
    await env?.oco(['proxy', 'stop']).catch(() => undefined);
    await env?.stop();
  });

  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { flags: Record<string, unknown> }>;
  };
  const withJson = Object.keys(manifest.commands)
    .filter((id) => manifest.commands[id]!.flags.json)
    .sort();

  it('spells keys for the admin API and back', () => {
    expect(
      ['cacheWrite5mTokens', 'entityId', 'nextCursor', 'usedPct', 'already_running', 'key'].map(snakeCase),
    ).toEqual(['cache_write_5m_tokens', 'entity_id', 'next_cursor', 'used_pct', 'already_running', 'key']);
    expect(['cache_write_5m_tokens', 'cached_input', 'costUsd'].map(camelCase)).toEqual([
      'cacheWrite5mTokens',
      'cachedInput',
      'costUsd',
    ]);
    expect(snakeCaseKeys({ rows: [{ costUsd: '1', tags: ['a_b'] }], nextCursor: null })).toEqual({
      rows: [{ cost_usd: '1', tags: ['a_b'] }],
      next_cursor: null,
    });
  });

  it('every command with --json has a case here', () => {
    expect(withJson.filter((id) => !CASES[id])).toEqual([]);
    expect(Object.keys(CASES).filter((id) => !withJson.includes(id))).toEqual([]);
  });

  it('prints camelCase keys only, and the same keys as before', { timeout: 480_000 }, async () => {
    const run = async (id: string) => {
      const cs = CASES[id]!;
      const r = await env.oco([...id.split(':'), ...cs.args(ctx), '--json'], { timeoutMs: 60_000, env: cs.env?.(ctx) });
      outputs[id] = r;
      if (id === 'keys:create' && r.code === 0) ctx.keyId = r.json().id;
      if (id === 'restore:plan' && r.code === 0) ctx.plan = r.json().id;
    };
    const inBatches = async (ids: string[]) => {
      for (let i = 0; i < ids.length; i += 3) await Promise.all(ids.slice(i, i + 3).map(run));
    };
    await inBatches(withJson.filter((id) => CASES[id]!.writes));
    await inBatches(withJson.filter((id) => !CASES[id]!.writes && !CASES[id]!.last));
    const rest = withJson.filter((id) => CASES[id]!.last).sort((a, b) => CASES[a]!.last! - CASES[b]!.last!);
    for (const id of rest) await run(id);

    const snapshot: Record<string, string[]> = {};
    const failures: string[] = [];
    for (const id of withJson) {
      const r = outputs[id]!;
      const expected = CASES[id]!.exit ?? 0;
      if (expected !== -1 && r.code !== expected) failures.push(`${id}: exit ${r.code}: ${r.stderr}${r.stdout}`);
      let doc: unknown;
      try {
        doc = r.json();
      } catch (err) {
        failures.push(`${id}: ${(err as Error).message}`);
        continue;
      }
      snapshot[id] = keyPaths(doc, DATA_MAPS[id]);
      const bad = badKeys(snapshot[id]);
      if (bad.length) failures.push(`${id}: ${bad.join(', ')}`);
    }
    expect(failures).toEqual([]);
    expect(snapshot).toMatchSnapshot();
  });
});
