import { NotFoundError, UsageError } from '../errors.js';
import type { Queryable, Store } from '../store/types.js';
import { describeRef, type SecretRef } from './secrets.js';

/**
 * Alert destinations as objects: a name, a kind, settings that are not secret and references to the secrets
 * (secrets.ts). One may be the default (where budget alerts and the digest go unless a budget is routed elsewhere).
 */
export const DESTINATION_KINDS = ['slack', 'teams', 'email', 'webhook'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export interface EmailSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  user: string | null;
  from: string;
  to: string[];
}

export interface Destination {
  name: string;
  kind: DestinationKind;
  /** email: EmailSettings; others: {}. */
  settings: Partial<EmailSettings>;
  /** Secret field → reference: url (slack/teams/webhook), password (email), signingSecret (webhook). */
  secrets: Record<string, SecretRef>;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A destination as the CLI and the admin API show it: where each secret is, never the secret. */
export interface DestinationView {
  name: string;
  kind: DestinationKind;
  default: boolean;
  settings: Partial<EmailSettings>;
  secrets: Record<string, string>;
  createdAt: string;
}

export function destinationView(d: Destination): DestinationView {
  return {
    name: d.name,
    kind: d.kind,
    default: d.isDefault,
    settings: d.settings,
    secrets: Object.fromEntries(Object.entries(d.secrets).map(([k, r]) => [k, describeRef(r)])),
    createdAt: d.createdAt,
  };
}

export function invalidDestination(field: string, message: string, hint?: string): UsageError {
  return new UsageError(`${field}: ${message}`, {
    code: 'OCO_ALERT_DESTINATION_INVALID',
    hint: hint ?? 'See --help for the accepted values. Nothing was stored.',
    details: { field },
  });
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/** Raw input as flags or JSON give it (names as the CLI's flags). */
export interface DestinationInput {
  kind?: unknown;
  name?: unknown;
  'webhook-url'?: unknown;
  'webhook-url-env'?: unknown;
  'signing-secret-env'?: unknown;
  'smtp-host'?: unknown;
  'smtp-port'?: unknown;
  'smtp-security'?: unknown;
  'smtp-user'?: unknown;
  'smtp-password'?: unknown;
  'smtp-password-env'?: unknown;
  from?: unknown;
  to?: unknown;
}

export interface ParsedDestination {
  name: string;
  kind: DestinationKind;
  settings: Partial<EmailSettings>;
  secrets: Record<string, SecretRef>;
  /** Secrets given by value: stored in the private file, never in the database. */
  fileSecrets: Record<string, string>;
}

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalidDestination(field, 'must be a string');
  return v;
}

function envRef(v: unknown, field: string): string | undefined {
  const s = str(v, field);
  if (s !== undefined && !ENV_NAME.test(s))
    throw invalidDestination(field, `"${s}" is not an environment variable name`);
  return s;
}

function httpsUrl(v: string, field: string, kind: DestinationKind): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    // The value may be a secret: never echo it.
    throw invalidDestination(field, 'is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalidDestination(field, 'must be an http(s) URL');
  if (u.protocol === 'http:' && kind !== 'webhook' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
    throw invalidDestination(field, `${kind} webhooks are https URLs`);
  return v;
}

/** The one validation the CLI and the admin API go through; errors name the flag (the API's field). */
export function parseDestination(input: DestinationInput): ParsedDestination {
  const kind = str(input.kind, 'kind');
  if (!kind || !(DESTINATION_KINDS as readonly string[]).includes(kind))
    throw invalidDestination('kind', `must be one of ${DESTINATION_KINDS.join(', ')}`);
  const name = str(input.name, 'name');
  if (!name || !NAME.test(name))
    throw invalidDestination(
      'name',
      'must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
    );
  const k = kind as DestinationKind;
  const secrets: Record<string, SecretRef> = {};
  const fileSecrets: Record<string, string> = {};
  const settings: Partial<EmailSettings> = {};
  if (k === 'email') {
    const host = str(input['smtp-host'], '--smtp-host');
    if (!host) throw invalidDestination('--smtp-host', 'is required for an email destination');
    const security = (str(input['smtp-security'], '--smtp-security') ?? 'starttls') as SmtpSecurity;
    if (!SMTP_SECURITY.includes(security))
      throw invalidDestination('--smtp-security', `must be one of ${SMTP_SECURITY.join(', ')}`);
    const portText = input['smtp-port'] === undefined ? undefined : String(input['smtp-port']);
    const port = portText === undefined ? (security === 'tls' ? 465 : 587) : Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw invalidDestination('--smtp-port', `"${portText}" is not a port number`);
    const from = str(input.from, '--from');
    if (!from || !EMAIL.test(from)) throw invalidDestination('--from', 'must be an email address');
    const toRaw = input.to;
    const to = (Array.isArray(toRaw) ? toRaw : typeof toRaw === 'string' ? toRaw.split(',') : [])
      .map((t) => String(t).trim())
      .filter(Boolean);
    if (to.length === 0) throw invalidDestination('--to', 'give at least one recipient');
    for (const t of to) if (!EMAIL.test(t)) throw invalidDestination('--to', `"${t}" is not an email address`);
    const user = str(input['smtp-user'], '--smtp-user') ?? null;
    const pass = str(input['smtp-password'], '--smtp-password');
    const passEnv = envRef(input['smtp-password-env'], '--smtp-password-env');
    if (pass && passEnv) throw invalidDestination('--smtp-password', 'give --smtp-password or --smtp-password-env');
    if ((pass || passEnv) && !user) throw invalidDestination('--smtp-user', 'is required with a password');
    if (user && !pass && !passEnv)
      throw invalidDestination('--smtp-password-env', 'give --smtp-password-env (or --smtp-password) with --smtp-user');
    if (passEnv) secrets.password = { env: passEnv };
    if (pass) {
      secrets.password = { file: true };
      fileSecrets.password = pass;
    }
    Object.assign(settings, { host, port, security, user, from, to });
  } else {
    const url = str(input['webhook-url'], '--webhook-url');
    const urlEnv = envRef(input['webhook-url-env'], '--webhook-url-env');
    if (url && urlEnv) throw invalidDestination('--webhook-url', 'give --webhook-url or --webhook-url-env');
    if (!url && !urlEnv) throw invalidDestination('--webhook-url-env', 'give --webhook-url-env (or --webhook-url)');
    if (url) {
      secrets.url = { file: true };
      fileSecrets.url = httpsUrl(url, '--webhook-url', k);
    } else secrets.url = { env: urlEnv! };
    const signing = envRef(input['signing-secret-env'], '--signing-secret-env');
    if (signing && k !== 'webhook')
      throw invalidDestination('--signing-secret-env', 'only a webhook destination is signed');
    if (signing) secrets.signingSecret = { env: signing };
  }
  return { name, kind: k, settings, secrets, fileSecrets };
}

// ---------------------------------------------------------------- store

type Row = {
  name: string;
  kind: string;
  settings: unknown;
  secrets: unknown;
  is_default: unknown;
  created_at: string | Date;
  updated_at: string | Date;
};

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const iso = (v: string | Date) => new Date(v).toISOString();

function toDestination(r: Row): Destination {
  return {
    name: r.name,
    kind: r.kind as DestinationKind,
    settings: json(r.settings),
    secrets: json(r.secrets),
    isDefault: r.is_default === true || r.is_default === 1 || r.is_default === '1',
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const COLUMNS = 'name, kind, settings, secrets, is_default, created_at, updated_at';

export async function listDestinations(q: Queryable): Promise<Destination[]> {
  return (await q.all<Row>(`SELECT ${COLUMNS} FROM alert_destinations ORDER BY name`)).map(toDestination);
}

export async function findDestination(q: Queryable, name: string): Promise<Destination> {
  const row = await q.get<Row>(`SELECT ${COLUMNS} FROM alert_destinations WHERE name = $1`, [name]);
  if (!row)
    throw new NotFoundError(`no alert destination named ${name}`, {
      code: 'OCO_ALERT_DESTINATION_NOT_FOUND',
      hint: '"oco alerts destinations list" shows the destinations.',
      details: { name },
    });
  return toDestination(row);
}

export async function defaultDestination(q: Queryable): Promise<Destination | null> {
  const row = await q.get<Row>(`SELECT ${COLUMNS} FROM alert_destinations WHERE is_default = $1`, [true]);
  return row ? toDestination(row) : null;
}

/** Inserts a destination; the first one becomes the default (alerts then go somewhere without a second step). */
export async function insertDestination(q: Queryable, d: ParsedDestination, now = new Date()): Promise<Destination> {
  const exists = await q.get(`SELECT 1 AS x FROM alert_destinations WHERE name = $1`, [d.name]);
  if (exists)
    throw new UsageError(`an alert destination named ${d.name} exists already`, {
      code: 'OCO_ALERT_DESTINATION_EXISTS',
      hint: `Remove it first ("oco alerts destinations remove ${d.name}") or pick another name.`,
      details: { name: d.name },
    });
  const first = !(await q.get(`SELECT 1 AS x FROM alert_destinations`));
  await q.run(
    `INSERT INTO alert_destinations (name, kind, settings, secrets, is_default, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)`,
    [d.name, d.kind, JSON.stringify(d.settings), JSON.stringify(d.secrets), first, now],
  );
  return findDestination(q, d.name);
}

/** Removes a destination and the budget routes to it (those budgets fall back to the default). */
export async function removeDestination(store: Store, name: string): Promise<Destination> {
  return store.transaction(async (q) => {
    const d = await findDestination(q, name);
    await q.run(`DELETE FROM alert_routes WHERE destination = $1`, [name]);
    await q.run(`DELETE FROM alert_destinations WHERE name = $1`, [name]);
    return d;
  });
}

/** One transaction: there is never a moment with two defaults or none. */
export async function setDefaultDestination(store: Store, name: string, now = new Date()): Promise<Destination> {
  return store.transaction((q) => setDefaultIn(q, name, now));
}

async function setDefaultIn(q: Queryable, name: string, now: Date): Promise<Destination> {
  await findDestination(q, name);
  await q.run(`UPDATE alert_destinations SET is_default = $1, updated_at = $2 WHERE is_default = $3`, [
    false,
    now,
    true,
  ]);
  await q.run(`UPDATE alert_destinations SET is_default = $1, updated_at = $2 WHERE name = $3`, [true, now, name]);
  return findDestination(q, name);
}

export type AlertRoute = {
  budgetId: string;
  destination: string;
  createdAt: string;
};

export async function listRoutes(q: Queryable): Promise<AlertRoute[]> {
  const rows = await q.all<{ budget_id: string; destination: string; created_at: string | Date }>(
    `SELECT budget_id, destination, created_at FROM alert_routes ORDER BY budget_id`,
  );
  return rows.map((r) => ({ budgetId: r.budget_id, destination: r.destination, createdAt: iso(r.created_at) }));
}

export async function setRoute(store: Store, budgetId: string, destination: string, now = new Date()): Promise<void> {
  await store.transaction((q) => setRouteIn(q, budgetId, destination, now));
}

async function setRouteIn(q: Queryable, budgetId: string, destination: string, now: Date): Promise<void> {
  await findDestination(q, destination);
  await q.run(`DELETE FROM alert_routes WHERE budget_id = $1`, [budgetId]);
  await q.run(`INSERT INTO alert_routes (budget_id, destination, created_at) VALUES ($1, $2, $3)`, [
    budgetId,
    destination,
    now,
  ]);
}

export async function clearRoute(q: Queryable, budgetId: string): Promise<boolean> {
  return (await q.run(`DELETE FROM alert_routes WHERE budget_id = $1`, [budgetId])).changes > 0;
}

/** Where one budget's alerts go: its route, else the default destination, else nowhere. */
export async function destinationFor(q: Queryable, budgetId: string): Promise<Destination | null> {
  const r = await q.get<{ destination: string }>(`SELECT destination FROM alert_routes WHERE budget_id = $1`, [
    budgetId,
  ]);
  if (r) {
    const row = await q.get<Row>(`SELECT ${COLUMNS} FROM alert_destinations WHERE name = $1`, [r.destination]);
    if (row) return toDestination(row);
  }
  return defaultDestination(q);
}
