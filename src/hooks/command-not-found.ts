import type { Hook } from '@oclif/core';
import { closestCommand } from '../core/base/suggest.js';
import { OcoError, formatError } from '../core/base/errors.js';

/**
 * Unknown command: name it, suggest the closest command or topic ("did you mean"), exit 127
 * (the shell's "command not found"); with --json, the same error document as every other error.
 * One hook owns this: oclif runs every plugin's command_not_found hook concurrently, so a
 * second one would race this one for stderr.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const bin = opts.config.bin;
  const spoken = (id: string) => id.replaceAll(':', ' ');
  const guess = closestCommand(
    opts.id,
    opts.config.commands.filter((c) => !c.hidden).map((c) => c.id),
  );
  const topic = opts.id.split(':')[0]!;
  const helpFor = opts.config.findTopic(topic) ? `${bin} help ${topic}` : `${bin} help`;
  const error = new OcoError('OCO_UNKNOWN_COMMAND', `"${spoken(opts.id)}" is not an ${bin} command.`, undefined, {
    hint: guess ? `Did you mean "${bin} ${spoken(guess)}"?` : `run "${helpFor}" for the list of commands.`,
    details: { command: spoken(opts.id), ...(guess ? { suggestion: `${bin} ${spoken(guess)}` } : {}) },
  });
  const argv = opts.argv ?? [];
  const end = argv.indexOf('--');
  if ((end === -1 ? argv : argv.slice(0, end)).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  } else {
    process.stderr.write(formatError(error));
  }
  // No command exists to own the exit: the hook ends the run itself, with the registry's exit code (127).
  this.exit(error.exitCode);
};

export default hook;
