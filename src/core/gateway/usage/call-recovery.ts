import type { Logger } from 'pino';
import type { PriceBook } from '../pricing/book.js';
import { emptyUsage } from '../pricing/types.js';
import type { CallIntent, CallJournal, JournaledRecord } from './call-journal.js';
import type { UsageRecord } from './record.js';
import type { Recorder } from './recorder.js';

/** A recovered call the spend ledger must settle: its id, cost and what its ledger row names. */
export interface RecoveredCall {
  record: UsageRecord;
  requestedModel: string;
}

export interface RecoveryResult {
  finished: number;
  interrupted: number;
  torn: number;
  /** Admitted calls, each to be settled in the spend ledger at its recorded cost. */
  settle: RecoveredCall[];
}

/**
 * A call forwarded but never ended (the daemon died mid-call) is billed on what
 * admission reserved for it: the provider has read the prompt (input estimate:
 * body bytes / 4, an upper bound) and may have generated up to the output limit
 * (max_tokens when named, else the model's maximum, else
 * budget.defaultMaxOutputTokens). That is the most it can cost, so budgets are
 * never under-charged; it is flagged estimated, error class "interrupted", and
 * has no status, latency or time to first byte (unknown, not 0).
 */
export function interruptedRecord(i: CallIntent, book: PriceBook, defaultMaxOutputTokens: number): UsageRecord {
  const at = new Date(i.ts);
  const usage = {
    ...emptyUsage(),
    inputTokens: i.estimatedInputTokens,
    outputTokens: i.maxOutputTokens ?? book.limitsOf(i.provider, i.model).maxOutputTokens ?? defaultMaxOutputTokens,
  };
  const cost = book.price(i.provider, i.model, usage, at).costUsd;
  const a = i.attribution;
  return {
    id: i.id,
    ts: i.ts,
    provider: i.provider,
    model: i.model,
    endpoint: i.endpoint,
    orgId: a.orgId,
    teamId: a.teamId,
    agentId: a.agentId,
    userId: a.userId,
    keyId: a.keyId,
    tags: a.tags,
    inputTokens: usage.inputTokens,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: usage.outputTokens,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: cost === null ? null : cost.toFixed(),
    latencyMs: null,
    ttfbMs: null,
    statusCode: null,
    streamed: false,
    estimated: true,
    errorClass: 'interrupted',
  };
}

/**
 * At start, before the gateway listens: the calls a previous run journaled go
 * to the store (or a spill file when it is down) — finished ones as recorded,
 * unfinished ones as interrupted — and only then are the journal files removed.
 * Writing is idempotent by request id, so a record the crashed run had already
 * committed, or a crash during this recovery, never counts a call twice.
 */
export async function recoverCallJournal(
  journal: CallJournal,
  recorder: Recorder,
  book: PriceBook,
  opts: { defaultMaxOutputTokens: number; logger?: Logger },
): Promise<RecoveryResult> {
  const left = journal.leftover();
  const interrupted = left.interrupted.map((i) => ({
    record: interruptedRecord(i, book, opts.defaultMaxOutputTokens),
    admitted: i.admitted,
    requestedModel: i.model,
  }));
  const all: JournaledRecord[] = [...left.finished, ...interrupted];
  if (all.length > 0) await recorder.writeDurably(all.map((c) => c.record));
  journal.discard(left.files);
  if (all.length > 0 || left.torn > 0) {
    opts.logger?.info(
      { finished: left.finished.length, interrupted: interrupted.length, torn: left.torn },
      'replayed the call journal of a previous run',
    );
  }
  return {
    finished: left.finished.length,
    interrupted: interrupted.length,
    torn: left.torn,
    settle: all.filter((c) => c.admitted).map((c) => ({ record: c.record, requestedModel: c.requestedModel })),
  };
}
