import {
  closeSync,
  constants,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PricedProvider, StoredAttribution } from '../model.js';
import type { UsageRecord } from './record.js';

/**
 * What the gateway knows of a call when it forwards it: enough to bill it if
 * the daemon dies before the call ends (see interruptedRecord in call-recovery.ts).
 */
export interface CallIntent {
  id: string;
  ts: string;
  provider: PricedProvider;
  /** The model as the client named it (what admission reserved for). */
  model: string;
  endpoint: string;
  attribution: StoredAttribution;
  /** Admission's input estimate: the request body's bytes / 4, an upper bound. */
  estimatedInputTokens: number;
  /** max_tokens (or the provider's name for it) when the request names it. */
  maxOutputTokens: number | null;
  /** Whether admission controls admitted it (it then has a spend_events row to settle). */
  admitted: boolean;
}

/** A finished call as journaled: its record, and what the spend ledger needs to settle it. */
export interface JournaledRecord {
  record: UsageRecord;
  admitted: boolean;
  /** The model admission reserved for (the record's may be the provider's dated snapshot). */
  requestedModel: string;
}

/** One journal file; only the newest is open for appends. */
interface Segment {
  n: number;
  path: string;
  fd: number | undefined;
  bytes: number;
  /** Intents written here whose call has not ended. */
  open: number;
  /** Records written here that the recorder has not yet committed (or spilled). */
  uncommitted: number;
}

/** Opaque to the gateway: which segment holds a call's intent. */
export type IntentMark = object;

export interface JournalLeftover {
  /** Every finished call's record found (some may already be in the store: replay is idempotent). */
  finished: JournaledRecord[];
  /** Calls forwarded upstream whose end never reached the journal. */
  interrupted: CallIntent[];
  files: string[];
  /** Lines that did not parse: a torn last write after a power loss. */
  torn: number;
}

const SEGMENT = /^calls-(\d+)\.log$/;

/*
 * Lines are JSON arrays, not objects: a call pays for two lines on the request
 * path, and an array of values stringifies several times faster than the same
 * object with its keys. These tables are the column order of each kind.
 *   ["i", ...INTENT_FIELDS]                       a call forwarded upstream
 *   ["r", admitted, requestedModel, ...RECORD_FIELDS, ...ROUTE_FIELDS]   a call ended
 */
const INTENT_FIELDS = [
  'id',
  'ts',
  'provider',
  'model',
  'endpoint',
  'attribution',
  'estimatedInputTokens',
  'maxOutputTokens',
  'admitted',
] as const satisfies ReadonlyArray<keyof CallIntent>;
const RECORD_FIELDS = [
  'id',
  'ts',
  'provider',
  'model',
  'endpoint',
  'orgId',
  'teamId',
  'agentId',
  'userId',
  'keyId',
  'tags',
  'inputTokens',
  'cachedInputTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'outputTokens',
  'reasoningTokens',
  'toolPromptTokens',
  'costUsd',
  'latencyMs',
  'ttfbMs',
  'statusCode',
  'streamed',
  'estimated',
  'errorClass',
] as const satisfies ReadonlyArray<keyof UsageRecord>;
/** Appended after RECORD_FIELDS on a routed call's line only; other lines (and older ones) end without them. */
const ROUTE_FIELDS = ['originalModel', 'routedModel', 'savingsUsd'] as const satisfies ReadonlyArray<keyof UsageRecord>;
/** Appended after ROUTE_FIELDS (null when not routed) on a line of a call that consulted the response cache only. */
const CACHE_FIELDS = ['cache', 'cacheSavingsUsd'] as const satisfies ReadonlyArray<keyof UsageRecord>;
/** Appended after CACHE_FIELDS (null when unused) on a line of a call a registered deployment served only. */
const DEPLOYMENT_FIELDS = ['deployment'] as const satisfies ReadonlyArray<keyof UsageRecord>;
/** Appended after DEPLOYMENT_FIELDS (null when unused) on a line of a call with a request hash only. */
const HASH_FIELDS = ['requestHash'] as const satisfies ReadonlyArray<keyof UsageRecord>;

/** A record line's lengths: plain, routed, with the cache fields, with the deployment, with the request hash. */
const LINE_LENGTHS = new Set([
  3 + RECORD_FIELDS.length,
  3 + RECORD_FIELDS.length + ROUTE_FIELDS.length,
  3 + RECORD_FIELDS.length + ROUTE_FIELDS.length + CACHE_FIELDS.length,
  3 + RECORD_FIELDS.length + ROUTE_FIELDS.length + CACHE_FIELDS.length + DEPLOYMENT_FIELDS.length,
  3 + RECORD_FIELDS.length + ROUTE_FIELDS.length + CACHE_FIELDS.length + DEPLOYMENT_FIELDS.length + HASH_FIELDS.length,
]);

// The encoders spell the tables out as array literals: reading fixed properties of one shape is
// several times faster than a loop over field names. call-journal.test.ts round-trips both.
function intentLine(i: CallIntent): string {
  const fields = [
    'i',
    i.id,
    i.ts,
    i.provider,
    i.model,
    i.endpoint,
    i.attribution,
    i.estimatedInputTokens,
    i.maxOutputTokens,
    i.admitted,
  ];
  return `${JSON.stringify(fields)}\n`;
}

function recordLine(r: UsageRecord, admitted: boolean, requestedModel: string): string {
  const line = [
    'r',
    admitted,
    requestedModel,
    r.id,
    r.ts,
    r.provider,
    r.model,
    r.endpoint,
    r.orgId,
    r.teamId,
    r.agentId,
    r.userId,
    r.keyId,
    r.tags,
    r.inputTokens,
    r.cachedInputTokens,
    r.cacheWrite5mTokens,
    r.cacheWrite1hTokens,
    r.outputTokens,
    r.reasoningTokens,
    r.toolPromptTokens,
    r.costUsd,
    r.latencyMs,
    r.ttfbMs,
    r.statusCode,
    r.streamed,
    r.estimated,
    r.errorClass,
  ];
  // Only a routed call carries the routing fields: every other line keeps the shape it had before routing.
  const hashed = r.requestHash != null;
  const deployed = r.deployment != null || hashed;
  if (r.originalModel != null || r.routedModel != null || r.cache != null || deployed)
    line.push(r.originalModel ?? null, r.routedModel ?? null, r.savingsUsd ?? null);
  if (r.cache != null || deployed) line.push(r.cache ?? null, r.cacheSavingsUsd ?? null);
  if (deployed) line.push(r.deployment ?? null);
  if (hashed) line.push(r.requestHash ?? null);
  return `${JSON.stringify(line)}\n`;
}

function decode<T>(values: unknown[], from: number, fields: ReadonlyArray<keyof T>): T {
  const out = {} as Record<keyof T, unknown>;
  fields.forEach((f, i) => (out[f] = values[from + i]));
  return out as T;
}
// Small enough that a busy gateway keeps little on disk, large enough that rotating (one open) is rare.
const DEFAULT_SEGMENT_BYTES = 1024 * 1024;

/**
 * The call journal: an append-only file per segment in the state directory,
 * one line per event written with one write(2) on the request path: an intent
 * when a call is forwarded upstream, its record when it ends. No fsync: a
 * killed process loses nothing that reached the page cache; a power loss can
 * lose what the kernel had not yet written back (about the last 5-30 s,
 * vm.dirty_expire_centisecs) and may tear the last line, which replay skips.
 *
 * Truncation follows the recorder: a segment is deleted once each of its
 * intents has ended and each of its records is committed or spilled, oldest
 * segment first (so a record's segment never outlives its intent's). The
 * current segment is truncated in place when everything in it is resolved
 * (an idle gateway), and rotated by size when it never is (steady load).
 */
export class CallJournal {
  private readonly segments: Segment[] = [];
  private readonly pending = new Map<string, Segment>();
  private failed = false;

  constructor(
    readonly dir: string,
    private readonly opts: { segmentBytes?: number; logger?: Logger } = {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private files(): Array<{ n: number; name: string }> {
    return readdirSync(this.dir)
      .flatMap((name) => {
        const m = SEGMENT.exec(name);
        return m ? [{ n: Number(m[1]), name }] : [];
      })
      .sort((a, b) => a.n - b.n);
  }

  /** What a previous run left: read before open(), discarded once it is durable elsewhere. */
  leftover(): JournalLeftover {
    const intents = new Map<string, CallIntent>();
    const finished = new Map<string, JournaledRecord>();
    const files: string[] = [];
    let torn = 0;
    for (const f of this.files()) {
      const path = join(this.dir, f.name);
      files.push(path);
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line === '') continue;
        let e: unknown[];
        try {
          e = JSON.parse(line);
        } catch {
          torn++;
          continue;
        }
        if (e[0] === 'i' && e.length === 1 + INTENT_FIELDS.length) {
          const i = decode<CallIntent>(e, 1, INTENT_FIELDS);
          intents.set(i.id, i);
        } else if (e[0] === 'r' && LINE_LENGTHS.has(e.length)) {
          const record = decode<UsageRecord>(e, 3, RECORD_FIELDS);
          if (e.length > 3 + RECORD_FIELDS.length)
            Object.assign(record, decode<UsageRecord>(e, 3 + RECORD_FIELDS.length, ROUTE_FIELDS));
          if (e.length > 3 + RECORD_FIELDS.length + ROUTE_FIELDS.length)
            Object.assign(record, decode<UsageRecord>(e, 3 + RECORD_FIELDS.length + ROUTE_FIELDS.length, CACHE_FIELDS));
          const deploymentAt = 3 + RECORD_FIELDS.length + ROUTE_FIELDS.length + CACHE_FIELDS.length;
          if (e.length > deploymentAt) Object.assign(record, decode<UsageRecord>(e, deploymentAt, DEPLOYMENT_FIELDS));
          const hashAt = deploymentAt + DEPLOYMENT_FIELDS.length;
          if (e.length > hashAt) Object.assign(record, decode<UsageRecord>(e, hashAt, HASH_FIELDS));
          finished.set(record.id, { record, admitted: e[1] === true, requestedModel: String(e[2]) });
        } else torn++;
      }
    }
    const interrupted = [...intents.values()].filter((i) => !finished.has(i.id));
    return { finished: [...finished.values()], interrupted, files, torn };
  }

  /** Removes files leftover() read, once their calls are in the store or a spill file. */
  discard(files: readonly string[]): void {
    for (const f of files) {
      try {
        unlinkSync(f);
      } catch (err) {
        // Left for the next start, which replays it again: idempotent, so a nuisance rather than an error.
        this.opts.logger?.warn(
          { err: { message: (err as Error).message }, file: f },
          'cannot remove a replayed call journal file',
        );
      }
    }
  }

  /** Starts a new segment after whatever is on disk. */
  open(): void {
    const last = this.files().at(-1);
    this.startSegment((last?.n ?? 0) + 1);
  }

  private startSegment(n: number): Segment {
    const path = join(this.dir, `calls-${n}.log`);
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    const s: Segment = { n, path, fd, bytes: 0, open: 0, uncommitted: 0 };
    this.segments.push(s);
    return s;
  }

  private current(): Segment | undefined {
    const s = this.segments.at(-1);
    if (!s || s.fd === undefined) return undefined;
    if (s.bytes < (this.opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES)) return s;
    closeSync(s.fd);
    s.fd = undefined;
    return this.startSegment(s.n + 1);
  }

  /** One write(2) of one whole line; false when the journal could not take it (the call is still recorded). */
  private append(s: Segment, line: string): boolean {
    try {
      const len = Buffer.byteLength(line);
      const n = writeSync(s.fd!, line);
      if (n < len) {
        // A regular file takes a whole write unless the disk is full; finish a short one rather than leave half a line.
        const buf = Buffer.from(line);
        for (let off = n; off < len;) off += writeSync(s.fd!, buf, off);
      }
      s.bytes += len;
      return true;
    } catch (err) {
      if (!this.failed)
        this.opts.logger?.error(
          { err: { message: (err as Error).message }, dir: this.dir },
          'call journal write failed: calls are still recorded, but a crash now can lose the last flush interval',
        );
      this.failed = true;
      return false;
    }
  }

  /** At forward time, before the upstream can see the call: one write(2). The mark goes back with the call's record. */
  intent(i: CallIntent): IntentMark | undefined {
    const s = this.current();
    if (!s) return undefined;
    if (!this.append(s, intentLine(i))) return undefined;
    s.open++;
    return s;
  }

  /**
   * As the call ends, before its record is queued for the store and before the client sees the
   * end of the answer: one write(2). Deferring it (to ride with the next intent's write) would
   * open a window in which a kill finds an answered call without its end, and the next start
   * would bill it as interrupted on an estimate instead of on the provider's own usage.
   */
  finished(record: UsageRecord, mark: IntentMark | undefined, admitted: boolean, requestedModel: string): void {
    const s = this.current();
    const taken = s !== undefined && !this.failed && this.append(s, recordLine(record, admitted, requestedModel));
    if (taken) {
      s.uncommitted++;
      this.pending.set(record.id, s);
    }
    if (mark) {
      (mark as Segment).open--;
      if (!taken) this.truncate();
    }
  }

  /** The recorder committed (or spilled) these records. */
  durable(records: readonly UsageRecord[]): void {
    let any = false;
    for (const r of records) {
      const s = this.pending.get(r.id);
      if (!s) continue;
      this.pending.delete(r.id);
      s.uncommitted--;
      any = true;
    }
    if (any) this.truncate();
  }

  private truncate(): void {
    while (this.segments.length > 0) {
      const s = this.segments[0]!;
      if (s.open > 0 || s.uncommitted > 0) return;
      try {
        if (s.fd !== undefined) {
          // The newest segment: emptied in place, appends continue at offset 0 (O_APPEND).
          if (s.bytes > 0) ftruncateSync(s.fd, 0);
          s.bytes = 0;
          return;
        }
        unlinkSync(s.path);
      } catch (err) {
        this.opts.logger?.warn(
          { err: { message: (err as Error).message }, file: s.path },
          'call journal truncation failed; the next start replays it (idempotently)',
        );
        return;
      }
      this.segments.shift();
    }
  }

  /** Bytes on disk and segments (health, tests). */
  snapshot(): { segments: number; bytes: number; openIntents: number; uncommitted: number } {
    let bytes = 0;
    let open = 0;
    let uncommitted = 0;
    for (const s of this.segments) {
      bytes += s.bytes;
      open += s.open;
      uncommitted += s.uncommitted;
    }
    return { segments: this.segments.length, bytes, openIntents: open, uncommitted };
  }

  /**
   * At a graceful stop, after the recorder has flushed: what is resolved goes; the rest is replayed at the next start.
   */
  close(): void {
    this.truncate();
    for (const s of this.segments) {
      if (s.fd !== undefined) closeSync(s.fd);
      s.fd = undefined;
    }
    const last = this.segments.at(-1);
    if (this.segments.length === 1 && last && last.bytes === 0 && last.open === 0 && last.uncommitted === 0)
      unlinkSync(last.path);
  }
}
