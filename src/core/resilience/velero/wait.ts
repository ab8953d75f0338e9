import { OperationError } from '../../base/errors.js';
import {
  isGone,
  type KindName,
  type VeleroClient,
  type VeleroObject,
  type WatchEvent,
  type WatchHandle,
} from './resources.js';

export interface WaitOptions<T> {
  /** Give up after this long (typed OCO_WAIT_TIMEOUT error, exit 1). */
  timeoutMs: number;
  /** Whether the object reached the state waited for. */
  done: (obj: T) => boolean;
  /** Called with each new state of the object (the initial one included). */
  onChange?: (obj: T) => void;
  /** Accept the object disappearing (deletes): resolves with undefined. */
  allowDeleted?: boolean;
  /** Abort the stream if the server sends nothing (not even a bookmark) for this long; it is then re-opened. */
  inactivityMs?: number;
}

/** At most this many watch re-opens (server closes, 410s) per wait: bounded even against a flapping server. */
const MAX_REOPENS = 200;

export class WaitTimeoutError extends OperationError {
  constructor(what: string, ms: number, last: string) {
    super('OCO_WAIT_TIMEOUT', `gave up waiting for ${what} after ${Math.round(ms / 1000)}s (last phase: ${last})`, {
      hint: 'The object is still there and may finish later: check it with describe, or wait longer with --timeout.',
    });
  }
}

/**
 * Waits for one object by watching it (not polling): get it once for its
 * resourceVersion, then ?watch=true from there. A stream the server closes is
 * re-opened from the last resourceVersion seen; a 410 Gone (too old) makes it
 * get the object again and watch from the new version. Every path is bounded by
 * the timeout and by MAX_REOPENS.
 */
export function waitFor<T extends VeleroObject>(
  client: VeleroClient,
  kind: KindName,
  name: string,
  options: WaitOptions<T>,
): Promise<T | undefined> {
  let lastPhase = 'New';
  let lastRv: string | undefined;
  let handle: WatchHandle | undefined;
  let reopens = 0;
  let networkFailures = 0;
  let settled = false;

  return new Promise<T | undefined>((resolve, reject) => {
    const finish = (err: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handle?.abort();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new WaitTimeoutError(`${kind} "${name}"`, options.timeoutMs, lastPhase)),
      options.timeoutMs,
    );

    const seen = (obj: T): boolean => {
      lastRv = obj.metadata?.resourceVersion ?? lastRv;
      lastPhase = obj.status?.phase || 'New';
      options.onChange?.(obj);
      if (options.done(obj)) {
        finish(undefined, obj);
        return true;
      }
      return false;
    };

    const fromScratch = async () => {
      try {
        const obj = await client.find<T>(kind, name);
        if (settled) return;
        if (!obj) {
          if (options.allowDeleted) return finish(undefined, undefined);
          return finish(
            new OperationError('OCO_K8S_GONE', `${kind} "${name}" no longer exists`, {
              hint: 'Someone deleted it while oco was waiting.',
            }),
          );
        }
        if (!seen(obj)) await open();
      } catch (err) {
        finish(err);
      }
    };

    const open = async () => {
      if (settled) return;
      if (++reopens > MAX_REOPENS)
        return finish(
          new OperationError(
            'OCO_K8S_WATCH_UNSTABLE',
            `the watch on ${kind} "${name}" kept closing (${MAX_REOPENS} re-opens)`,
            {},
          ),
        );
      const onEvent = (e: WatchEvent) => {
        if (settled) return;
        networkFailures = 0;
        if (e.type === 'BOOKMARK') {
          const bookmark = e.object as { metadata?: { resourceVersion?: string } } | undefined;
          lastRv = bookmark?.metadata?.resourceVersion ?? lastRv;
          return;
        }
        if (e.type === 'ERROR') {
          handle?.abort();
          const status = e.object as { code?: number; message?: string } | undefined;
          if (status?.code === 410) void fromScratch();
          else
            finish(
              new OperationError(
                'OCO_K8S_WATCH_ERROR',
                `watch on ${kind} "${name}" failed: ${status?.message ?? 'error event'}`,
                {},
              ),
            );
          return;
        }
        if (e.type === 'DELETED') {
          if (options.allowDeleted) return finish(undefined, undefined);
          return finish(
            new OperationError('OCO_K8S_GONE', `${kind} "${name}" was deleted while oco was waiting for it`, {}),
          );
        }
        seen(e.object as T);
      };
      const onDone = (err?: unknown) => {
        if (settled) return;
        if (err && isGone(err)) return void fromScratch();
        if (err && (err as { code?: string }).code !== 'OCO_K8S_UNREACHABLE') return finish(err);
        // five network failures in a row, with no event between them: the cluster is gone (exit 3)
        if (err && ++networkFailures >= 5) return finish(err);
        // closed by the server, or a transient network break: resume from the last version seen after a short pause
        setTimeout(() => void open(), Math.min(50 * reopens, 1000)).unref();
      };
      try {
        handle = await client.watch(
          kind,
          { name, resourceVersion: lastRv, inactivityMs: options.inactivityMs },
          onEvent,
          onDone,
        );
        if (settled) handle.abort();
      } catch (err) {
        finish(err);
      }
    };

    void fromScratch();
  });
}
