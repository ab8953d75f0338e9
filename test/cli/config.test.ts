import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';

describe('oco config', () => {
  let home: TempHome;
  const cfg = () => join(home.path, 'config', 'config.yaml');
  const writeCfg = (text: string) => {
    mkdirSync(join(home.path, 'config'), { recursive: true });
    writeFileSync(cfg(), text);
  };

  beforeEach(() => (home = tempHome()));
  afterEach(() => home.cleanup());

  it('resolves flags > env > file > defaults and names each source', async () => {
    writeCfg('proxy:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const r = await runOco(['config', 'list', '--json'], { home: home.path, env: { OCO_PROXY_PORT: '9100' } });
    expect(r.code, r.stderr).toBe(0);
    const rows = Object.fromEntries(
      r.json<Array<{ key: string; value: unknown; source: string }>>().map((x) => [x.key, x]),
    );
    expect(rows['proxy.port']).toMatchObject({ value: 9100, source: 'env OCO_PROXY_PORT' });
    expect(rows['proxy.host']).toMatchObject({ value: '0.0.0.0', source: `file ${cfg()}:3` });
    expect(rows['log.level']).toMatchObject({ value: 'debug', source: `file ${cfg()}:5` });
    expect(rows['budget.failOpen']).toMatchObject({ value: true, source: 'default' });
    expect(rows['database.url']).toMatchObject({ value: null, source: 'unset' });
  });

  it('accepts GEMINI_API_KEY as the Google key and masks every secret', async () => {
    const secret = 'AIzaSy-THIS-IS-A-VERY-SECRET-KEY-1234';
    const pw = 's3cr3t-db-password';
    const env = {
      GEMINI_API_KEY: secret,
      OCO_ADMIN_API_KEY: 'admin-key-that-is-secret-9876',
      DATABASE_URL: `postgres://u:${pw}@127.0.0.1:1/x`,
    };
    const list = await runOco(['config', 'list'], { home: home.path, env });
    const json = await runOco(['config', 'list', '--json'], { home: home.path, env });
    const get = await runOco(['config', 'get', 'google.apiKey', '--json'], { home: home.path, env });
    for (const out of [list.stdout + list.stderr, json.stdout, get.stdout]) {
      expect(out).not.toContain(secret);
      expect(out).not.toContain('admin-key-that-is-secret');
      expect(out).not.toContain(pw);
    }
    expect(get.json()).toMatchObject({
      key: 'google.apiKey',
      value: '****1234',
      source: 'env GEMINI_API_KEY',
      secret: true,
    });
    const reveal = await runOco(['config', 'get', 'google.apiKey', '--reveal'], { home: home.path, env });
    expect(reveal.stdout.trim()).toBe(secret);
  });

  it('sets, gets and unsets a key in a 0600 file, keeping other content', async () => {
    writeCfg('# my settings\nlog:\n  level: warn\n');
    const set = await runOco(['config', 'set', 'proxy.port', '9191', '--json'], { home: home.path });
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ key: 'proxy.port', value: 9191, changed: true });
    expect(statSync(cfg()).mode & 0o777).toBe(0o600);
    expect(readFileSync(cfg(), 'utf8')).toContain('# my settings');
    const get = await runOco(['config', 'get', 'proxy.port'], { home: home.path });
    expect(get.stdout.trim()).toBe('9191');
    const unset = await runOco(['config', 'unset', 'proxy.port', '--json'], { home: home.path });
    expect(unset.json()).toMatchObject({ changed: true });
    expect(readFileSync(cfg(), 'utf8')).not.toContain('proxy');
    expect((await runOco(['config', 'get', 'proxy.port'], { home: home.path })).stdout.trim()).toBe('8080');
  });

  it('warns when the environment overrides what was just set', async () => {
    const r = await runOco(['config', 'set', 'proxy.port', '9191'], {
      home: home.path,
      env: { OCO_PROXY_PORT: '9999' },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('OCO_PROXY_PORT is set in the environment');
  });

  it.each([
    [['config', 'set', 'proxy.port', 'eighty'], /bad value for proxy.port: expected an integer from 1 to 65535/],
    [['config', 'set', 'proxy.port', '70000'], /expected an integer from 1 to 65535/],
    [['config', 'set', 'log.level', 'loud'], /expected one of trace, debug, info/],
    [['config', 'set', 'budget.failOpen', 'maybe'], /expected true or false/],
    [['config', 'set', 'database.url', 'not a url'], /expected a URL/],
    [['config', 'set', 'proxy.prot', '1'], /unknown config key "proxy.prot" \(did you mean "proxy.port"\?\)/],
    [['config', 'get'], /^Error: Missing required argument KEY\nHint: Usage: oco config get KEY/],
    [['config', 'list', '--bogus'], /^Error: Unknown flag --bogus\n/],
  ])('rejects %j with exit 2 and leaves the file untouched', async (args, message) => {
    writeCfg('log:\n  level: warn\n');
    const before = readFileSync(cfg(), 'utf8');
    const r = await runOco(args, { home: home.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^Hint: /m);
    expect(readFileSync(cfg(), 'utf8')).toBe(before);
  });

  it('reports a bad environment value naming the variable', async () => {
    const r = await runOco(['config', 'list'], { home: home.path, env: { OCO_BUDGET_FAIL_OPEN: 'sometimes' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environment variable OCO_BUDGET_FAIL_OPEN has a bad value: expected true or false');
  });

  it.each([
    ['proxy:\n  port: [1, 2\n', /config.yaml:\d+: the config file is not valid YAML/],
    ['proxy:\n  port: 8080\n  porrt: 1\n', /config.yaml:3: unknown key "proxy.porrt" \(did you mean "proxy.port"\?\)/],
    ['log:\n  level: loud\n', /config.yaml:2: bad value for "log.level": expected one of/],
    ['- just\n- a list\n', /must be a mapping/],
  ])('reports a malformed file with file and line, and never rewrites it', async (text, message) => {
    writeCfg(text);
    const r = await runOco(['config', 'set', 'proxy.port', '9000'], { home: home.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(cfg(), 'utf8')).toBe(text);
    const json = await runOco(['config', 'list', '--json'], { home: home.path });
    expect(json.code).toBe(2);
    expect(json.json().error).toMatchObject({ code: 'OCO_CONFIG_INVALID', exitCode: 2 });
    expect(json.stderr).toBe('');
  });

  it('fails cleanly, without a partial file, when the config directory is read-only', async () => {
    writeCfg('log:\n  level: warn\n');
    chmodSync(join(home.path, 'config'), 0o500);
    try {
      const r = await runOco(['config', 'set', 'proxy.port', '9000'], { home: home.path });
      if (process.getuid?.() === 0) {
        // root ignores directory permissions; the write then simply succeeds.
        expect(r.code).toBe(0);
      } else {
        expect(r.code).not.toBe(0);
        expect(readFileSync(cfg(), 'utf8')).toBe('log:\n  level: warn\n');
      }
    } finally {
      chmodSync(join(home.path, 'config'), 0o700);
    }
  });

  it('prints paths under OCO_HOME, and XDG directories without it', async () => {
    const r = await runOco(['config', 'path', '--json'], { home: home.path });
    expect(r.json()).toMatchObject({
      base: 'OCO_HOME',
      configFile: cfg(),
      sqliteFile: join(home.path, 'data', 'oco.db'),
      logDir: join(home.path, 'state', 'logs'),
    });
    const xdg = await runOco(['config', 'path', '--json'], {
      env: { HOME: home.path, XDG_CONFIG_HOME: join(home.path, 'xc') },
    });
    expect(xdg.json()).toMatchObject({
      base: 'XDG',
      configFile: join(home.path, 'xc', 'oco', 'config.yaml'),
      dataDir: join(home.path, '.local', 'share', 'oco'),
    });
  });
});
