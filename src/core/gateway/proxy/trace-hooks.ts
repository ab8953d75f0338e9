/**
 * What the request path asks of tracing. Types only: the implementation (`call-trace.ts`) and the
 * OpenTelemetry packages it uses load when tracing is on; when it is off the gateway holds no tracer and
 * each hook is one optional-chaining check, with no span objects or attribute maps made.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import type { TokenUsage } from '../pricing/types.js';
import type { Call, CallEnd } from './call.js';

export interface CallTracer {
  /** A proxied request arrived: its server span starts (continuing an incoming traceparent) and ends when it closes. */
  request(req: IncomingMessage, res: ServerResponse): void;
  /** The call (one per attempt on the unified routes) a request became, traced under the request's span. */
  call(req: IncomingMessage, call: Call): CallTrace;
}

export interface CallTrace {
  /** The spend controls are asked: `oco.admission`, ended with the refusal's status, if any. */
  admission(controls: number): { end(refusedStatus: number | undefined): void };
  /** The request leaves for the provider: the client span starts (and, when configured, its traceparent goes along). */
  upstream(pool: Pool, options: Dispatcher.DispatchOptions): void;
  /** The call ends: the upstream span ends and `oco.record` starts, ended once the record is queued. */
  recording(): RecordTrace;
}

export interface RecordTrace {
  end(o: CallEnd, model: string, usage: TokenUsage, costUsd: string | null): void;
}
