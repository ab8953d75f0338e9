import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { renderManPages } from '../../src/core/cli/man.js';
import { ROOT, runOco, tempHome } from '../helpers/cli.js';

describe('the oco CLI', () => {
  it('prints its version and help', async () => {
    const v = await runOco(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^oco\/\d+\.\d+\.\d+ /);
    const help = await runOco(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('TOPICS');
    expect(help.stdout).toContain('config');
  });

  it('suggests the closest command for a typo and exits 127', async () => {
    const r = await runOco(['confg', 'list']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('Error: "confg list" is not an oco command.');
    expect(r.stderr).toContain('Did you mean "oco config list"?');
    const none = await runOco(['db', 'zzzzzzzz']);
    expect(none.code).toBe(127);
    expect(none.stderr).toContain('Hint: run "oco help db" for the list of commands.');
  });

  it('exits 2 for a flag value outside its options, naming the flag', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['costs', 'top', '--metric', 'bogus'], { home: home.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Expected --metric=bogus to be one of');
    } finally {
      home.cleanup();
    }
  });

  it('exits 0 without a word when the reader of stdout goes away (oco … --help | head -1)', async () => {
    for (const args of [['budgets', 'create', '--help'], ['help'], ['--help'], ['costs', 'import', '--help']]) {
      const r = await runOco(args, { closeStdout: true });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('generates shell completion', async () => {
    const home = tempHome();
    try {
      const r = await runOco(['autocomplete', 'script', 'bash'], { env: { HOME: home.path } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('oco');
    } finally {
      home.cleanup();
    }
  });

  it('registers no topic without commands, and every command has examples and --json', async () => {
    const config = await Config.load(ROOT);
    const own = config.commands.filter((c) => c.pluginName === config.name);
    expect(own.length).toBeGreaterThan(0);
    for (const topic of Object.keys(config.pjson.oclif.topics ?? {})) {
      expect(own.some((c) => c.id.startsWith(`${topic}:`)), `topic "${topic}" has no command`).toBe(true);
    }
    for (const c of own) {
      expect(c.examples?.length ?? 0, `${c.id} has no examples`).toBeGreaterThan(0);
      expect(c.flags.json, `${c.id} has no --json`).toBeDefined();
    }
  });

  it('keeps man/ in step with the commands (run "npm run man" when this fails)', async () => {
    const pages = renderManPages(await Config.load(ROOT));
    const onDisk = readdirSync(join(ROOT, 'man')).filter((f) => f.endsWith('.1')).sort();
    expect(onDisk).toEqual([...pages.keys()].sort());
    for (const [name, text] of pages) expect(readFileSync(join(ROOT, 'man', name), 'utf8'), `man/${name} is stale`).toBe(text);
  });
});
