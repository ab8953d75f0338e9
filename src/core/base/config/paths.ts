import { homedir } from 'node:os';
import { join } from 'node:path';

export interface OcoPaths {
  /** Where the paths came from: OCO_HOME or the XDG base directories. */
  base: 'OCO_HOME' | 'XDG';
  configDir: string;
  configFile: string;
  dataDir: string;
  stateDir: string;
  logDir: string;
  sqliteFile: string;
}

/**
 * OCO_HOME puts everything under one directory (tests rely on it for isolation);
 * otherwise the XDG base directories, as a Linux user expects.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): OcoPaths {
  const home = env.OCO_HOME;
  if (home) {
    return layout('OCO_HOME', join(home, 'config'), join(home, 'data'), join(home, 'state'));
  }
  const userHome = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(userHome, '.config');
  const dataHome = env.XDG_DATA_HOME || join(userHome, '.local', 'share');
  const stateHome = env.XDG_STATE_HOME || join(userHome, '.local', 'state');
  return layout('XDG', join(configHome, 'oco'), join(dataHome, 'oco'), join(stateHome, 'oco'));
}

function layout(base: OcoPaths['base'], configDir: string, dataDir: string, stateDir: string): OcoPaths {
  return {
    base,
    configDir,
    configFile: join(configDir, 'config.yaml'),
    dataDir,
    stateDir,
    logDir: join(stateDir, 'logs'),
    sqliteFile: join(dataDir, 'oco.db'),
  };
}
