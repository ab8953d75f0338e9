import { Flags } from '@oclif/core';

/**
 * A velero list flag: `--flag a,b` or the flag repeated. Non-greedy, so `--include-namespaces app --other` or a
 * stray word after the value is never taken as another value (oclif's `multiple` alone takes every word up to the
 * next flag).
 */
export function listFlag(description: string) {
  return Flags.string({ description, multiple: true, multipleNonGreedy: true, delimiter: ',' });
}
