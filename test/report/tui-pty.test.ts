import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { BIN, isolatedEnv, ROOT, tempHome, type TempHome } from '../helpers/cli.js';
import { FROM, LAST, seed } from './seed.js';

/**
 * The real built CLI under a pseudo-terminal: tmux runs `oco report` in an 80×24 window, keys are sent with
 * send-keys and the screen read back with capture-pane. Each captured screen is printed in the test output. In CI
 * tmux must be there (.ci/run installs it): the suite fails without it; elsewhere it is skipped with a line saying so.
 */
const tmuxThere = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!tmuxThere && !process.env.CI) console.log('tmux is not installed: skipping the pseudo-terminal report test');

describe.skipIf(!tmuxThere && !process.env.CI)(
  'oco report under a pseudo-terminal (tmux)',
  { timeout: 120_000 },
  () => {
    // a server of our own: never the developer's tmux, never another test run's
    const socket = `oco-report-${process.pid}-${randomBytes(3).toString('hex')}`;
    let home: TempHome;
    const tmux = (...args: string[]) =>
      execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {
        encoding: 'utf8',
        env: isolatedEnv({ OCO_HOME: home.path, TERM: 'xterm-256color', NO_COLOR: undefined }),
      });
    const screen = () => tmux('capture-pane', '-p', '-t', 'report');

    /** Waits (at most 20 s) for the screen to show `text`; prints the screen it got. */
    async function until(text: string, what: string): Promise<string> {
      const deadline = Date.now() + 20_000;
      let last = '';
      while (Date.now() < deadline) {
        last = screen();
        if (last.includes(text)) {
          console.log(`--- ${what} ---\n${last.trimEnd()}\n`);
          return last;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the screen never showed "${text}" (${what}); last screen:\n${last}`);
    }

    beforeAll(async () => {
      if (!tmuxThere) throw new Error('tmux is not installed: CI must install it (.ci/run ensure_tmux)');
      home = tempHome();
      const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
      await migrate(store);
      await seed(store);
      await store.close();
    }, 60_000);

    afterAll(() => {
      if (tmuxThere) spawnSync('tmux', ['-L', socket, 'kill-server']);
      home?.cleanup();
    });

    it('starts, switches views, drills down, goes back and quits, leaving the shell usable', async () => {
      const command =
        `cd '${ROOT}' && '${process.execPath}' '${BIN}' report --from ${FROM} --to ${LAST} --refresh 1; ` +
        `echo "oco exited $?"; sleep 60`;
      tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', 'report', command);
      const first = await until('LLM spend by team', 'start');
      expect(first).toContain(`oco report  ${FROM} to ${LAST} (14 days)`);
      expect(first).toContain('? help  q quit');
      for (const line of first.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

      // a larger window: laid out again, with the trend column the 80 columns had no room for
      expect(first).not.toMatch(/\btrend\b/);
      tmux('resize-window', '-t', 'report', '-x', '120', '-y', '40');
      await until(' trend', 'resized to 120×40');
      tmux('resize-window', '-t', 'report', '-x', '80', '-y', '24');
      await until('LLM spend by team', 'back to 80×24');
      tmux('send-keys', '-t', 'report', '2');
      await until('Cloud costs by provider', 'cloud view');
      tmux('send-keys', '-t', 'report', '1');
      await until('LLM spend by team', 'back to LLM');
      tmux('send-keys', '-t', 'report', 'Enter');
      const agents = await until('LLM spend by agent in team=', 'drilled into a team');
      expect(agents).toMatch(/LLM spend by agent in team=\w+ \(enter: model\)/);
      tmux('send-keys', '-t', 'report', 'Escape');
      await until('LLM spend by team (enter: agent)', 'back up with esc');
      tmux('send-keys', '-t', 'report', 'q');
      const after = await until('oco exited', 'after q');
      // the alternate screen is gone: the shell's own screen, and the command ended with 0
      expect(after).toContain('oco exited 0');
      expect(after).not.toContain('LLM spend by team');
    });

    it('refuses a bad --by on a terminal too, with exit 2, before drawing anything', async () => {
      tmux(
        'new-session',
        '-d',
        '-x',
        '80',
        '-y',
        '24',
        '-s',
        'bad',
        `cd '${ROOT}' && '${process.execPath}' '${BIN}' report --view llm --by region; echo "oco exited $?"; sleep 60`,
      );
      const deadline = Date.now() + 20_000;
      let s = '';
      while (Date.now() < deadline && !s.includes('oco exited')) {
        await new Promise((r) => setTimeout(r, 100));
        s = tmux('capture-pane', '-p', '-t', 'bad');
      }
      console.log(`--- a bad --by ---\n${s.trimEnd()}\n`);
      expect(s).toContain('--by must be one of');
      expect(s).toContain('oco exited 2');
    });

    it('draws without a single escape sequence under NO_COLOR, and in colour without it', async () => {
      const start = (name: string, env: string) =>
        tmux(
          'new-session',
          '-d',
          '-x',
          '80',
          '-y',
          '24',
          '-s',
          name,
          `cd '${ROOT}' && ${env} '${process.execPath}' '${BIN}' report --view llm --from ${FROM} --to ${LAST} --refresh 0; sleep 60`,
        );
      // capture-pane -e spells the cells' colours and attributes as escape sequences
      const styled = async (name: string) => {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          const s = tmux('capture-pane', '-p', '-e', '-t', name);
          if (s.includes('LLM spend by team') && s.includes('Updated')) return s;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`${name}: the report never showed`);
      };
      start('plain', 'NO_COLOR=1');
      start('colour', 'FORCE_COLOR=1');
      const plain = await styled('plain');
      const colour = await styled('colour');
      console.log(`--- NO_COLOR=1, capture-pane -e ---\n${plain.trimEnd()}\n`);
      expect(plain).not.toContain('\u001b');
      expect(colour).toContain('\u001b[');
      for (const name of ['plain', 'colour']) tmux('send-keys', '-t', name, 'q');
    });
  },
);
