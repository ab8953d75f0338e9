import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDaemonLogger } from '../../src/core/base/log/logger.js';
import { tempHome } from '../helpers/cli.js';

describe('daemon log', () => {
  it('rotates past its size cap, keeps three old files 0600, and masks secret fields', async () => {
    const home = tempHome();
    // The common umask: the log's modes must not depend on a stricter one.
    const umask = process.umask(0o022);
    try {
      const log = createDaemonLogger({ logDir: home.path, level: 'info', maxBytes: 4096 });
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 60; i++)
          log.logger.info(
            { round, i, headers: { authorization: 'Bearer sk-should-not-appear' } },
            'a line of about one hundred bytes',
          );
        log.logger.flush();
        await new Promise((r) => setTimeout(r, 2300));
      }
      log.close();
      expect(existsSync(`${log.file}.1`)).toBe(true);
      expect(existsSync(`${log.file}.3`)).toBe(true);
      expect(existsSync(`${log.file}.4`)).toBe(false);
      for (const f of [log.file, `${log.file}.1`, `${log.file}.2`]) {
        if (!existsSync(f)) continue;
        expect(readFileSync(f, 'utf8')).not.toContain('sk-should-not-appear');
      }
      expect(statSync(`${log.file}.1`).size).toBeGreaterThanOrEqual(4096);
      // Attribution and ids are in them: only the owner reads the log, the rotated files and the reopened one alike.
      for (const f of [log.file, `${log.file}.1`, `${log.file}.2`, `${log.file}.3`])
        expect(statSync(f).mode & 0o777, f).toBe(0o600);
    } finally {
      process.umask(umask);
      home.cleanup();
    }
  }, 20_000);
});
