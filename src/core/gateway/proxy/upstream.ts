import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';

export interface UpstreamEvents {
  onStart(status: number, headers: IncomingHttpHeaders): void;
  /** Returns false when the client cannot take more yet; call resume() once it can. */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  onError(err: Error & { code?: string }): void;
}

export interface UpstreamCall {
  abort(reason: Error): void;
  resume(): void;
}

/**
 * One upstream request through undici's dispatch interface: chunks arrive as
 * callbacks and go straight to the client, with no intermediate stream object
 * per request (the cheapest path undici offers). Backpressure pauses the
 * upstream socket until the client drains.
 */
export function callUpstream(pool: Pool, options: Dispatcher.DispatchOptions, events: UpstreamEvents): UpstreamCall {
  let controller: Dispatcher.DispatchController | undefined;
  let pendingAbort: Error | undefined;
  let settled = false;
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (pendingAbort) c.abort(pendingAbort);
    },
    // A throw in our handling must end this call, not escape into undici's parser and take the daemon down.
    onResponseStart(c, status, headers) {
      try {
        events.onStart(status, headers);
      } catch (err) {
        c.abort(err as Error);
      }
    },
    onResponseData(c, chunk) {
      try {
        if (!events.onData(chunk)) c.pause();
      } catch (err) {
        c.abort(err as Error);
      }
    },
    onResponseEnd() {
      if (settled) return;
      settled = true;
      events.onEnd();
    },
    onResponseError(_c, err) {
      if (settled) return;
      settled = true;
      events.onError(err);
    },
  };
  pool.dispatch(options, handler);
  return {
    abort(reason) {
      if (controller) controller.abort(reason);
      else pendingAbort = reason;
    },
    resume() {
      if (controller?.paused) controller.resume();
    },
  };
}
