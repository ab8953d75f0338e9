/**
 * `oco proxy install-service` / `uninstall-service`: the unit is what systemd accepts
 * (`systemd-analyze verify` when installed, and parsed here in any case), carries no secret,
 * places the daemon in the CLI's directories, and its ExecStart line, run as systemd would run it
 * (the unit's Environment= and EnvironmentFile=), starts the daemon, which SIGTERM stops.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { installUnit, serviceUnit, uninstallUnit } from '../../src/daemon/systemd.js';
import { BIN, isolatedEnv, runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

const analyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim();

/** A unit file as systemd reads it: sections of key=value lines; a key may repeat. */
function parseUnit(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `not key=value: ${line}`).toBeGreaterThan(0);
    expect(current, `a line before any section: ${line}`).toBeDefined();
    current!.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

/** systemd's word splitting of ExecStart= and Environment=: double quotes, backslash escapes, %% and $$. */
function words(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (value[i] === ' ') i++;
    if (i >= value.length) break;
    let w = '';
    const quoted = value[i] === '"';
    if (quoted) i++;
    for (; i < value.length; i++) {
      const ch = value[i]!;
      if (quoted && ch === '"') {
        i++;
        break;
      }
      if (!quoted && ch === ' ') break;
      if (ch === '\\') w += value[++i];
      else if ((ch === '%' || ch === '$') && value[i + 1] === ch) w += value[++i];
      else w += ch;
    }
    out.push(w);
  }
  return out;
}

function values(unit: Map<string, Array<[string, string]>>, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

describe('proxy install-service', () => {
  let home: TempHome;
  let env: Record<string, string>;
  let xdg: { config: string; data: string; state: string };

  beforeEach(() => {
    home = tempHome();
    xdg = { config: join(home.path, 'cfg'), data: join(home.path, 'data'), state: join(home.path, 'state') };
    env = {
      HOME: join(home.path, 'home'),
      XDG_CONFIG_HOME: xdg.config,
      XDG_DATA_HOME: xdg.data,
      XDG_STATE_HOME: xdg.state,
    };
  });
  afterEach(() => {
    vi.restoreAllMocks();
    home.cleanup();
  });

  it('prints a user unit that restarts on failure, names its directories, and carries no secret', async () => {
    const secret = 'sk-never-in-the-unit-4242';
    const r = await runOco(['proxy', 'install-service', '--user', '--print', '--json'], {
      env: { ...env, OCO_PROXY_API_KEY: secret, DATABASE_URL: `postgres://u:${secret}@127.0.0.1/x` },
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.written).toBe(false);
    expect(doc.scope).toBe('user');
    expect(doc.unitFile).toBe(join(xdg.config, 'systemd', 'user', 'oco-proxy.service'));
    expect(existsSync(doc.unitFile)).toBe(false);
    expect(doc.notCarried).toEqual(['DATABASE_URL', 'OCO_PROXY_API_KEY']);
    expect(r.stdout).not.toContain(secret);

    const unit = parseUnit(doc.unit);
    expect(values(unit, 'Service', 'Restart')).toEqual(['on-failure']);
    expect(values(unit, 'Service', 'Type')).toEqual(['simple']);
    expect(values(unit, 'Service', 'StandardOutput')).toEqual(['journal']);
    expect(values(unit, 'Install', 'WantedBy')).toEqual(['default.target']);
    expect(values(unit, 'Service', 'EnvironmentFile')).toEqual([`-${join(xdg.config, 'oco', 'proxy.env')}`]);
    const environment = Object.fromEntries(
      values(unit, 'Service', 'Environment').map((v) => {
        const [kv] = words(v);
        return [kv!.slice(0, kv!.indexOf('=')), kv!.slice(kv!.indexOf('=') + 1)];
      }),
    );
    expect(environment).toEqual({
      XDG_CONFIG_HOME: xdg.config,
      XDG_DATA_HOME: xdg.data,
      XDG_STATE_HOME: xdg.state,
      MALLOC_ARENA_MAX: '2',
    });
    const exec = words(values(unit, 'Service', 'ExecStart')[0]!);
    expect(exec).toEqual(doc.execStart);
    expect(exec[0]).toBe(process.execPath);
    expect(exec.at(-4)).toBe(BIN);
    expect(exec.slice(-3)).toEqual(['proxy', 'start', '--foreground']);

    const text = await runOco(['proxy', 'install-service', '--user', '--print'], { env });
    expect(text.stdout).toBe(doc.unit);
  });

  it('puts OCO_HOME in the unit when the CLI runs under it', async () => {
    const ocoHome = join(home.path, 'oco home with 100% spaces');
    const r = await runOco(['proxy', 'install-service', '--user', '--print', '--json'], {
      env: { ...env, OCO_HOME: ocoHome },
    });
    expect(r.code, r.stderr).toBe(0);
    const unit = parseUnit(r.json().unit);
    expect(values(unit, 'Service', 'Environment').map((v) => words(v)[0])).toEqual([
      `OCO_HOME=${ocoHome}`,
      'MALLOC_ARENA_MAX=2',
    ]);
    expect(values(unit, 'Service', 'EnvironmentFile')).toEqual([
      `-${join(ocoHome, 'config', 'proxy.env')}`.replace('%', '%%'),
    ]);
  });

  // .ci/run installs Debian's systemd package when it can; without it the unit is still parsed above.
  it.skipIf(!analyze)(`passes systemd-analyze verify (${analyze || 'not installed'})`, async () => {
    const r = await runOco(['proxy', 'install-service', '--user', '--print'], { env });
    const dir = join(home.path, 'verify');
    mkdirSync(dir);
    const file = join(dir, 'oco-proxy.service');
    writeFileSync(file, r.stdout);
    // --man=no: the page is only installed with the package; system mode needs no user manager.
    const v = spawnSync(analyze, ['verify', '--man=no', file], { encoding: 'utf8', timeout: 60_000 });
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    // The check is real: a misspelt key or a bad value is reported.
    writeFileSync(file, r.stdout.replace('Restart=on-failure', 'Restart=sometimes'));
    const bad = spawnSync(analyze, ['verify', '--man=no', file], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.stderr).toContain('Failed to parse service restart specifier');
  });

  it('writes the user unit, and its ExecStart line starts the daemon in the CLI directories', async () => {
    const r = await runOco(['proxy', 'install-service', '--user', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ written: true, replaced: false });
    expect(readFileSync(doc.unitFile, 'utf8')).toBe(doc.unit);
    expect(statSync(doc.unitFile).mode & 0o777).toBe(0o644);
    const again = await runOco(['proxy', 'install-service', '--user', '--json'], { env });
    expect(again.json()).toMatchObject({ written: true, replaced: true });

    // What systemd does: the unit's environment, the environment file, then ExecStart.
    const port = await freePort();
    const unit = parseUnit(doc.unit);
    const envFile = values(unit, 'Service', 'EnvironmentFile')[0]!.replace(/^-/, '');
    mkdirSync(join(xdg.config, 'oco'), { recursive: true });
    writeFileSync(envFile, `OCO_PROXY_PORT=${port}\n`, { mode: 0o600 });
    const serviceEnv = isolatedEnv({ HOME: env.HOME });
    for (const v of values(unit, 'Service', 'Environment')) {
      const kv = words(v)[0]!;
      serviceEnv[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    }
    for (const line of readFileSync(envFile, 'utf8').split('\n').filter(Boolean))
      serviceEnv[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    const [cmd, ...args] = words(values(unit, 'Service', 'ExecStart')[0]!);
    const child = spawn(cmd!, args, { env: serviceEnv, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let health: { status: string; pid: number } | undefined;
      for (let i = 0; i < 300 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`)
          .then((res) => (res.ok ? (res.json() as Promise<{ status: string; pid: number }>) : undefined))
          .catch(() => undefined);
        if (!health) await new Promise((res) => setTimeout(res, 100));
      }
      expect(health, output).toMatchObject({ status: 'ok', pid: child.pid });
      // The daemon writes its state and log where the CLI looks: `oco proxy status` finds it.
      expect(existsSync(join(xdg.state, 'oco', 'logs'))).toBe(true);
      const status = await runOco(['proxy', 'status', '--json'], { env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.json()).toMatchObject({ running: true, pid: child.pid, port });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('uninstall-service removes the unit and the links enable made', async () => {
    const r = await runOco(['proxy', 'install-service', '--user', '--json'], { env });
    const unitFile = r.json().unitFile as string;
    const wants = join(xdg.config, 'systemd', 'user', 'default.target.wants');
    mkdirSync(wants);
    symlinkSync(unitFile, join(wants, 'oco-proxy.service'));

    const u = await runOco(['proxy', 'uninstall-service', '--user', '--json'], { env });
    expect(u.code, u.stderr).toBe(0);
    expect(u.json()).toEqual({
      scope: 'user',
      unitFile,
      removed: [unitFile, join(wants, 'oco-proxy.service')],
      nextSteps: ['systemctl --user stop oco-proxy', 'systemctl --user daemon-reload'],
    });
    expect(existsSync(unitFile)).toBe(false);
    expect(() => lstatSync(join(wants, 'oco-proxy.service'))).toThrow();

    const none = await runOco(['proxy', 'uninstall-service', '--user'], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('nothing to remove');
  });

  it('refuses to write or remove a system unit without root (exit 2), prints one with --print', async () => {
    const config = OcoConfig.load({ env: isolatedEnv(env) });
    const unit = serviceUnit(config, 'system', env);
    expect(unit.unitFile).toBe('/etc/systemd/system/oco-proxy.service');
    expect(unit.text).toContain('WantedBy=multi-user.target');
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    for (const act of [() => installUnit(unit), () => uninstallUnit('system', env)]) {
      let err: unknown;
      try {
        act();
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'OCO_SERVICE_NEEDS_ROOT', exitCode: 2 });
      expect((err as Error).message).toMatch(/a system unit in \/etc\/systemd\/system needs root/);
    }
    expect(existsSync('/etc/systemd/system/oco-proxy.service')).toBe(false);

    const printed = await runOco(['proxy', 'install-service', '--print'], { env });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('WantedBy=multi-user.target');
  });
});
