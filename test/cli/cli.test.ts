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
    expect(r.stderr).toBe('Error: "confg list" is not an oco command.\nHint: Did you mean "oco config list"?\n');
    const none = await runOco(['db', 'zzzzzzzz']);
    expect(none.code).toBe(127);
    expect(none.stderr).toContain('Hint: run "oco help db" for the list of commands.');
  });

  it.each([
    ['spnd', 'oco spend'],
    ['budget', 'oco budgets'],
    ['confg', 'oco config'],
    ['doctr', 'oco doctor'],
    ['proxx', 'oco proxy'],
  ])('suggests a topic or command for the single word %s', async (typo, meant) => {
    const r = await runOco([typo]);
    expect(r.code).toBe(127);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Error: "${typo}" is not an oco command.\nHint: Did you mean "${meant}"?\n`);
  });

  it('prints the JSON error document for an unknown command under --json', async () => {
    const r = await runOco(['spnd', '--json']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('');
    expect(r.json()).toEqual({
      error: {
        code: 'OCO_UNKNOWN_COMMAND',
        message: '"spnd" is not an oco command.',
        hint: 'Did you mean "oco spend"?',
        exitCode: 127,
        details: { command: 'spnd', suggestion: 'oco spend' },
      },
    });
    const far = await runOco(['zzzzzzzz', 'qqq', '--json']);
    expect(far.code).toBe(127);
    expect(far.json().error).toMatchObject({
      code: 'OCO_UNKNOWN_COMMAND',
      hint: 'run "oco help" for the list of commands.',
      exitCode: 127,
    });
  });

  const BUDGET_USAGE =
    'Hint: Usage: oco budgets create --scope <value> --entity <value> --limit <value> [--json] [--period <value>]';
  it.each([
    [['budgets', 'create', '--scope', 'org', '--limit', '5'], 'Missing required flag --entity', BUDGET_USAGE],
    [['budgets', 'create'], 'Missing required flags --entity, --limit, --scope', BUDGET_USAGE],
    [
      ['budgets', 'create', '--scope', 'org', '--entity', 'acme', '--limit', '5', '--entty', 'x'],
      'Unknown flag --entty (did you mean --entity?)',
      BUDGET_USAGE,
    ],
    [
      ['costs', 'top', '--metric', 'bogus'],
      'Expected --metric=bogus to be one of: billed, effective, list',
      'Hint: Usage: oco costs top [--json]',
    ],
    [['keys', 'revoke', 'key_a', 'key_b'], 'Unexpected argument key_b', 'Hint: Usage: oco keys revoke KEY [--json]'],
    [['costs', 'import'], 'Missing required argument FILE', 'Hint: Usage: oco costs import FILE...'],
    [
      ['proxy', 'start', '--port', 'eighty'],
      '--port: Expected an integer but received: eighty',
      'Hint: Usage: oco proxy start',
    ],
    [
      ['budgets', 'update', 'bud_x', '--soft', '--hard'],
      '--hard and --soft cannot be used together',
      'Hint: Usage: oco budgets update [ID] [--json]',
    ],
    [
      ['budgets', 'create', '--scope', 'org', '--entity', 'acme', '--limit'],
      'Flag --limit expects a value',
      BUDGET_USAGE,
    ],
  ])(
    'rewrites the parse error of %j as one Error line naming it and the usage line, exit 2',
    async (args, message, hint) => {
      const home = tempHome();
      try {
        const r = await runOco(args, { home: home.path });
        expect(r.code).toBe(2);
        const [error, usage, ...rest] = r.stderr.split('\n');
        expect(error).toBe(`Error: ${message}`);
        expect(usage!.startsWith(hint), usage).toBe(true);
        expect(usage).toMatch(/\(all flags: oco [a-z ]+ --help\)$/);
        expect(rest).toEqual(['']);
        const j = await runOco([...args, '--json'], { home: home.path });
        expect(j.code).toBe(2);
        expect(j.json().error).toMatchObject({ code: 'OCO_USAGE', message, exitCode: 2 });
        expect(`Hint: ${j.json().error.hint}`).toBe(usage);
      } finally {
        home.cleanup();
      }
    },
  );

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
      expect(
        own.some((c) => c.id.startsWith(`${topic}:`)),
        `topic "${topic}" has no command`,
      ).toBe(true);
    }
    // Commands whose output is a script for another program, not data.
    const scripts = new Set(['autocomplete:fish']);
    for (const c of own) {
      expect(c.examples?.length ?? 0, `${c.id} has no examples`).toBeGreaterThan(0);
      if (!scripts.has(c.id)) expect(c.flags.json, `${c.id} has no --json`).toBeDefined();
    }
  });

  it('keeps man/ in step with the commands (run "npm run man" when this fails)', async () => {
    const pages = renderManPages(await Config.load(ROOT));
    const onDisk = readdirSync(join(ROOT, 'man'))
      .filter((f) => f.endsWith('.1'))
      .sort();
    expect(onDisk).toEqual([...pages.keys()].sort());
    for (const [name, text] of pages)
      expect(readFileSync(join(ROOT, 'man', name), 'utf8'), `man/${name} is stale`).toBe(text);
  });
});
