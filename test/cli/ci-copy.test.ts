/**
 * .ci/in-empty-folder, the step of .ci/run that runs the README's test command from a
 * copy of the checkout in an empty temporary folder: what the copy holds, that nothing
 * lies beside it, that the command's exit status is CI's, and that it cleans up.
 * Driven in a throwaway git repository with a sibling folder next to it, as a developer
 * machine has.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('.ci/in-empty-folder', () => {
  let base: string;
  let repo: string;
  let tmp: string;
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(join(cwd, '.ci/in-empty-folder'), args, {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, TMPDIR: tmp, LC_ALL: 'C' },
    });

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'oco-ci-copy-'));
    tmp = join(base, 'tmp');
    repo = join(base, 'checkout');
    for (const d of [tmp, join(base, 'sibling'), join(repo, '.ci'), join(repo, 'node_modules'), join(repo, 'sub dir')])
      mkdirSync(d, { recursive: true });
    copyFileSync(join(ROOT, '.ci/in-empty-folder'), join(repo, '.ci/in-empty-folder'));
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(repo, 'tracked.txt'), 'committed\n');
    writeFileSync(join(repo, 'sub dir', 'spaced name.txt'), 'x\n');
    writeFileSync(join(repo, 'deleted.txt'), 'gone\n');
    const git = (...a: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.name=ci', '-c', 'user.email=ci@example.invalid', '-c', 'init.defaultBranch=main', ...a],
        { cwd: repo, stdio: 'pipe' },
      );
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'fixture');
    // the working tree as a developer has it: an edit, a new file, an ignored folder, a deletion
    writeFileSync(join(repo, 'tracked.txt'), 'edited\n');
    writeFileSync(join(repo, 'untracked.txt'), 'new\n');
    writeFileSync(join(repo, 'node_modules', 'dep.js'), '\n');
    rmSync(join(repo, 'deleted.txt'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('runs the command in a copy of the checkout alone in its folder, with its exit status, then removes it', () => {
    const r = run(
      repo,
      'echo "beside: $(ls -A ..)"; echo "here: $(ls -A | tr "\\n" " ")"; cat tracked.txt; pwd; exit 7',
    );
    expect(r.status, r.stderr).toBe(7);
    const [beside, here, tracked, where] = r.stdout.trim().split('\n');
    expect(beside).toBe('beside: oco');
    expect(here).toBe('here: .ci .gitignore sub dir tracked.txt untracked.txt ');
    expect(tracked).toBe('edited');
    expect(where!.startsWith(tmp)).toBe(true);
    expect(r.stderr).toContain('[ci] exit status 7');
    expect(existsSync(where!)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('exits 0 when the command succeeds, and keeps file names with spaces', () => {
    const r = run(repo, 'test -f "sub dir/spaced name.txt" && test ! -e ../sibling');
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuses to run outside a git checkout, and without exactly one command (exit 2)', () => {
    const loose = join(base, 'loose');
    mkdirSync(join(loose, '.ci'), { recursive: true });
    copyFileSync(join(ROOT, '.ci/in-empty-folder'), join(loose, '.ci/in-empty-folder'));
    const r = run(loose, 'true');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not a git checkout');
    expect(run(repo).status).toBe(2);
    expect(run(repo).stderr).toContain("usage: .ci/in-empty-folder 'COMMAND'");
  });
});
