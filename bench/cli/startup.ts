/**
 * Cold start of short commands: the single binary (scripts/build-binary.js) against the npm
 * install (node bin/run.js), and optionally a second binary (an older build), for `--version`,
 * `--help`, `proxy --help` and `costs --help`. Each round runs every command once with every CLI,
 * in an order that alternates between rounds, so machine noise lands on all of them alike. Prints
 * the median and p90 per command and CLI, the ratio to the npm install, the binary's size and the
 * load average before and after.
 *
 * Run: npm run binary && npx tsx bench/cli/startup.ts [rounds]
 *   OCO_BENCH_BINARY   the binary to time (default dist-bin/oco-<platform>-<arch>)
 *   OCO_BENCH_BASELINE another binary to time beside it (e.g. a copy of an older build)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIN, isolatedEnv, ROOT, tempHome } from '../../test/helpers/cli.js';

const rounds = Math.min(Math.max(Number(process.argv[2] ?? 20), 1), 200);
const binary = resolve(
  process.env.OCO_BENCH_BINARY ?? join(ROOT, 'dist-bin', `oco-${process.platform}-${process.arch}`),
);
if (!existsSync(binary)) {
  process.stderr.write(`startup: ${binary} does not exist; build it with: npm run binary\n`);
  process.exit(2);
}
const home = tempHome();
const env = isolatedEnv({ OCO_HOME: home.path });

interface Cli {
  name: string;
  argv: (args: string[]) => [string, string[]];
}
const clis: Cli[] = [
  { name: 'npm', argv: (args) => [process.execPath, [BIN, ...args]] },
  { name: 'binary', argv: (args) => [binary, args] },
];
const baseline = process.env.OCO_BENCH_BASELINE && resolve(process.env.OCO_BENCH_BASELINE);
if (baseline) clis.push({ name: 'baseline', argv: (args) => [baseline, args] });

const commands: string[][] = [['--version'], ['--help'], ['proxy', '--help'], ['costs', '--help']];

function once(cli: Cli, args: string[]): number {
  const [file, argv] = cli.argv(args);
  const t0 = performance.now();
  const r = spawnSync(file, argv, { env, cwd: home.path, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cli.name} ${args.join(' ')} exited ${r.status}: ${r.error ?? r.stderr}`);
  return ms;
}

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

const loadBefore = loadavg();
const times = new Map<string, number[]>();
const key = (cli: Cli, args: string[]) => `${cli.name}\0${args.join(' ')}`;
try {
  // warm-up: fills the page cache (the binary is a few hundred MB) and both compile caches
  for (const cli of clis) for (const args of commands) once(cli, args);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? clis : [...clis].reverse();
    for (const args of commands) {
      for (const cli of order) {
        const k = key(cli, args);
        times.set(k, [...(times.get(k) ?? []), once(cli, args)]);
      }
    }
  }
} finally {
  home.cleanup();
}
const loadAfter = loadavg();

const rows = commands.map((args) => {
  const npm = quantile(times.get(key(clis[0]!, args))!, 0.5);
  const row: Record<string, string> = { command: `oco ${args.join(' ')}` };
  for (const cli of clis) {
    const xs = times.get(key(cli, args))!;
    const median = quantile(xs, 0.5);
    row[`${cli.name} median ms`] = median.toFixed(1);
    row[`${cli.name} p90 ms`] = quantile(xs, 0.9).toFixed(1);
    if (cli.name !== 'npm') row[`${cli.name}/npm`] = (median / npm).toFixed(2);
  }
  return row;
});
console.table(rows);
const mb = (f: string) => `${(statSync(f).size / 1e6).toFixed(0)} MB`;
console.log(`binary: ${binary} (${mb(binary)})${baseline ? `; baseline: ${baseline} (${mb(baseline)})` : ''}`);
console.log(
  `rounds: ${rounds}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
);
console.log(
  `reproduce: npm run binary && ${baseline ? `OCO_BENCH_BASELINE=${baseline} ` : ''}npx tsx bench/cli/startup.ts ${rounds}`,
);
