// Writes dist/build-info.json after a build: the commit the build was made from, which
// `oco version` prints. A checkout without git (a tarball, a copy) still builds: "unknown".
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
let commit = 'unknown';
const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 10_000 });
if (r.status === 0 && /^[0-9a-f]{40}$/.test(r.stdout.trim())) {
  commit = r.stdout.trim();
  // Sources that differ from the commit: the build is not exactly that commit.
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'package.json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (dirty.status === 0 && dirty.stdout.trim() !== '') commit += '-dirty';
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify({ commit })}\n`);
