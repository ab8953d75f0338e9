import { Command, Errors, type Config } from '@oclif/core';
import { OcoConfig, type ResolveOptions } from '../base/config/resolve.js';
import { ExitCode, OcoError, formatError, isOcoError } from '../base/errors.js';
import { openStore } from '../base/store/open.js';
import { parseErrorMessage, usageLine } from './usage-errors.js';
import type { Store } from '../base/store/types.js';

/**
 * The shape every oco command shares: --json, typed errors rendered as one
 * line plus a hint (or one JSON document on stdout with --json), documented
 * exit codes, and lazily opened resources that are always closed.
 */
export abstract class OcoCommand<T> extends Command {
  static override enableJsonFlag = true;

  private resources: Array<() => Promise<void>> = [];
  private cachedConfig: OcoConfig | undefined;
  private failure: { exitCode: ExitCode; errors: ReadonlyArray<{ message: string; hint?: string }> } | undefined;

  abstract override run(): Promise<T>;

  /** The effective configuration; flag overrides name the config key they set. */
  protected loadConfig(flags?: ResolveOptions['flags']): OcoConfig {
    if (!this.cachedConfig || flags) this.cachedConfig = OcoConfig.load({ flags });
    return this.cachedConfig;
  }

  /** The configured store, migrated, closed when the command ends. */
  protected async store(config: OcoConfig = this.loadConfig(), options: { migrate?: boolean } = {}): Promise<Store> {
    const store = await openStore(config, options);
    this.onClose(() => store.close());
    return store;
  }

  protected onClose(fn: () => Promise<void>): void {
    this.resources.push(fn);
  }

  /**
   * A command whose result is printed either way but that fails (a check that found a failure, a
   * wait that ended in a failed phase, a provider that failed): it calls this and returns its data.
   * `run()`'s result is printed as usual (the same --json document as on success); the errors are
   * written as Error/Hint lines on stderr without --json; the exit code is set when the command ends.
   * A command never sets process.exitCode itself.
   */
  protected failAfterOutput(exitCode: ExitCode, ...errors: Array<{ message: string; hint?: string }>): void {
    if (exitCode === ExitCode.ok) return;
    this.failure = { exitCode, errors: [...(this.failure?.errors ?? []), ...errors] };
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    for (const close of this.resources.reverse()) await close().catch(() => {});
    this.resources = [];
    if (!err && this.failure) {
      if (!this.jsonEnabled()) for (const e of this.failure.errors) process.stderr.write(formatError(e));
      process.exitCode = this.failure.exitCode;
    }
    await super.finally(err);
  }

  protected override async catch(err: Error & { oclif?: { exit?: number }; exitCode?: number }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    const error = normalise(err, this.config, this.id);
    if (this.jsonEnabled()) {
      this.logJson({ error: error.toJSON() });
    } else {
      process.stderr.write(formatError(error));
      if (error.code === 'OCO_INTERNAL' && process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = error.exitCode;
    this.exit(error.exitCode);
  }
}

/**
 * oclif parse errors are usage errors (exit 2): one line naming the flag or argument, and the
 * command's usage line as the hint. Anything else untyped is a bug.
 */
function normalise(err: Error & { oclif?: { exit?: number } }, config: Config, id: string | undefined): OcoError {
  if (isOcoError(err)) return err;
  if (err instanceof Errors.CLIError) {
    // Parser errors (unknown flag, a value outside a flag's options, a missing argument) carry `parse`: always usage
    // errors.
    const exit = 'parse' in err ? ExitCode.usage : (err.oclif?.exit ?? ExitCode.usage);
    const command = id ? config.findCommand(id) : undefined;
    const usage = usageLine(config, command);
    const hint = usage
      ? `Usage: ${usage} (all flags: ${config.bin} ${command!.id.replaceAll(':', ' ')} --help)`
      : 'See --help for the flags and their values.';
    const message = parseErrorMessage(err, Object.keys(command?.flags ?? {}));
    return new OcoError(exit === ExitCode.usage ? 'OCO_USAGE' : 'OCO_ERROR', message, exit as ExitCode, { hint });
  }
  return new OcoError('OCO_INTERNAL', `unexpected error: ${err.message}`, undefined, {
    hint: 'This is a bug in oco. Run again with DEBUG=oco* for details and report it with the command you ran.',
  });
}
