/**
 * Import benchmark: a generated 1,000,000-row FOCUS CSV into SQLite and into PostgreSQL
 * (COPY), through the real CLI ("oco costs import"), one fresh database each.
 * Prints rows/s (import time as the command reports it, and wall time with start-up)
 * and peak RSS of the oco process (GNU time). Targets: ≥200k rows/s SQLite,
 * ≥100k rows/s PostgreSQL, ≤300 MB RSS.
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/ingest/run.ts [rows] [--keep-file]
 *   OCO_BENCH_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres (default)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { generateFocusCsv, unitsToDecimal } from './generate.js';

const ROOT = resolve(import.meta.dirname, '../..');
const rows = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const adminUrl = process.env.OCO_BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'oco-bench-'));
const file = join(dir, `focus-${rows}.csv`);

function timeBinary(): string | undefined {
  return existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
}

function runImport(label: string, env: Record<string, string>): { label: string; rows: number; importSeconds: number; wallSeconds: number; rowsPerSecond: number; peakRssMb: number | null; sum: string } {
  const args = [join(ROOT, 'bin/run.js'), 'costs', 'import', file, '--json'];
  const time = timeBinary();
  const started = Date.now();
  const r = time
    ? spawnSync(time, ['-f', 'OCO_BENCH %M', process.execPath, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label}: import failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { files: Array<{ rows: number; durationMs: number }> };
  const rss = /OCO_BENCH (\d+)/.exec(r.stderr ?? '')?.[1];
  const sum = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'costs', 'summary', '--metric', 'billed', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const f = out.files[0]!;
  return {
    label, rows: f.rows, importSeconds: f.durationMs / 1000, wallSeconds: wall, rowsPerSecond: Math.round(f.rows / (f.durationMs / 1000)),
    peakRssMb: rss ? Math.round(Number(rss) / 1024) : null, sum: (JSON.parse(sum.stdout) as { total: { byCurrency: { USD: string } } }).total.byCurrency.USD,
  };
}

const t0 = Date.now();
const totals = await generateFocusCsv(file, rows);
console.log(`generated ${rows} rows (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)}s; expected BilledCost total ${unitsToDecimal(totals.billedUnits)}`);

const results = [];
const home = join(dir, 'home');
results.push(runImport('sqlite', { OCO_HOME: home }));

const dbName = `oco_bench_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
let pgOk = true;
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
} catch (err) {
  pgOk = false;
  console.log(`PostgreSQL skipped: ${(err as Error).message}`);
}
if (pgOk) {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  try {
    results.push(runImport('postgres (COPY)', { OCO_HOME: join(dir, 'home-pg'), DATABASE_URL: url.toString() }));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}
await admin.end().catch(() => {});

const expected = unitsToDecimal(totals.billedUnits);
console.log(`\ncommand: node bin/run.js costs import ${file} --json   (node ${process.version}, ${execFileSync('nproc').toString().trim()} cores)`);
for (const r of results) {
  const exact = r.sum === expected.replace(/0+$/, '').replace(/\.$/, '') || r.sum === expected;
  console.log(`${r.label.padEnd(16)} ${String(r.rows).padStart(8)} rows  import ${r.importSeconds.toFixed(1)}s  ${String(r.rowsPerSecond).padStart(7)} rows/s  wall ${r.wallSeconds.toFixed(1)}s  peak RSS ${r.peakRssMb ?? '?'} MB  sum ${exact ? 'exact' : `MISMATCH ${r.sum} != ${expected}`}`);
}
if (!process.argv.includes('--keep-file')) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${file}`);
