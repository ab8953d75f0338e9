import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { logFilePath } from '../../src/core/base/log/logger.js';
import { BIN, isolatedEnv, tempHome, type TempHome } from '../helpers/cli.js';

describe('oco proxy logs -f', () => {
  let home: TempHome;
  beforeAll(() => (home = tempHome()));
  afterAll(() => home.cleanup());

  it('prints the last N lines, then new lines as they are written, follows a rotation, and stops on SIGINT', async () => {
    const file = logFilePath(OcoConfig.load({ env: { OCO_HOME: home.path } }).paths.logDir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, ['{"n":1}', '{"n":2}', '{"n":3}'].join('\n') + '\n');
    const child = spawn(process.execPath, [BIN, 'proxy', 'logs', '-f', '-n', '2'], {
      env: isolatedEnv({ OCO_HOME: home.path }),
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const until = async (what: string, pred: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until('the last two lines', () => out.includes('{"n":3}'));
    expect(out).not.toContain('{"n":1}');
    appendFileSync(file, '{"n":4}\n');
    await until('an appended line', () => out.includes('{"n":4}'));
    // Rotation: the file starts over, shorter than what was read.
    writeFileSync(file, '{"n":5}\n');
    await until('the first line after rotation', () => out.includes('{"n":5}'));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(['{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
  });
});
