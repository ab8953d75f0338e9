/**
 * Benchmarks of oco's Velero path against the fake API server (loopback, HTTPS,
 * real @kubernetes/client-node in the CLI process):
 *   1. create latency: from spawning `oco backup create` (process start) to the
 *      Backup existing on the server (its ADDED event);
 *   2. phase latency: from a phase change written on the server to the line
 *      `oco backup create --wait` prints for it (watch → stderr).
 * Run: npm run build && npx tsx bench/k8s/velero.bench.ts [runs]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isolatedEnv, tempHome, BIN, ROOT } from '../../test/helpers/cli.js';
import { startFakeCluster } from '../../test/fakes/k8s/index.js';

const runs = Math.min(Math.max(Number(process.argv[2] ?? 10), 1), 100);

/**
 * The same build without dist/vendor, beside it: the CLI then imports the @kubernetes/client-node
 * package (src/core/resilience/k8s/client.ts falls back to it), so the two loading paths are timed in
 * alternation in one run, under the same machine noise.
 */
function unbundledCopy(): { bin: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oco-unbundled-'));
  for (const f of ['package.json', 'oclif.manifest.json']) cpSync(join(ROOT, f), join(dir, f));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {
    recursive: true,
    filter: (src) => !src.includes(`${join(ROOT, 'dist', 'vendor')}`),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { bin: join(dir, 'bin', 'run.js'), dir };
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return {
    n: s.length,
    min: s[0]!.toFixed(1),
    median: q(0.5).toFixed(1),
    p95: q(0.95).toFixed(1),
    max: s.at(-1)!.toFixed(1),
  };
}

const cluster = await startFakeCluster();
const home = tempHome();
const env = isolatedEnv({ OCO_HOME: home.path, KUBECONFIG: cluster.kubeconfig });

// OCO_BENCH_BIN: another build of the CLI to measure (e.g. a copy with an oclif.manifest.json)
const bin = process.env.OCO_BENCH_BIN ?? BIN;

const unbundled = unbundledCopy();

function oco(args: string[], cli = bin) {
  return spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function exit(child: ChildProcess): Promise<number> {
  return new Promise((r) => child.on('close', (c) => r(c ?? -1)));
}

try {
  // warm-up: the first run migrates the store and fills the OS page cache (and the compile cache, for both builds)
  await exit(oco(['backup', 'create', 'warmup', '--json']));
  await exit(oco(['backup', 'create', 'warmup-unbundled', '--json'], unbundled.bin));

  async function timeCreate(name: string, cli: string): Promise<number> {
    cluster.velero.script('backups', name, 'hold');
    let seenAt = 0;
    const off = cluster.kube.onEvent((e) => {
      if (e.type === 'ADDED' && e.plural === 'backups' && e.object.metadata.name === name) seenAt = performance.now();
    });
    const t0 = performance.now();
    const code = await exit(oco(['backup', 'create', name, '--json'], cli));
    off();
    if (code !== 0 || !seenAt) throw new Error(`create ${name} failed (${code})`);
    return seenAt - t0;
  }
  const create: number[] = [];
  const createUnbundled: number[] = [];
  for (let i = 0; i < runs; i++) {
    create.push(await timeCreate(`bench-create-${i}`, bin));
    createUnbundled.push(await timeCreate(`bench-unbundled-${i}`, unbundled.bin));
  }

  const phase: number[] = [];
  const name = 'bench-phase';
  cluster.velero.script('backups', name, 'hold');
  const child = oco(['backup', 'create', name, '--wait', '--timeout', '2m']);
  let buffer = '';
  const waiters: Array<{ text: string; resolve: (t: number) => void }> = [];
  child.stderr.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const now = performance.now();
      for (const w of waiters.splice(0))
        if (line.includes(w.text)) w.resolve(now);
        else waiters.push(w);
    }
  });
  const lineWith = (text: string) => new Promise<number>((resolve) => waiters.push({ text, resolve }));
  await lineWith('phase=New');
  // the first line is printed from the initial GET; wait until the watch is open before changing anything
  const deadline = Date.now() + 10_000;
  while (!cluster.kube.requests.some((r) => r.verb === 'watch' && r.path.includes(name))) {
    if (Date.now() > deadline) throw new Error('the CLI never opened its watch');
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 1; i <= runs * 2; i++) {
    const seen = lineWith(`items=${i}/1000 `);
    const t0 = performance.now();
    cluster.velero.apply('backups', name, { phase: 'InProgress', items: i, total: 1000 });
    phase.push((await seen) - t0);
  }
  const end = lineWith('phase=Completed');
  cluster.velero.apply('backups', name, { phase: 'Completed', items: 1000, total: 1000 });
  await end;
  const code = await exit(child);
  if (code !== 0) throw new Error(`--wait exited ${code}`);

  // where the create time goes: a command that loads nothing (oclif + node start), and the client library alone
  const baseline: number[] = [];
  const library: number[] = [];
  const bundle: number[] = [];
  for (let i = 0; i < Math.min(runs, 5); i++) {
    let t0 = performance.now();
    await exit(oco(['--version']));
    baseline.push(performance.now() - t0);
    t0 = performance.now();
    await exit(
      spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "(await import('node:module')).enableCompileCache(); await import('@kubernetes/client-node')",
        ],
        { cwd: ROOT, stdio: 'ignore' },
      ),
    );
    library.push(performance.now() - t0);
    t0 = performance.now();
    await exit(
      spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "(await import('node:module')).enableCompileCache(); await import('./dist/vendor/kubernetes-client.js')",
        ],
        { cwd: ROOT, stdio: 'ignore' },
      ),
    );
    bundle.push(performance.now() - t0);
  }

  console.log(
    `oco Velero benchmark (node ${process.version}, ${runs} runs, fake API server over HTTPS on loopback, cli ${bin})`,
  );
  console.log('command: npx tsx bench/k8s/velero.bench.ts', runs);
  console.log('create: process start -> Backup exists on the server (ms)', JSON.stringify(stats(create)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    '  the same build importing the package instead (alternated)   ',
    JSON.stringify(stats(createUnbundled)),
    `bundled/package = ${(median(create) / median(createUnbundled)).toFixed(2)}`,
  );
  console.log('  of which: `oco --version` (node + oclif start)                ', JSON.stringify(stats(baseline)));
  console.log('  node start + import @kubernetes/client-node (compile cache)   ', JSON.stringify(stats(library)));
  console.log('  node start + import the bundled client (dist/vendor), as oco does', JSON.stringify(stats(bundle)));
  console.log('phase:  phase change on the server -> CLI prints it (ms)   ', JSON.stringify(stats(phase)));
} finally {
  await cluster.stop();
  home.cleanup();
  rmSync(unbundled.dir, { recursive: true, force: true });
}
