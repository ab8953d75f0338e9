import type { Hook } from '@oclif/core';
import { closest } from '../core/cli/suggest.js';

/**
 * @oclif/plugin-not-found asks "did you mean …?" only on a TTY; scripts and CI
 * get no suggestion from it. This hook prints the suggestion there, and the plugin
 * then ends the run with its usual message and exit code 127.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY) return;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const guess = closest(opts.id, ids);
  if (guess) process.stderr.write(`Did you mean "${opts.config.bin} ${guess.replaceAll(':', ' ')}"?\n`);
};

export default hook;
