import { existsSync, readFileSync, renameSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ensurePrivateDir, openPrivateFile } from '../config/private-files.js';

/**
 * Where an alert destination's secret lives. The rule is that secrets never reach the database, logs or messages, so
 * the database holds only a reference: the name of an environment variable the CLI and the daemon both see (as
 * webhook.secret comes from OCO_WEBHOOK_SECRET or proxy.env), or `file`, the destination's entry in
 * `<state dir>/alert-secrets.json`, a 0600 file in oco's 0700 state directory. A file entry is local to the host
 * that wrote it: with a shared PostgreSQL and daemons on other hosts, use an environment variable.
 */
export type SecretRef = { env: string } | { file: true };

export interface SecretContext {
  env: NodeJS.ProcessEnv;
  stateDir: string;
}

export const SECRETS_FILE = 'alert-secrets.json';

type SecretsFile = Record<string, Record<string, string>>;

function secretsPath(stateDir: string): string {
  return join(stateDir, SECRETS_FILE);
}

function readAll(stateDir: string): SecretsFile {
  const path = secretsPath(stateDir);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as SecretsFile;
}

function writeAll(stateDir: string, all: SecretsFile): void {
  ensurePrivateDir(stateDir);
  const path = secretsPath(stateDir);
  const tmp = `${path}.tmp`;
  // The descriptor is made 0600 before the secret is written, so it is never readable by others.
  closeSync(openPrivateFile(tmp, 'w'));
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Stores the destination's secrets in the private file (replacing its entry); returns the references. */
export function storeFileSecrets(ctx: SecretContext, destination: string, values: Record<string, string>): void {
  const all = readAll(ctx.stateDir);
  all[destination] = values;
  writeAll(ctx.stateDir, all);
}

export function removeFileSecrets(ctx: SecretContext, destination: string): void {
  const all = readAll(ctx.stateDir);
  if (!(destination in all)) return;
  delete all[destination];
  writeAll(ctx.stateDir, all);
}

/** The secret a reference names; a missing one is a configuration error naming where it was looked for. */
export function readSecret(ctx: SecretContext, destination: string, field: string, ref: SecretRef): string {
  if ('env' in ref) {
    const v = ctx.env[ref.env];
    if (v) return v;
    throw new ConfigError(
      `alert destination ${destination}: environment variable ${ref.env} (its ${field}) is not set`,
      {
        code: 'OCO_ALERT_SECRET_MISSING',
        hint: `Set ${ref.env} where oco and the daemon run (the daemon reads proxy.env), or add the destination again.`,
        details: { destination, field, env: ref.env },
      },
    );
  }
  const v = readAll(ctx.stateDir)[destination]?.[field];
  if (v) return v;
  throw new ConfigError(`alert destination ${destination}: its ${field} is not in ${secretsPath(ctx.stateDir)}`, {
    code: 'OCO_ALERT_SECRET_MISSING',
    hint:
      'The secret was stored on another host or the file was removed: add the destination again here, ' +
      'or give the secret by environment variable (--*-env).',
    details: { destination, field },
  });
}

/** How a reference is shown: never the secret, only where it is. */
export function describeRef(ref: SecretRef): string {
  return 'env' in ref ? `env:${ref.env}` : `file:${SECRETS_FILE}`;
}
