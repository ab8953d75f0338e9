/**
 * Shell completion: bash and zsh scripts from oclif's autocomplete plugin (written to its cache,
 * here a temporary XDG_CACHE_HOME), fish from `oco autocomplete fish`. Each is generated, holds
 * every command, passes its shell's syntax check when that shell is installed, and completes a
 * partial command line.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, { hidden?: boolean }>;
};
const OWN = Object.entries(manifest.commands)
  .filter(([, c]) => !c.hidden)
  .map(([id]) => id);
const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
/** CI installs zsh and fish (.ci/run) and runs every shell's checks; elsewhere a missing shell is skipped, said once. */
const runs = (shell: string) => has(shell) || Boolean(process.env.CI);
for (const shell of ['zsh', 'fish']) if (!runs(shell)) console.log(`${shell} is not installed: skipping its checks`);

describe('shell completion', () => {
  let home: TempHome;
  const scripts: Record<string, string> = {};
  beforeAll(async () => {
    home = tempHome();
    const env = { XDG_CACHE_HOME: join(home.path, 'cache') };
    for (const shell of ['bash', 'zsh']) {
      const r = await runOco(['autocomplete', shell, '--refresh-cache'], { env, home: home.path });
      expect(r.code, r.stderr).toBe(0);
    }
    const functions = join(home.path, 'cache', 'oco', 'autocomplete', 'functions');
    scripts.bash = readFileSync(join(functions, 'bash', 'oco.bash'), 'utf8');
    scripts.zsh = readFileSync(join(functions, 'zsh', '_oco'), 'utf8');
    const fish = await runOco(['autocomplete', 'fish'], { home: home.path });
    expect(fish.code, fish.stderr).toBe(0);
    scripts.fish = fish.stdout;
    for (const [shell, text] of Object.entries(scripts)) writeFileSync(join(home.path, `oco.${shell}`), text);
  }, 120_000);
  afterAll(() => home.cleanup());

  it('lists every command in each script', () => {
    expect(OWN).toContain('proxy:install-service');
    for (const id of OWN) {
      const words = id.split(':');
      expect(scripts.bash, `bash: ${id}`).toContain(`\n${id} `);
      expect(scripts.zsh, `zsh: ${id}`).toContain(`"${words.at(-1)}[`);
      expect(scripts.fish, `fish: ${id}`).toContain(
        `-n '__oco_is${words.length > 1 ? ` ${words.slice(0, -1).join(' ')}` : ''}' -a '${words.at(-1)}'`,
      );
    }
    expect(scripts.fish).toContain("-n '__oco_in proxy start' -l port -s p -r");
    expect(scripts.fish).toContain("-n '__oco_in anomalies' -l domain -x -a 'cloud llm'");
  });

  it.each(['bash', 'zsh', 'fish'])("%s: the script passes the shell's syntax check", (shell) => {
    // bash is on every machine oco is tested on; zsh and fish in CI and where installed.
    if (!runs(shell)) return;
    const r = spawnSync(shell, ['-n', join(home.path, `oco.${shell}`)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('bash completes a partial command line', () => {
    const script = join(home.path, 'oco.bash');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `source '${script}'; COMP_WORDS=(oco proxy ins); COMP_CWORD=2; COMP_LINE='oco proxy ins'; ` +
          `COMP_POINT=\${#COMP_LINE}; _oco_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('install-service\n');
  });

  it.skipIf(!runs('fish'))('fish completes commands and flags', () => {
    const script = join(home.path, 'oco.fish');
    const complete = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source '${script}'; complete -C '${line}'`], {
        encoding: 'utf8',
        timeout: 30_000,
      }).stdout;
    expect(complete('oco proxy ins')).toBe(
      'install-service\tWrite a systemd unit that runs the gateway daemon as a service.\n',
    );
    expect(complete('oco proxy start --f')).toBe(
      '--foreground\tRun in this process, logging to stdout and the log file, until SIGTERM/SIGINT.\n',
    );
    expect(complete('oco anomalies --domain ')).toBe(
      'cloud\tOnly cloud costs or only LLM spend.\nllm\tOnly cloud costs or only LLM spend.\n',
    );
  });
});
