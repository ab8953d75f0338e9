import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, isolatedEnv, tempHome, type TempHome } from '../helpers/cli.js';
import { FOCUS_EXAMPLES } from './helpers.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('cost import progress on a terminal', () => {
  let home: TempHome;
  beforeAll(() => (home = tempHome()));
  afterAll(() => home.cleanup());

  it('shows a live status line (file, rows) through Ink, then the result table', async () => {
    const file = join(
      FOCUS_EXAMPLES,
      'commitment_discount_flexibility',
      'one_hundred_percent_utilization_without_commitment_discount_flexibility.csv',
    );
    // util-linux script gives the command a pty, as a person's terminal would.
    const child = spawn(
      'script',
      [
        '-qfec',
        `stty cols 200; ${process.execPath} ${BIN} costs import ${file} --currency USD --provider aws`,
        '/dev/null',
      ],
      {
        env: isolatedEnv({ OCO_HOME: home.path, TERM: 'xterm' }),
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(code, out).toBe(0);
    expect(out).toMatch(/\x1b\[/);
    const seen = out.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
    expect(seen).toMatch(/one_hundred_percent_utilization_without_commitment_discount_flexibility\.csv \d+ rows/);
    expect(seen).toMatch(/FILE\s+SOURCE\s+PROVIDER\s+ROWS/);
  });

  it('prints no escape codes and no progress without a terminal', async () => {
    const { runOco } = await import('../helpers/cli.js');
    const file = join(
      FOCUS_EXAMPLES,
      'commitment_discount_flexibility',
      'one_hundred_percent_utilization_without_commitment_discount_flexibility.csv',
    );
    const r = await runOco(['costs', 'import', file, '--currency', 'USD', '--provider', 'aws'], { home: home.path });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
  });
});
