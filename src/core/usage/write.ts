import { Money } from '../money.js';
import type { Queryable } from '../store/types.js';
import { RECORD_COLUMNS, recordValues, type UsageRecord } from './record.js';

const ROWS_PER_STATEMENT = 400;

/**
 * Writes records and their hourly rollups in the caller's transaction.
 * Idempotent: a record already stored (same id and ts) is skipped and not added
 * to the rollups again, so replaying a spill file twice counts each call once.
 */
export async function writeRecords(tx: Queryable, records: readonly UsageRecord[]): Promise<number> {
  const inserted = new Set<string>();
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const slice = records.slice(i, i + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const r of slice) {
      const vals = recordValues(r);
      const base = params.length;
      tuples.push(`(${vals.map((_, j) => `$${base + j + 1}`).join(',')})`);
      params.push(...vals);
    }
    const rows = await tx.all<{ id: string }>(
      `INSERT INTO api_requests (${RECORD_COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT (id, ts) DO NOTHING RETURNING id`,
      params as never,
    );
    for (const row of rows) inserted.add(row.id);
  }
  const rollups = new Map<string, Rollup>();
  for (const r of records) {
    if (!inserted.has(r.id)) continue;
    const hour = `${new Date(r.ts).toISOString().slice(0, 13)}:00:00.000Z`;
    const k = [hour, r.orgId, r.teamId, r.agentId, r.userId, r.provider, r.model].join('\u0000');
    let agg = rollups.get(k);
    if (!agg) {
      agg = { key: [hour, r.orgId, r.teamId, r.agentId, r.userId, r.provider, r.model], requests: 0, errors: 0, unpriced: 0, input: 0, cached: 0, cacheWrite: 0, output: 0, reasoning: 0, cost: new Money(0) };
      rollups.set(k, agg);
    }
    agg.requests++;
    if (r.statusCode >= 400 || r.errorClass) agg.errors++;
    if (r.costUsd === null) agg.unpriced++;
    else agg.cost = agg.cost.plus(r.costUsd);
    agg.input += r.inputTokens + r.toolPromptTokens;
    agg.cached += r.cachedInputTokens;
    agg.cacheWrite += r.cacheWrite5mTokens + r.cacheWrite1hTokens;
    agg.output += r.outputTokens;
    agg.reasoning += r.reasoningTokens;
  }
  const add = (c: string) => `${c} = usage_hourly.${c} + excluded.${c}`;
  const sql = `INSERT INTO usage_hourly (hour, org_id, team_id, agent_id, user_id, provider, model, requests, errors, unpriced_requests,
      input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd)
    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
    ON CONFLICT (hour, org_id, team_id, agent_id, user_id, provider, model) DO UPDATE SET
      ${['requests', 'errors', 'unpriced_requests', 'input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens'].map(add).join(', ')},
      cost_usd = ${tx.dialect.addMoney('usage_hourly.cost_usd', 'excluded.cost_usd')}`;
  for (const a of rollups.values()) {
    await tx.run(sql, [...a.key, a.requests, a.errors, a.unpriced, a.input, a.cached, a.cacheWrite, a.output, a.reasoning, a.cost.toFixed()]);
  }
  return inserted.size;
}

interface Rollup {
  key: string[];
  requests: number;
  errors: number;
  unpriced: number;
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  cost: Money;
}
