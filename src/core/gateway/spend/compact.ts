import { randomUUID } from 'node:crypto';
import { money } from '../../base/money.js';
import type { Queryable, SqlParam, Store } from '../../base/store/types.js';
import { listBudgets, countFrom } from './repo.js';
import { periodSpec } from './model.js';
import { periodWindow } from './period.js';

/**
 * The ledger (spend_events) gets one row per call, for ever. Budgets only read it through
 * sums over (attribution columns, ts >= window start); so rows older than every window a
 * budget can open are folded into one row per distinct attribution (provider, model, org,
 * team, agent, user, key, tags) and UTC day, with their exact decimal sum. Every existing
 * budget's spend stays the same to the last digit: calendar and rolling windows start after
 * the cutoff, and a `total` budget, which counts from the beginning, sums the folded rows
 * instead. Folding per day keeps a rolling budget created later, with a window reaching past
 * the cutoff, right to the day.
 */

export interface CompactOptions {
  /** Keep individual rows this many days (at least one monthly period); older ones are folded. */
  retentionDays: number;
  now?: Date;
}

export interface CompactResult {
  /**
   * Rows older than this were folded (the retention cutoff, or earlier when a budget's window reaches further back).
   */
  cutoff: string;
  /** Ledger rows removed (settled, released and expired reservations before the cutoff). */
  removed: number;
  /** Rows written in their place: one per attribution and day with settled spend. */
  folded: number;
}

/** Days a calendar period can reach back (a month) plus a margin for time zones: the smallest retention allowed. */
export const MIN_RETENTION_DAYS = 32;

const GROUP = ['provider', 'model', 'org_id', 'team_id', 'agent_id', 'user_id', 'key_id', 'tags'] as const;

interface GroupRow {
  provider: string;
  model: string;
  org_id: string;
  team_id: string;
  agent_id: string;
  user_id: string;
  key_id: string | null;
  tags: string;
  spent: string | null;
  last_ts: string;
  [k: string]: unknown;
}

/** The retention cutoff, moved back to the earliest window start of any budget that is not `total`. */
export async function compactionCutoff(q: Queryable, options: CompactOptions): Promise<Date> {
  const now = options.now ?? new Date();
  let cutoff = new Date(now.getTime() - Math.max(options.retentionDays, MIN_RETENTION_DAYS) * 86_400_000);
  for (const b of await listBudgets(q)) {
    if (b.period === 'total') continue;
    const start = countFrom(b, periodWindow(periodSpec(b), now));
    if (start < cutoff) cutoff = start;
  }
  return cutoff;
}

/** The UTC day of ts, as YYYY-MM-DD, on either engine. */
export const dayOf = (q: Queryable) => q.dialect.utcDay('ts');
const NOT_FOLDED = "substr(request_id, 1, 7) <> 'folded_'";

/**
 * One UTC day at a time, each in its own short transaction, oldest first: a first run over a
 * large ledger never holds the write lock long enough to stall the daemon's writers, and
 * days already folded (only folded rows left) are skipped. Stopping half way leaves every
 * day either folded or untouched.
 */
export async function compactSpendLedger(store: Store, options: CompactOptions): Promise<CompactResult> {
  const now = options.now ?? new Date();
  const cutoff = await compactionCutoff(store, { ...options, now });
  const days = await store.all<{ day: string }>(
    `SELECT DISTINCT ${dayOf(store)} AS day FROM spend_events WHERE ts < $1 AND ${NOT_FOLDED} ORDER BY 1`,
    [cutoff],
  );
  let removed = 0;
  let folded = 0;
  for (const { day } of days) {
    const from = new Date(`${day}T00:00:00.000Z`);
    const to = new Date(Math.min(from.getTime() + 86_400_000, cutoff.getTime()));
    const r = await store.transaction((tx) => foldDay(tx, from, to, now));
    removed += r.removed;
    folded += r.folded;
  }
  return { cutoff: cutoff.toISOString(), removed, folded };
}

async function foldDay(tx: Queryable, from: Date, to: Date, now: Date): Promise<{ removed: number; folded: number }> {
  const groups = await tx.all<GroupRow>(
    `SELECT ${GROUP.join(', ')}, ${tx.dialect.sumMoney('cost_usd')} AS spent, MAX(ts) AS last_ts
       FROM spend_events WHERE state = 'settled' AND ts >= $1 AND ts < $2 GROUP BY ${GROUP.join(', ')}`,
    [from, to],
  );
  // A reservation that old expired long ago (the TTL is at most
  // a day): nothing before the cutoff still counts as reserved.
  const removed = (await tx.run('DELETE FROM spend_events WHERE ts >= $1 AND ts < $2', [from, to])).changes;
  let folded = 0;
  for (const g of groups) {
    if (g.spent === null || money(g.spent).isZero()) continue;
    const ts = new Date(g.last_ts);
    const row: SqlParam[] = [
      `folded_${randomUUID()}`,
      ts,
      ts,
      'settled',
      g.provider,
      g.model,
      g.org_id,
      g.team_id,
      g.agent_id,
      g.user_id,
      g.key_id,
      g.tags,
      '0',
      String(g.spent),
      now,
    ];
    await tx.run(
      `INSERT INTO spend_events (request_id, ts, expires_at, state, provider, model, org_id, team_id, agent_id, user_id,
         key_id, tags, reserved_usd, cost_usd, updated_at)
       VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`,
      row,
    );
    folded++;
  }
  return { removed, folded };
}

export interface LedgerCompactor {
  /** Resolves when the run in progress, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * The daemon's compaction: once shortly after start, then every `everyMs`. A run that fails
 * (store busy, unreachable) is reported and retried at the next tick; runs never overlap.
 */
export function startLedgerCompactor(
  store: Store,
  options: {
    retentionDays: number;
    everyMs?: number;
    firstAfterMs?: number;
    onRun?: (r: CompactResult) => void;
    onError?: (err: unknown) => void;
  },
): LedgerCompactor {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = compactSpendLedger(store, { retentionDays: options.retentionDays })
      .then(
        (r) => options.onRun?.(r),
        (err) => options.onError?.(err),
      )
      .finally(() => (running = undefined));
  };
  // soon after start (a daemon restarted daily would otherwise never compact), off the start path itself
  const first = setTimeout(tick, options.firstAfterMs ?? 1000);
  const timer = setInterval(tick, options.everyMs ?? 6 * 3_600_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
