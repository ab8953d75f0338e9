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
import Database from 'better-sqlite3';
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

function runImport(
  label: string,
  env: Record<string, string>,
): {
  label: string;
  rows: number;
  importSeconds: number;
  wallSeconds: number;
  rowsPerSecond: number;
  peakRssMb: number | null;
  sum: string;
} {
  const args = [join(ROOT, 'bin/run.js'), 'costs', 'import', file, '--json'];
  const time = timeBinary();
  const started = Date.now();
  const r = time
    ? spawnSync(time, ['-f', 'OCO_BENCH %M', process.execPath, ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      })
    : spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label}: import failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { files: Array<{ rows: number; durationMs: number }> };
  const rss = /OCO_BENCH (\d+)/.exec(r.stderr ?? '')?.[1];
  const sum = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/run.js'), 'costs', 'summary', '--metric', 'billed', '--json'],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  const f = out.files[0]!;
  return {
    label,
    rows: f.rows,
    importSeconds: f.durationMs / 1000,
    wallSeconds: wall,
    rowsPerSecond: Math.round(f.rows / (f.durationMs / 1000)),
    peakRssMb: rss ? Math.round(Number(rss) / 1024) : null,
    sum: (JSON.parse(sum.stdout) as { total: { byCurrency: { USD: string } } }).total.byCurrency.USD,
  };
}

const t0 = Date.now();
const totals = await generateFocusCsv(file, rows);
console.log(
  `generated ${rows} rows (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)}s; expected BilledCost total ${unitsToDecimal(totals.billedUnits)}`,
);

const results = [];
const home = join(dir, 'home');
results.push(runImport('sqlite', { OCO_HOME: home }));
const floor = sqliteFloor(join(home, 'data', 'oco.db'));

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

/**
 * What SQLite itself needs for the same load, with no JavaScript in the loop: the imported rows
 * copied by one INSERT … SELECT from the oco database into a fresh file with the same schema,
 * the same indexes built afterwards, committed (WAL, synchronous=NORMAL, as oco runs). No CSV
 * parsing, no validation, no value binding: a ceiling for any importer on this machine.
 * (PRAGMA threads would speed the index sorts up by ~10 % but costs oco ~35 MB of peak RSS; oco leaves it off, so does this.)
 */
function sqliteFloor(source: string): {
  seconds: number;
  rowsPerSecond: number;
  insert: number;
  indexes: number;
  commit: number;
} {
  const target = join(dir, 'floor.db');
  const db = new Database(target);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`ATTACH '${source.replace(/'/g, "''")}' AS src`);
    const table = (db.prepare("SELECT sql FROM src.sqlite_master WHERE name = 'cloud_costs'").get() as { sql: string })
      .sql;
    const indexes = db
      .prepare(
        "SELECT sql FROM src.sqlite_master WHERE type = 'index' AND tbl_name = 'cloud_costs' AND sql IS NOT NULL",
      )
      .all() as Array<{ sql: string }>;
    db.exec(table);
    const t0 = performance.now();
    db.exec('BEGIN; INSERT INTO main.cloud_costs SELECT * FROM src.cloud_costs ORDER BY rowid');
    const t1 = performance.now();
    for (const i of indexes) db.exec(i.sql);
    const t2 = performance.now();
    db.exec('COMMIT');
    const t3 = performance.now();
    const n = (db.prepare('SELECT COUNT(*) AS n FROM main.cloud_costs').get() as { n: number }).n;
    return {
      seconds: (t3 - t0) / 1000,
      rowsPerSecond: Math.round(n / ((t3 - t0) / 1000)),
      insert: (t1 - t0) / 1000,
      indexes: (t2 - t1) / 1000,
      commit: (t3 - t2) / 1000,
    };
  } finally {
    db.close();
    rmSync(target, { force: true });
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
  }
}

const expected = unitsToDecimal(totals.billedUnits);
console.log(
  `\ncommand: node bin/run.js costs import ${file} --json   (node ${process.version}, ${execFileSync('nproc').toString().trim()} cores)`,
);
for (const r of results) {
  const exact = r.sum === expected.replace(/0+$/, '').replace(/\.$/, '') || r.sum === expected;
  console.log(
    `${r.label.padEnd(16)} ${String(r.rows).padStart(8)} rows  import ${r.importSeconds.toFixed(1)}s  ${String(r.rowsPerSecond).padStart(7)} rows/s  wall ${r.wallSeconds.toFixed(1)}s  peak RSS ${r.peakRssMb ?? '?'} MB  sum ${exact ? 'exact' : `MISMATCH ${r.sum} != ${expected}`}`,
  );
}
console.log(
  `sqlite floor      same rows by INSERT … SELECT from the imported file, no JavaScript: ${floor.seconds.toFixed(1)}s  ${floor.rowsPerSecond} rows/s (insert ${floor.insert.toFixed(1)}s, indexes ${floor.indexes.toFixed(1)}s, commit ${floor.commit.toFixed(1)}s); oco reached ${Math.round((100 * results[0]!.rowsPerSecond) / floor.rowsPerSecond)} % of it`,
);
if (!process.argv.includes('--keep-file')) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${file}`);
