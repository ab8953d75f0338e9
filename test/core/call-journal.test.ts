import { appendFileSync, copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Money } from '../../src/core/base/money.js';
import { loadPriceBook } from '../../src/core/gateway/pricing/book.js';
import { settleRecovered } from '../../src/core/gateway/spend/index.js';
import { CallJournal, type CallIntent } from '../../src/core/gateway/usage/call-journal.js';
import { recoverCallJournal } from '../../src/core/gateway/usage/call-recovery.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { Recorder } from '../../src/core/gateway/usage/recorder.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';

const ATTR = { orgId: 'o', teamId: 't', agentId: 'a', userId: 'u', keyId: null, tags: ['x'] };

function intent(id: string, over: Partial<CallIntent> = {}): CallIntent {
  return {
    id,
    ts: '2026-12-01T10:00:00.000Z',
    provider: 'openai',
    model: 'gpt-4o',
    endpoint: '/v1/chat/completions',
    attribution: ATTR,
    estimatedInputTokens: 40,
    maxOutputTokens: 100,
    admitted: true,
    ...over,
  };
}

function record(id: string, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id,
    ts: '2026-12-01T10:00:00.000Z',
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    endpoint: '/v1/chat/completions',
    ...ATTR,
    inputTokens: 1000,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 300,
    reasoningTokens: 0,
    toolPromptTokens: 0,
    costUsd: '0.0055',
    latencyMs: 12,
    ttfbMs: 10,
    statusCode: 200,
    streamed: false,
    estimated: false,
    errorClass: null,
    ...over,
  };
}

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort();
const bytes = (dir: string) => segments(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

describe('call journal', () => {
  let home: TempHome;
  let dir: string;
  beforeEach(() => {
    home = tempHome();
    dir = join(home.path, 'state', 'journal');
  });
  afterEach(() => home.cleanup());

  it('is private: directory 0700, segments 0600', () => {
    const j = new CallJournal(dir);
    j.open();
    j.intent(intent('a'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, segments(dir)[0]!)).mode & 0o777).toBe(0o600);
  });

  it('keeps a line until its call ended and its record is committed, then empties the segment', () => {
    const j = new CallJournal(dir);
    j.open();
    const m = j.intent(intent('a'));
    expect(readFileSync(join(dir, segments(dir)[0]!), 'utf8').split('\n')).toHaveLength(2);
    const r = record('a');
    j.finished(r, m, true, 'gpt-4o');
    expect(j.snapshot()).toMatchObject({ openIntents: 0, uncommitted: 1 });
    // A record the recorder never saw is not a reason to truncate.
    j.durable([record('other')]);
    expect(bytes(dir)).toBeGreaterThan(0);
    j.durable([r]);
    expect(j.snapshot()).toMatchObject({ segments: 1, bytes: 0, openIntents: 0, uncommitted: 0 });
    expect(bytes(dir)).toBe(0);
    // Appends continue at the start of the emptied file.
    j.intent(intent('b'));
    expect(JSON.parse(readFileSync(join(dir, segments(dir)[0]!), 'utf8')).slice(0, 2)).toEqual(['i', 'b']);
  });

  it("writes a call's record line as it finishes, before the client can see the end: a kill then replays it exactly", () => {
    const j = new CallJournal(dir);
    j.open();
    const ma = j.intent(intent('a'));
    // Forwarded, not finished: a kill now bills 'a' as interrupted.
    expect(new CallJournal(dir).leftover().interrupted.map((i) => i.id)).toEqual(['a']);
    j.finished(record('a'), ma, true, 'gpt-4o');
    // Written at once, with no turn of the loop in between.
    const left = new CallJournal(dir).leftover();
    expect(left.interrupted).toEqual([]);
    expect(left.finished.map((f) => f.record.id)).toEqual(['a']);
    const lines = readFileSync(join(dir, segments(dir)[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).slice(0, 2));
    expect(lines).toEqual([
      ['i', 'a'],
      ['r', true],
    ]);
  });

  it('rotates by size and deletes segments oldest first, never one a longer call still needs', () => {
    const j = new CallJournal(dir, { segmentBytes: 1 });
    j.open();
    const long = j.intent(intent('long'));
    const done: UsageRecord[] = [];
    for (const id of ['b', 'c', 'd']) {
      const m = j.intent(intent(id));
      const r = record(id);
      j.finished(r, m, true, 'gpt-4o');
      done.push(r);
    }
    const before = segments(dir);
    expect(before.length).toBeGreaterThanOrEqual(4);
    j.durable(done);
    // The long call's intent (in the first segment) is open: nothing after it may go either.
    expect(segments(dir)).toEqual(before);
    const r = record('long');
    j.finished(r, long, true, 'gpt-4o');
    j.durable([r]);
    // Everything resolved: old segments deleted, the newest one emptied.
    expect(segments(dir)).toHaveLength(1);
    expect(bytes(dir)).toBe(0);
  });

  it('reads back every field it wrote', () => {
    const j = new CallJournal(dir);
    j.open();
    const i = intent('x', {
      attribution: { ...ATTR, keyId: 'key-1', tags: ['a', 'b'] },
      maxOutputTokens: null,
      admitted: false,
    });
    j.intent(i);
    const m = j.intent(intent('y'));
    const r = record('y', {
      keyId: 'key-1',
      tags: ['a'],
      cachedInputTokens: 1,
      cacheWrite5mTokens: 2,
      cacheWrite1hTokens: 3,
      reasoningTokens: 4,
      toolPromptTokens: 5,
      ttfbMs: null,
      streamed: true,
      estimated: true,
      errorClass: 'client_cancelled',
      costUsd: null,
    });
    j.finished(r, m, true, 'gpt-4o');
    // A routed call's line carries the routing fields; the others keep their shape.
    const mz = j.intent(intent('z'));
    const z = record('z', { originalModel: 'gpt-4o', routedModel: 'gpt-4o-mini', savingsUsd: '0.00123' });
    j.finished(z, mz, true, 'gpt-4o-mini');
    // A call that consulted the response cache carries the cache fields after the routing ones (null unrouted).
    const hit = record('hit', {
      costUsd: '0',
      originalModel: null,
      routedModel: null,
      savingsUsd: null,
      cache: 'hit',
      cacheSavingsUsd: '0.00525',
    });
    j.finished(hit, undefined, false, 'gpt-4o');
    const miss = record('miss', { ...z, id: 'miss', cache: 'miss', cacheSavingsUsd: null });
    j.finished(miss, j.intent(intent('miss')), true, 'gpt-4o-mini');
    // A call a registered deployment served names it after the cache fields (null when unused).
    const dep = record('dep', {
      originalModel: null,
      routedModel: null,
      savingsUsd: null,
      cache: null,
      cacheSavingsUsd: null,
      deployment: 'openai-eu',
    });
    j.finished(dep, j.intent(intent('dep')), true, 'gpt-4o');
    // A unified call's request hash comes last (the fields before it null when unused).
    const hashed = record('hashed', {
      originalModel: null,
      routedModel: null,
      savingsUsd: null,
      cache: null,
      cacheSavingsUsd: null,
      deployment: null,
      requestHash: 'a'.repeat(64),
    });
    j.finished(hashed, j.intent(intent('hashed')), true, 'gpt-4o');
    const left = new CallJournal(dir).leftover();
    expect(left.interrupted).toEqual([i]);
    expect(left.finished).toEqual([
      { record: r, admitted: true, requestedModel: 'gpt-4o' },
      { record: z, admitted: true, requestedModel: 'gpt-4o-mini' },
      { record: hit, admitted: false, requestedModel: 'gpt-4o' },
      { record: miss, admitted: true, requestedModel: 'gpt-4o-mini' },
      { record: dep, admitted: true, requestedModel: 'gpt-4o' },
      { record: hashed, admitted: true, requestedModel: 'gpt-4o' },
    ]);
  });

  it('reads what a killed run left: records, intents without an end, and skips a torn last line', () => {
    const j = new CallJournal(dir);
    j.open();
    const ma = j.intent(intent('a'));
    j.intent(intent('b'));
    j.finished(record('a'), ma, true, 'gpt-4o');
    j.finished(record('refused', { statusCode: 429, errorClass: 'refused', costUsd: '0' }), undefined, false, 'gpt-4o');
    appendFileSync(join(dir, segments(dir)[0]!), '["r",true,"gpt-4o","tor');
    const left = new CallJournal(dir).leftover();
    expect(left.finished.map((f) => [f.record.id, f.admitted, f.requestedModel])).toEqual([
      ['a', true, 'gpt-4o'],
      ['refused', false, 'gpt-4o'],
    ]);
    expect(left.interrupted.map((i) => i.id)).toEqual(['b']);
    expect(left.torn).toBe(1);
  });
});

describe.each(BACKENDS)('call journal replay ($name)', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let home: TempHome;
  beforeEach(async () => {
    if (!backend.available()) return;
    ({ store, cleanup } = await backend.open());
    home = tempHome();
  });
  afterEach(async () => {
    await cleanup?.();
    home?.cleanup();
  });

  it.skipIf(!backend.available())(
    'writes each journaled call once, however often it is replayed, and settles the ledger at the recorded cost',
    async () => {
      const dir = join(home.path, 'journal');
      const crashed = new CallJournal(dir);
      crashed.open();
      const m = crashed.intent(intent('done'));
      crashed.finished(record('done'), m, true, 'gpt-4o');
      crashed.intent(intent('cut'));
      crashed.intent(intent('cut-unpriced', { model: 'no-such-model', maxOutputTokens: null }));
      const copy = join(home.path, 'copy.log');
      copyFileSync(join(dir, segments(dir)[0]!), copy);

      const book = await loadPriceBook(store);
      const replay = async () => {
        const journal = new CallJournal(dir);
        const recorder = new Recorder({
          store,
          spillDir: join(home.path, 'spill'),
          flushIntervalMs: 1000,
          maxQueue: 100,
        });
        const result = await recoverCallJournal(journal, recorder, book, { defaultMaxOutputTokens: 4096 });
        await settleRecovered(store, result.settle);
        await recorder.stop();
        return result;
      };
      expect(await replay()).toMatchObject({ finished: 1, interrupted: 2, torn: 0 });
      expect(segments(dir)).toEqual([]);
      // A crash during the first replay, or the record already committed by the crashed run: the same lines again.
      copyFileSync(copy, join(dir, 'calls-1.log'));
      await replay();

      const rows = await store.all<Record<string, any>>(
        'SELECT id, input_tokens, output_tokens, cost_usd, estimated, error_class, status_code FROM api_requests ORDER BY id',
      );
      expect(rows.map((r) => r.id)).toEqual(['cut', 'cut-unpriced', 'done']);
      const cut = rows[0]!;
      expect([
        Number(cut.input_tokens),
        Number(cut.output_tokens),
        Boolean(cut.estimated),
        cut.error_class,
        cut.status_code,
      ]).toEqual([40, 100, true, 'interrupted', null]);
      // 40 input tokens at 2.50 USD and 100 output at 10 USD per 1M.
      expect(new Money(cut.cost_usd).eq('0.0011')).toBe(true);
      // No price and no max_tokens: the configured default output bound, cost unknown (null), never 0.
      expect([Number(rows[1]!.output_tokens), rows[1]!.cost_usd]).toEqual([4096, null]);
      const hourly = await store.get<{ n: unknown; errors: unknown }>(
        'SELECT SUM(requests) AS n, SUM(errors) AS errors FROM usage_hourly',
      );
      expect([Number(hourly!.n), Number(hourly!.errors)]).toEqual([3, 2]);
      const ledger = await store.all<{ request_id: string; state: string; cost_usd: string }>(
        'SELECT request_id, state, cost_usd FROM spend_events ORDER BY request_id',
      );
      expect(ledger.map((e) => [e.request_id, e.state, new Money(e.cost_usd).toFixed()])).toEqual([
        ['cut', 'settled', '0.0011'],
        ['cut-unpriced', 'released', '0'],
        ['done', 'settled', '0.0055'],
      ]);
    },
  );
});
