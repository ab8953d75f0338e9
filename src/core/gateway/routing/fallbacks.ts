/**
 * Fallback lists: per model (as a client names it on the unified endpoint), the ordered models tried
 * after it when it answers 429 or 5xx, times out or cannot be reached. Kept in `route_fallbacks` so
 * every daemon sharing the store applies the same lists; `oco route fallbacks` edits them.
 */
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { Store } from '../../base/store/types.js';
import { routeModel } from '../translate/model-route.js';

/** More fallbacks than this would keep a failing call waiting longer than any client would. */
export const MAX_FALLBACKS = 5;

export interface FallbackList {
  model: string;
  fallbacks: string[];
  updatedAt: string;
}

/**
 * Model names as given (comma-separated), each one a provider claims (`routeModel`), none twice;
 * the problem, naming the model, otherwise.
 */
export function fallbackModelsProblem(models: readonly string[], own?: string): string | undefined {
  if (models.length === 0) return 'no model given';
  if (models.length > MAX_FALLBACKS) return `at most ${MAX_FALLBACKS} models, got ${models.length}`;
  const seen = new Set<string>();
  for (const m of models) {
    if (m === '') return 'an empty model name (two commas in a row, or a trailing comma)';
    try {
      routeModel(m);
    } catch {
      return `model "${m}" is not routed to any provider (${ROUTABLE})`;
    }
    if (m === own) return `model "${m}" cannot be its own fallback`;
    if (seen.has(m)) return `model "${m}" is listed twice`;
    seen.add(m);
  }
  return undefined;
}

const ROUTABLE = 'use a known prefix such as gpt-, claude-, gemini-, or provider/model';

export function splitModels(list: string): string[] {
  return list.split(',').map((m) => m.trim());
}

const HINT = 'Example: oco route fallbacks set gpt-4o --to claude-sonnet-4-5,gemini-2.5-pro';

export async function setFallbacks(store: Store, model: string, to: string): Promise<FallbackList> {
  const name = model.trim();
  const own = fallbackModelsProblem([name]);
  if (own) throw new UsageError(`MODEL: ${own}`, { code: 'OCO_ROUTE_FALLBACK_INVALID', hint: HINT });
  const fallbacks = splitModels(to);
  const problem = fallbackModelsProblem(fallbacks, name);
  if (problem) throw new UsageError(`--to: ${problem}`, { code: 'OCO_ROUTE_FALLBACK_INVALID', hint: HINT });
  const at = new Date();
  await store.run(
    `INSERT INTO route_fallbacks (model, fallbacks, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (model) DO UPDATE SET fallbacks = excluded.fallbacks, updated_at = excluded.updated_at`,
    [name, JSON.stringify(fallbacks), at],
  );
  return { model: name, fallbacks, updatedAt: at.toISOString() };
}

export async function listFallbacks(store: Store): Promise<FallbackList[]> {
  const rows = await store.all<{ model: string; fallbacks: string; updated_at: unknown }>(
    'SELECT model, fallbacks, updated_at FROM route_fallbacks ORDER BY model',
  );
  return rows.map((r) => ({
    model: r.model,
    fallbacks: parseStored(r.fallbacks),
    updatedAt: new Date(String(r.updated_at)).toISOString(),
  }));
}

export async function unsetFallbacks(store: Store, model: string): Promise<{ model: string; removed: boolean }> {
  const name = model.trim();
  const { changes } = await store.run('DELETE FROM route_fallbacks WHERE model = $1', [name]);
  if (changes === 0)
    throw new NotFoundError(`model "${name}" has no fallback list`, {
      code: 'OCO_ROUTE_FALLBACK_NOT_FOUND',
      hint: 'See the lists with: oco route fallbacks list',
    });
  return { model: name, removed: true };
}

/** Every list, by model: what the daemon keeps in memory. */
export async function fallbackTable(store: Store): Promise<Map<string, string[]>> {
  return new Map((await listFallbacks(store)).map((l) => [l.model, l.fallbacks]));
}

/** A row written by another version or by hand that is not a list of names is no list. */
function parseStored(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}
