import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/core/config/keys.js';
import { ROOT } from '../helpers/cli.js';

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('documents every configuration key with its environment variables and default', () => {
    const rows = new Map(
      readme
        .split('\n')
        .filter((l) => /^\| [a-z][\w.]+ \| `/.test(l))
        .map((l) => [l.split('|')[1]!.trim(), l]),
    );
    for (const k of CONFIG_KEYS) {
      const row = rows.get(k.key);
      expect(row, `README configuration table has no row for ${k.key}`).toBeDefined();
      for (const env of k.env) expect(row, `${k.key} row names ${env}`).toContain(`\`${env}\``);
      if (k.default !== undefined) expect(row!.split('|')[3]!.trim(), `${k.key} default`).toBe(String(k.default));
    }
    expect([...rows.keys()].filter((key) => !CONFIG_KEYS.some((k) => k.key === key)), 'rows for keys that do not exist').toEqual([]);
  });

  it('prints the test command CI runs, right after its marker', () => {
    expect(readme).toMatch(/<!-- test-command -->\n```sh\nscripts\/oco-env npm test\n```/);
  });
});
