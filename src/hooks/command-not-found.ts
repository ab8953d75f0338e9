import type { Hook } from '@oclif/core';
import { closest } from '../core/cli/suggest.js';

/**
 * Unknown command: name it, suggest the closest command ("did you mean"), exit 127
 * (the shell's "command not found"). One hook owns this: oclif runs every plugin's
 * command_not_found hook concurrently, so a second one would race this one for stderr.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const bin = opts.config.bin;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const typed = opts.id.replaceAll(':', ' ');
  const guess = closest(opts.id, ids);
  const topic = opts.id.split(':')[0]!;
  const helpFor = opts.config.findTopic(topic) ? `${bin} help ${topic}` : `${bin} help`;
  process.stderr.write(`Error: "${typed}" is not an ${bin} command.\n`);
  process.stderr.write(guess ? `Did you mean "${bin} ${guess.replaceAll(':', ' ')}"?\n` : `Hint: run "${helpFor}" for the list of commands.\n`);
  this.exit(127);
};

export default hook;
