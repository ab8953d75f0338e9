/**
 * Typed errors with stable codes. Every error a user can cause or meet carries
 * a code (documented, never renamed), an exit code and a hint that says what to do.
 * Anything that is not an OcoError reaching the top is a bug and is reported as one.
 */
import { ERROR_CODES, ExitCode, type ErrorCode, type ErrorCodeFor } from './error-codes.js';

export { ExitCode, type ErrorCode } from './error-codes.js';

export interface OcoErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class OcoError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  /** The exit code defaults to the registry's; only errors relayed from another process pass their own. */
  constructor(
    code: ErrorCode,
    message: string,
    exitCode: ExitCode = ERROR_CODES[code].exit,
    options: OcoErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      exitCode: this.exitCode,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Bad flag, argument or value given by the user. */
export class UsageError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: ErrorCodeFor<2> } = {}) {
    super(options.code ?? 'OCO_USAGE', message, ExitCode.usage, options);
  }
}

/** A configuration file or variable holds a value oco cannot use. */
export class ConfigError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: ErrorCodeFor<2> } = {}) {
    super(options.code ?? 'OCO_CONFIG_INVALID', message, ExitCode.usage, options);
  }
}

/** A dependency (database, Redis, cloud API, Kubernetes, upstream) cannot be reached. */
export class UnreachableError extends OcoError {
  constructor(code: ErrorCodeFor<3>, message: string, options: OcoErrorOptions = {}) {
    super(code, message, ExitCode.unreachable, options);
  }
}

/** A policy, budget or compliance check failed: used by CI gates. */
export class PolicyFailedError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: ErrorCodeFor<4> } = {}) {
    super(options.code ?? 'OCO_POLICY_FAILED', message, ExitCode.policy, options);
  }
}

export class NotFoundError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: ErrorCodeFor<1> } = {}) {
    super(options.code ?? 'OCO_NOT_FOUND', message, ExitCode.failure, options);
  }
}

/** A failure of an operation that is not the user's input and not reachability. */
export class OperationError extends OcoError {
  constructor(code: ErrorCodeFor<1>, message: string, options: OcoErrorOptions = {}) {
    super(code, message, ExitCode.failure, options);
  }
}

/**
 * The text form of an error, the same everywhere (commands, the unknown-command hook, the daemon's
 * stderr): "Error: message", then "Hint: hint" when there is one, each line ending in a newline.
 */
export function formatError(error: { message: string; hint?: string }): string {
  return `Error: ${error.message}\n${error.hint ? `Hint: ${error.hint}\n` : ''}`;
}

export function isOcoError(err: unknown): err is OcoError {
  return err instanceof OcoError;
}
