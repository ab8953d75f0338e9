/**
 * The upstream registry (`oco route providers add|list|remove`), one row per upstream in the
 * `upstreams` table. Two kinds of row:
 *   - an OpenAI-compatible provider (kind `openai-compatible`: Ollama, vLLM, Groq, Mistral…),
 *     reached as NAME/model, priced and recorded under NAME;
 *   - a deployment of a built-in provider (kind `openai`, `anthropic` or `gemini`), which calls
 *     to that provider are spread over by weight, recorded under the built-in's name.
 * A row holds the NAME of the environment variable with the key, never the key.
 */
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { isProviderName, LLM_PROVIDERS, type ProviderName } from '../model.js';

export const UPSTREAM_KINDS = ['openai-compatible', ...LLM_PROVIDERS] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

export interface UpstreamEntry {
  name: string;
  kind: UpstreamKind;
  baseUrl: string;
  /** The environment variable the daemon reads the key from; null: no key (or the built-in's configured one). */
  keyEnv: string | null;
  /** The only models this upstream serves; null: any. */
  models: string[] | null;
  weight: number;
  createdAt: string;
}

export interface UpstreamInput {
  name: string;
  kind?: string;
  baseUrl: string;
  keyEnv?: string;
  models?: string;
  weight?: number;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MODEL = /^[^\s,]{1,200}$/;
export const MAX_WEIGHT = 1000;
/** Names the gateway itself uses in a model's `provider/` prefix or records. */
const RESERVED = new Set<string>([...LLM_PROVIDERS, 'unknown', 'oco']);

/** The wire format a kind speaks: an OpenAI-compatible provider speaks OpenAI's. */
export function wireOf(kind: UpstreamKind): ProviderName {
  return kind === 'openai-compatible' ? 'openai' : kind;
}

/** Every input checked before anything is written; each error names its flag. */
export function validateUpstream(input: UpstreamInput): Omit<UpstreamEntry, 'createdAt'> {
  const name = input.name;
  if (!NAME.test(name))
    throw new UsageError(
      `NAME must be a lowercase slug: a letter, then letters, digits or '-', at most 40 (got ${JSON.stringify(name)})`,
      { hint: 'e.g. oco route providers add groq --base-url https://api.groq.com/openai/v1 --key-env GROQ_API_KEY' },
    );
  if (RESERVED.has(name))
    throw new UsageError(`NAME "${name}" is taken by a built-in provider`, {
      hint: `Add a deployment of it under another name: --kind ${isProviderName(name) ? name : 'openai'} NAME-eu.`,
    });
  const kind = (input.kind ?? 'openai-compatible') as UpstreamKind;
  if (!UPSTREAM_KINDS.includes(kind))
    throw new UsageError(`--kind must be one of ${UPSTREAM_KINDS.join(', ')} (got "${input.kind}")`);
  const baseUrl = parseBaseUrl(input.baseUrl);
  const keyEnv = input.keyEnv === undefined || input.keyEnv === '' ? null : input.keyEnv;
  if (keyEnv !== null && !ENV_NAME.test(keyEnv))
    throw new UsageError(
      "--key-env takes the NAME of an environment variable (letters, digits, '_'), not the key itself" +
        ' (the value given is not shown, in case it is a key)',
      { hint: 'e.g. --key-env GROQ_API_KEY, with GROQ_API_KEY set where the gateway runs.' },
    );
  const models = parseModels(input.models);
  const weight = input.weight ?? 1;
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT)
    throw new UsageError(`--weight must be a whole number from 1 to ${MAX_WEIGHT} (got ${weight})`);
  return { name, kind, baseUrl, keyEnv, models, weight };
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--base-url must be an http or https URL (got ${JSON.stringify(raw)})`, {
      hint: 'e.g. --base-url http://127.0.0.1:11434/v1 (Ollama) or https://api.groq.com/openai/v1',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--base-url must be http or https (got ${url.protocol.replace(':', '')})`);
  if (url.username || url.password)
    throw new UsageError('--base-url must not hold credentials; put the key in an environment variable (--key-env)');
  if (url.search || url.hash) throw new UsageError('--base-url must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parseModels(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const models = raw
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (models.length === 0) throw new UsageError('--models needs at least one model name (m1,m2)');
  const bad = models.find((m) => !MODEL.test(m));
  if (bad) throw new UsageError(`--models: ${JSON.stringify(bad)} is not a model name`);
  return [...new Set(models)];
}

type Row = {
  name: string;
  kind: string;
  base_url: string;
  key_env: string | null;
  models: string | null;
  weight: number | string;
  created_at: string | Date;
};

function fromRow(r: Row): UpstreamEntry {
  return {
    name: r.name,
    kind: r.kind as UpstreamKind,
    baseUrl: r.base_url,
    keyEnv: r.key_env,
    models: r.models === null ? null : (JSON.parse(r.models) as string[]),
    weight: Number(r.weight),
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
  };
}

const COLUMNS = 'name, kind, base_url, key_env, models, weight, created_at';

export async function addUpstream(store: Store, input: UpstreamInput, now = new Date()): Promise<UpstreamEntry> {
  const u = validateUpstream(input);
  const existing = await store.get<{ name: string }>('SELECT name FROM upstreams WHERE name = $1', [u.name]);
  if (existing)
    throw new UsageError(`an upstream named "${u.name}" exists already`, {
      code: 'OCO_UPSTREAM_EXISTS',
      hint: `Remove it first: oco route providers remove ${u.name}.`,
    });
  await store.run(
    `INSERT INTO upstreams (name, kind, base_url, key_env, models, weight, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [u.name, u.kind, u.baseUrl, u.keyEnv, u.models ? JSON.stringify(u.models) : null, u.weight, now.toISOString()],
  );
  return { ...u, createdAt: now.toISOString() };
}

export async function listUpstreams(store: Store): Promise<UpstreamEntry[]> {
  const rows = await store.all<Row>(`SELECT ${COLUMNS} FROM upstreams ORDER BY name`);
  return rows.map(fromRow);
}

export async function removeUpstream(store: Store, name: string): Promise<UpstreamEntry> {
  const row = await store.get<Row>(`SELECT ${COLUMNS} FROM upstreams WHERE name = $1`, [name]);
  if (!row)
    throw new NotFoundError(`no upstream named "${name}"`, {
      code: 'OCO_UPSTREAM_NOT_FOUND',
      hint: 'List them with "oco route providers list".',
    });
  await store.run('DELETE FROM upstreams WHERE name = $1', [name]);
  return fromRow(row);
}
