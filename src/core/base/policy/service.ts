/**
 * What the `oco policy` commands call: a file read, checked (schema, kinds, tag keys against the
 * stored data) and applied as one step. The rule sets come from the caller (the wings' tables).
 */
import type { Store } from '../store/types.js';
import { ruleKinds } from './check.js';
import { parsePolicies, readPolicyFile } from './file.js';
import { applyPolicies, type ApplyRow } from './repo.js';
import type { RuleSet } from './types.js';

export interface ApplyResult {
  file: string;
  dryRun: boolean;
  policies: ApplyRow[];
}

export async function applyPolicyFile(
  store: Store,
  sets: RuleSet[],
  file: string,
  o: { prune?: boolean; dryRun?: boolean; now?: Date } = {},
): Promise<ApplyResult> {
  const text = readPolicyFile(file);
  const tagKeys = Object.fromEntries(await Promise.all(sets.map(async (s) => [s.domain, await s.tagKeys(store)])));
  const defs = parsePolicies(text, file, { kinds: ruleKinds(sets), tagKeys });
  const policies = await applyPolicies(store, defs, { file, prune: o.prune, dryRun: o.dryRun, now: o.now });
  return { file, dryRun: Boolean(o.dryRun), policies };
}
