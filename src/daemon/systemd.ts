import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_KEYS } from '../core/base/config/keys.js';
import type { OcoConfig } from '../core/base/config/resolve.js';
import { UsageError } from '../core/base/errors.js';
import { isSingleBinary } from '../core/base/runtime.js';

export const UNIT_NAME = 'oco-proxy.service';

export type UnitScope = 'user' | 'system';

/** Where each scope's unit lives and what differs between them: a table, not ifs. */
const SCOPES: Record<
  UnitScope,
  { dir: (env: NodeJS.ProcessEnv) => string; wantedBy: string; systemctl: string; needsRoot: boolean }
> = {
  user: {
    // systemd's user manager reads $XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user).
    dir: (env) => join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'systemd', 'user'),
    wantedBy: 'default.target',
    systemctl: 'systemctl --user',
    needsRoot: false,
  },
  system: {
    dir: () => '/etc/systemd/system',
    wantedBy: 'multi-user.target',
    systemctl: 'systemctl',
    needsRoot: true,
  },
};

export interface ServiceUnit {
  scope: UnitScope;
  unitFile: string;
  /** The daemon's command line, one argument per element, as systemd will run it. */
  execStart: string[];
  /** The optional file of environment variables the unit reads (secrets go there, never into the unit). */
  environmentFile: string;
  /** Variables set in the unit: only those that decide oco's directories (never a secret). */
  environment: Record<string, string>;
  text: string;
  /** Configuration variables set in this shell that the service will not see (names only). */
  notCarried: string[];
  nextSteps: string[];
}

/**
 * The command that runs the daemon in the foreground: the single binary itself, or this node with the
 * installed CLI entry (absolute paths: a service has no PATH of the user's). The node flags are the
 * detached daemon's (control.ts): a small young generation keeps its memory flat.
 */
function daemonCommandLine(): { argv: string[]; env: Record<string, string> } {
  const start = ['proxy', 'start', '--foreground'];
  if (isSingleBinary()) return { argv: [process.execPath, ...start], env: { NODE_OPTIONS: '--max-semi-space-size=1' } };
  const entry = resolve(import.meta.dirname, '..', '..', 'bin', 'run.js');
  return { argv: [process.execPath, '--max-semi-space-size=1', '--optimize-for-size', entry, ...start], env: {} };
}

/**
 * The variables that place oco's config, data and state: OCO_HOME when set, else the three XDG
 * homes the CLI resolved, so the service uses this CLI's directories whatever its manager's
 * environment is.
 */
function directoryEnvironment(config: OcoConfig): Record<string, string> {
  const p = config.paths;
  if (p.base === 'OCO_HOME') return { OCO_HOME: dirname(p.configDir) };
  return {
    XDG_CONFIG_HOME: dirname(p.configDir),
    XDG_DATA_HOME: dirname(p.dataDir),
    XDG_STATE_HOME: dirname(p.stateDir),
  };
}

/** One ExecStart argument: quoted when it must be, `%` and `$` escaped (systemd expands both). */
function execArg(arg: string): string {
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', '$$$$');
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function environmentLine(key: string, value: string): string {
  const v = value.replaceAll('%', '%%').replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  return `Environment="${key}=${v}"`;
}

export function serviceUnit(config: OcoConfig, scope: UnitScope, env: NodeJS.ProcessEnv = process.env): ServiceUnit {
  const s = SCOPES[scope];
  const { argv, env: commandEnv } = daemonCommandLine();
  const environment: Record<string, string> = { ...directoryEnvironment(config), MALLOC_ARENA_MAX: '2', ...commandEnv };
  const environmentFile = join(config.paths.configDir, 'proxy.env');
  // The daemon drains in-flight calls on SIGTERM; systemd waits as long as `oco proxy stop` does.
  const stopSeconds = Math.ceil(config.int('proxy.drainTimeoutMs') / 1000) + 15;
  const lines = [
    '# Written by "oco proxy install-service"; "oco proxy uninstall-service" removes it.',
    '# Secrets (OCO_PROXY_API_KEY, DATABASE_URL with a password, ...) belong in the EnvironmentFile',
    '# below (mode 0600) or in config.yaml, never in this file.',
    '[Unit]',
    'Description=oco LLM cost gateway (oco proxy)',
    'Documentation=man:oco-proxy(1)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${argv.map(execArg).join(' ')}`,
    ...Object.entries(environment).map(([k, v]) => environmentLine(k, v)),
    `EnvironmentFile=-${environmentFile.replaceAll('%', '%%')}`,
    'Restart=on-failure',
    'RestartSec=2',
    'UMask=0077',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopSeconds}`,
    // The daemon logs to standard output (the journal) and to its log file under the state directory.
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=oco-proxy',
    '',
    '[Install]',
    `WantedBy=${s.wantedBy}`,
    '',
  ];
  const configured = new Set(CONFIG_KEYS.flatMap((k) => k.env));
  const notCarried = Object.keys(env)
    .filter((k) => configured.has(k) && !(k in environment) && env[k] !== '')
    .sort();
  const unitFile = join(s.dir(env), UNIT_NAME);
  return {
    scope,
    unitFile,
    execStart: argv,
    environmentFile,
    environment,
    text: lines.join('\n'),
    notCarried,
    nextSteps: [`${s.systemctl} daemon-reload`, `${s.systemctl} enable --now oco-proxy`, `${journal(scope)}`],
  };
}

function journal(scope: UnitScope): string {
  return scope === 'user' ? 'journalctl --user -u oco-proxy -f' : 'journalctl -u oco-proxy -f';
}

function assertMayWrite(scope: UnitScope, action: string): void {
  if (SCOPES[scope].needsRoot && process.getuid?.() !== 0)
    throw new UsageError(`${action} a system unit in ${SCOPES[scope].dir(process.env)} needs root`, {
      code: 'OCO_SERVICE_NEEDS_ROOT',
      hint: 'Run it with sudo, or use --user for a unit of your own (systemctl --user).',
    });
}

/** Writes the unit (replacing one oco wrote before); returns whether a unit was there already. */
export function installUnit(unit: ServiceUnit): { replaced: boolean } {
  assertMayWrite(unit.scope, 'writing');
  const replaced = existsSync(unit.unitFile);
  mkdirSync(dirname(unit.unitFile), { recursive: true });
  writeFileSync(unit.unitFile, unit.text, { mode: 0o644 });
  return { replaced };
}

/**
 * Removes the unit and the links `systemctl enable` made to it (`*.wants/oco-proxy.service`), so
 * the manager forgets it after a daemon-reload. A running service keeps running until stopped.
 */
export function uninstallUnit(
  scope: UnitScope,
  env: NodeJS.ProcessEnv = process.env,
): {
  unitFile: string;
  removed: string[];
  nextSteps: string[];
} {
  assertMayWrite(scope, 'removing');
  const dir = SCOPES[scope].dir(env);
  const unitFile = join(dir, UNIT_NAME);
  const candidates = [unitFile];
  if (existsSync(dir))
    for (const d of readdirSync(dir))
      if (d.endsWith('.wants') || d.endsWith('.requires')) candidates.push(join(dir, d, UNIT_NAME));
  const removed: string[] = [];
  for (const f of candidates) {
    try {
      lstatSync(f);
    } catch {
      continue;
    }
    rmSync(f, { force: true });
    removed.push(f);
  }
  return { unitFile, removed, nextSteps: [`${SCOPES[scope].systemctl} daemon-reload`] };
}

export function stopCommand(scope: UnitScope): string {
  return `${SCOPES[scope].systemctl} stop oco-proxy`;
}
