import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, tempHome, type TempHome } from '../helpers/cli.js';

/**
 * scripts/oco-env in a throwaway project: the real script, the Node running these tests,
 * and an npm that only logs what it was asked to do (a build creates dist/ and the manifest).
 */
const FAKE_NPM = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_NPM_LOG"
if [ "$1" = run ]; then
  if [ -n "\${FAKE_BUILD_FAIL:-}" ]; then exit 1; fi
  mkdir -p dist && echo '{}' > oclif.manifest.json
fi
`;

describe('scripts/oco-env', () => {
  let home: TempHome;
  let root: string;
  let log: string;

  beforeEach(() => {
    home = tempHome();
    root = join(home.path, 'project');
    log = join(home.path, 'npm.log');
    mkdirSync(join(root, 'scripts'), { recursive: true });
    copyFileSync(join(ROOT, 'scripts', 'oco-env'), join(root, 'scripts', 'oco-env'));
    chmodSync(join(root, 'scripts', 'oco-env'), 0o755);
    mkdirSync(join(root, 'src', 'core'), { recursive: true });
    writeFileSync(join(root, 'src', 'core', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src', 'core', 'b.ts'), 'export const b = 2;\n');
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      writeFileSync(join(root, f), '{}\n');
    mkdirSync(join(root, '.tools'), { recursive: true });
    symlinkSync(dirname(dirname(process.execPath)), join(root, '.tools', 'node'));
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', '.bin', 'npm'), FAKE_NPM, { mode: 0o755 });
    writeFileSync(join(root, 'node_modules', '.oco-install-stamp'), `${process.version}\n`);
    // The install stamp is newer than the lockfile: npm ci is not due.
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'package-lock.json'), past, past);
  });
  afterEach(() => home.cleanup());

  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync('bash', [join(root, 'scripts', 'oco-env'), ...args], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: `${join(root, 'node_modules', '.bin')}:/usr/bin:/bin`, HOME: home.path, FAKE_NPM_LOG: log, ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const npmCalls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('run') || l.startsWith('ci'))
      : [];
  const builds = () => npmCalls().filter((l) => l.startsWith('run')).length;
  const touch = (file: string) => {
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, file), later, later);
  };

  it('builds once, then skips the build until a source, build script or the lockfile changes', () => {
    const first = run(['true']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('oco-env: building');
    expect(builds()).toBe(1);

    const second = run(['true']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('building');
    expect(builds()).toBe(1);

    touch('src/core/a.ts');
    run(['true']);
    expect(builds()).toBe(2);

    rmSync(join(root, 'src', 'core', 'b.ts'));
    run(['true']);
    expect(builds(), 'a deleted source rebuilds').toBe(3);

    writeFileSync(join(root, 'scripts', 'manifest.js'), '// new build script\n');
    run(['true']);
    expect(builds(), 'a new build script rebuilds').toBe(4);

    touch('tsconfig.build.json');
    run(['true']);
    expect(builds()).toBe(5);

    touch('package-lock.json');
    run(['true']);
    expect(npmCalls().filter((l) => l.startsWith('ci')).length, 'a newer lockfile reinstalls').toBe(1);
    expect(builds(), 'and rebuilds').toBe(6);

    rmSync(join(root, 'dist'), { recursive: true });
    run(['true']);
    expect(builds(), 'no dist/ rebuilds').toBe(7);

    run(['true']);
    expect(builds()).toBe(7);
  });

  it('builds again after a failed build', () => {
    const failed = run(['true'], { FAKE_BUILD_FAIL: '1' });
    expect(failed.code).not.toBe(0);
    expect(builds()).toBe(1);
    expect(run(['true']).code).toBe(0);
    expect(builds()).toBe(2);
    run(['true']);
    expect(builds()).toBe(2);
  });

  it('skips the build when asked to', () => {
    expect(run(['true'], { OCO_ENV_SKIP_BUILD: '1' }).code).toBe(0);
    expect(builds()).toBe(0);
  });

  it('--install puts an oco on PATH that runs through the script, and prints the PATH line to add', () => {
    const bin = join(home.path, 'bin');
    const r = run(['--install'], { OCO_INSTALL_DIR: bin });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`installed ${bin}/oco`);
    expect(r.stdout).toContain(`export PATH="${bin}:$PATH"`);
    expect(readFileSync(join(bin, 'oco'), 'utf8')).toBe(
      `#!/usr/bin/env bash\nexec "${root}/scripts/oco-env" oco "$@"\n`,
    );

    const onPath = run(['--install'], {
      OCO_INSTALL_DIR: bin,
      PATH: `${bin}:${join(root, 'node_modules', '.bin')}:/usr/bin:/bin`,
    });
    expect(onPath.code, onPath.stderr).toBe(0);
    expect(onPath.stdout).not.toContain('export PATH');
  });
});
