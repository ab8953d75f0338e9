/**
 * Typed errors with stable codes. Every error a user can cause or meet carries
 * a code (documented, never renamed), an exit code and a hint that says what to do.
 * Anything that is not an OcoError reaching the top is a bug and is reported as one.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  policy: 4,
  /** The shell's "command not found". */
  unknownCommand: 127,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface OcoErrorOptions {
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class OcoError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, exitCode: ExitCode, options: OcoErrorOptions = {}) {
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
  constructor(message: string, options: OcoErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'OCO_USAGE', message, ExitCode.usage, options);
  }
}

/** A configuration file or variable holds a value oco cannot use. */
export class ConfigError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'OCO_CONFIG_INVALID', message, ExitCode.usage, options);
  }
}

/** A dependency (database, Redis, cloud API, Kubernetes, upstream) cannot be reached. */
export class UnreachableError extends OcoError {
  constructor(code: string, message: string, options: OcoErrorOptions = {}) {
    super(code, message, ExitCode.unreachable, options);
  }
}

/** A policy, budget or compliance check failed: used by CI gates. */
export class PolicyFailedError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'OCO_POLICY_FAILED', message, ExitCode.policy, options);
  }
}

export class NotFoundError extends OcoError {
  constructor(message: string, options: OcoErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'OCO_NOT_FOUND', message, ExitCode.failure, options);
  }
}

/** A failure of an operation that is not the user's input and not reachability. */
export class OperationError extends OcoError {
  constructor(code: string, message: string, options: OcoErrorOptions = {}) {
    super(code, message, ExitCode.failure, options);
  }
}

export function isOcoError(err: unknown): err is OcoError {
  return err instanceof OcoError;
}
