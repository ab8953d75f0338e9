/**
 * Policy check benchmark: a generated FOCUS CSV (bench/ingest/generate.ts, default 1,000,000
 * rows over the last 30 days) imported through the real CLI into SQLite and into PostgreSQL,
 * then every cloud rule kind (and the LLM ones, over empty tables) applied and `oco policy check`
 * timed through the CLI: the first run opens the violations, the second finds them again and
 * only updates them. Target: seconds, on both engines.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/policy/check.ts [rows]
 *   OCO_BENCH_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres (default)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { generateFocusCsv } from '../ingest/generate.js';

const ROOT = resolve(import.meta.dirname, '../..');
const rows = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const adminUrl = process.env.OCO_BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'oco-bench-policy-'));
const csv = join(dir, `focus-${rows}.csv`);
const policies = join(dir, 'policies.yaml');

// Every kind; the generated data breaks most of them (regions, services, untagged env, ceilings).
writeFileSync(
  policies,
  `policies:
  - { name: tags, kind: required-tags, tags: [team, env] }
  - { name: regions, kind: allowed-regions, severity: critical, regions: [eu-west-1] }
  - { name: services, kind: allowed-services, services: ["Amazon Elastic Compute Cloud", "AWS Lambda"] }
  - { name: families, kind: allowed-instance-families, families: ["m7g.*"] }
  - { name: team-ceiling, kind: budget-ceiling, limit: "1000", by: "tag:team" }
  - { name: account-ceiling, kind: budget-ceiling, limit: "1000", by: account }
  - { name: untagged, kind: untagged-share, maxShare: 0.05, tags: [env] }
  - { name: models, kind: allowed-models, models: [gpt-4o-mini] }
  - { name: call-cost, kind: max-request-cost, limit: "1" }
  - { name: premium, kind: premium-share, models: [gpt-4o], maxShare: 0.5 }
`,
);

function oco(env: Record<string, string>, ...args: string[]): { seconds: number; stdout: string; status: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 600_000,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 4) throw new Error(`oco ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout, status: r.status ?? -1 };
}

function run(label: string, env: Record<string, string>) {
  const imported = oco(env, 'costs', 'import', csv, '--json');
  oco(env, 'policy', 'apply', '-f', policies, '--json');
  const first = oco(env, 'policy', 'check', '--json');
  const second = oco(env, 'policy', 'check', '--json');
  const r = JSON.parse(second.stdout) as { violations: unknown[]; counts: Record<string, number> };
  return {
    label,
    rows,
    importSeconds: +imported.seconds.toFixed(1),
    firstCheckSeconds: +first.seconds.toFixed(2),
    secondCheckSeconds: +second.seconds.toFixed(2),
    openViolations: r.violations.length,
    counts: r.counts,
    exit: second.status,
  };
}

const start = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
const t0 = Date.now();
await generateFocusCsv(csv, rows, { startDay: start, days: 30 });
console.log(`generated ${rows} rows from ${start} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

const results = [run('sqlite', { OCO_HOME: join(dir, 'home') })];
const dbName = `oco_bench_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  try {
    results.push(run('postgres', { OCO_HOME: join(dir, 'home-pg'), DATABASE_URL: url.toString() }));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
} catch (err) {
  console.log(`PostgreSQL skipped: ${(err as Error).message}`);
}
await admin.end().catch(() => {});
console.table(results.map(({ counts: _, ...r }) => r));
rmSync(dir, { recursive: true, force: true });
