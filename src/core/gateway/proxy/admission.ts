import type { Money } from '../../base/money.js';
import type { OcoConfig } from '../../base/config/resolve.js';
import type { Store } from '../../base/store/types.js';
import type { RecoveredCall } from '../usage/call-recovery.js';
import type { Attribution, PricedProvider, ProviderName } from '../model.js';

/**
 * The contract between the gateway's request path and spend controls (budgets,
 * rate limits). The gateway calls admit() before contacting the upstream and
 * settle() exactly once per admitted call, after the response, the end of a
 * stream, a cancel or an upstream error. Controls never see keys; they get the
 * parsed request body only to bound what the call can cost, and keep none of it.
 */
export interface AdmissionRequest {
  requestId: string;
  /** What the call is priced and budgeted under: a built-in, or an OpenAI-compatible upstream's name. */
  provider: PricedProvider;
  /** The wire format the body follows (the estimators'); absent: provider, a built-in. */
  wire?: ProviderName;
  /** Model as the client named it ('unknown' when the body is not JSON). */
  model: string;
  attribution: Attribution;
  /**
   * Quick estimate from the request body size (about 4 bytes a
   * token); hard budgets bound the input from `body` instead.
   */
  estimatedInputTokens: number;
  /** Path after /v1/proxy/<provider> (e.g. /v1/chat/completions): which API the body follows. */
  endpoint?: string;
  /** The parsed JSON body (undefined when it is not JSON). Read, never kept or logged. */
  body?: unknown;
  /** max_tokens / max_completion_tokens / max_output_tokens / maxOutputTokens when the request names it. */
  maxOutputTokens?: number;
  now: Date;
}

export type AdmissionDecision =
  | { admitted: true; ticket: unknown; headers?: Record<string, string> }
  /** Returned to the client verbatim (status, JSON body, headers); the upstream is not contacted. */
  | { admitted: false; status: number; body: unknown; headers?: Record<string, string> };

export interface SettleInfo {
  /** Exact cost, or null when the model has no price. */
  costUsd: Money | null;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** The call did not complete (upstream error, refused by a later control, cancelled before any usage). */
  failed: boolean;
}

export interface AdmissionControl {
  admit(req: AdmissionRequest): Promise<AdmissionDecision>;
  /** After the response (or stream end/cancel), exactly once per admitted call. */
  settle(ticket: unknown, info: SettleInfo): Promise<void>;
  close(): Promise<void>;
}

/** An extra admin API route (e.g. /api/v1/budgets), behind the same X-API-Key check as the gateway's own. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Matched against the path without the query; named groups become params. */
  pattern: RegExp;
  handle(req: AdminRouteRequest): Promise<AdminRouteResponse>;
}

export interface AdminRouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
}

export interface AdminRouteResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What a spend-controls module exports (src/core/gateway/spend/index.ts). The daemon
 * loads it when it exists; createAdminRoutes is optional.
 */
export interface SpendModule {
  /**
   * options.logger is the daemon's own logger (a pino child tagged component=spend), so spend lines land in proxy.log.
   */
  createAdmissionControls(
    config: OcoConfig,
    store: Store,
    options?: { logger?: SpendModuleLogger },
  ): Promise<AdmissionControl[]> | AdmissionControl[];
  createAdminRoutes?(config: OcoConfig, store: Store): Promise<AdminRoute[]> | AdminRoute[];
  /**
   * Settles, at their recorded cost, admitted calls a crashed run never settled (replayed from the
   * call journal at start, before createAdmissionControls). Idempotent by request id.
   */
  settleRecovered?(store: Store, calls: readonly RecoveredCall[]): Promise<void>;
}

/** The logging surface handed to spend controls (pino's). */
export interface SpendModuleLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
