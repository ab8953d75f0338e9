/**
 * Measured latency per model from recorded calls (api_requests.latency_ms): the median of the
 * most recent successful calls, for the latency routing strategy. Reads the (model, ts) index.
 */
import type { Queryable } from '../../base/store/types.js';

export interface ModelLatency {
  medianMs: number;
  samples: number;
}

/** At most this many recent calls per model are read: a median over them moves with the traffic. */
export const LATENCY_SAMPLES = 500;

export async function medianLatencies(
  db: Queryable,
  models: ReadonlyArray<{ provider: string; model: string }>,
  since: Date,
): Promise<Map<string, ModelLatency>> {
  const out = new Map<string, ModelLatency>();
  for (const { provider, model } of models) {
    const key = `${provider}/${model}`;
    if (out.has(key)) continue;
    const rows = await db.all<{ latency_ms: number | string }>(
      `SELECT latency_ms FROM api_requests
       WHERE model = $1 AND provider = $2 AND ts >= $3 AND latency_ms IS NOT NULL AND error_class IS NULL
       ORDER BY ts DESC LIMIT ${LATENCY_SAMPLES}`,
      [model, provider, since.toISOString()],
    );
    if (rows.length === 0) continue;
    const ms = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
    const mid = ms.length >> 1;
    out.set(key, { medianMs: ms.length % 2 ? ms[mid]! : (ms[mid - 1]! + ms[mid]!) / 2, samples: ms.length });
  }
  return out;
}

/**
 * Latencies (ms, ascending) of a model's most recent successful calls in [from, to), at most
 * LATENCY_SAMPLES of them: read through the (model, ts) index newest first, never a scan of the
 * window's calls.
 */
export async function recentLatencies(
  db: Queryable,
  provider: string,
  model: string,
  from: Date,
  to: Date,
): Promise<number[]> {
  const rows = await db.all<{ latency_ms: number | string }>(
    `SELECT latency_ms FROM api_requests
     WHERE model = $1 AND provider = $2 AND ts >= $3 AND ts < $4 AND latency_ms IS NOT NULL AND error_class IS NULL
     ORDER BY ts DESC LIMIT ${LATENCY_SAMPLES}`,
    [model, provider, from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
}
