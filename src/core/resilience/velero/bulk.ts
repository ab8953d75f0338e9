/**
 * Which objects a bulk command acts on: velero's `NAME… | -l SELECTOR | --all`. The
 * targets are resolved completely (every name read, the selector checked) before a
 * command asks anything or touches anything, so a typo in the third name stops
 * the whole command with nothing changed.
 */
import { NotFoundError, UsageError } from '../../base/errors.js';
import type { KindName, VeleroClient, VeleroObject } from './resources.js';
import { parseLabelSelector, requireName } from './values.js';

export interface TargetChoice {
  names: string[];
  selector?: string;
  all?: boolean;
}

export type BulkKind = Extract<KindName, 'backup' | 'restore' | 'schedule'>;

/**
 * Checks the choice without calling the cluster. `emptyMeansAll` is velero's describe:
 * no name and no selector describes everything; destructive commands need --all said out loud.
 */
export function checkChoice(kind: BulkKind, choice: TargetChoice, options: { emptyMeansAll?: boolean } = {}): void {
  const forms = [choice.names.length > 0, Boolean(choice.selector), Boolean(choice.all)].filter(Boolean).length;
  if (forms > 1)
    throw new UsageError(`give ${kind} names, -l/--selector or --all, not several of them`, {
      hint: `e.g. oco ${kind} ... a b, oco ${kind} ... -l app=web, or oco ${kind} ... --all`,
    });
  if (forms === 0 && !options.emptyMeansAll)
    throw new UsageError(`name the ${kind}s: give names, -l/--selector or --all`, {
      hint: `e.g. oco ${kind} ... nightly-1 nightly-2, or -l velero.io/schedule-name=daily`,
    });
  for (const n of choice.names) requireName(n, `${kind} name`);
  // the API server would answer 400; checking here names the flag and touches nothing
  if (choice.selector) parseLabelSelector(choice.selector, '--selector');
}

/**
 * The objects the choice names, sorted by name (a name given twice counts once). Named
 * objects must all exist: the missing ones are listed together in one error.
 */
export async function resolveTargets(
  client: VeleroClient,
  kind: BulkKind,
  choice: TargetChoice,
  options: { emptyMeansAll?: boolean } = {},
): Promise<VeleroObject[]> {
  checkChoice(kind, choice, options);
  if (choice.names.length === 0) {
    const { items } = await client.list(kind, { labelSelector: choice.selector });
    return [...items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }
  const names = [...new Set(choice.names)];
  const found = await Promise.all(names.map((n) => client.find(kind, n)));
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length > 0)
    throw new NotFoundError(
      `${missing.length === 1 ? `${kind} "${missing[0]}" does not exist` : `these ${kind}s do not exist: `}` +
        `${missing.length === 1 ? '' : missing.join(', ')} in namespace ${client.namespace}: nothing was changed`,
      { code: 'OCO_K8S_NOT_FOUND', hint: `List them with: oco ${kind} list` },
    );
  return (found as VeleroObject[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** "3 backups (a, b, c)" for questions and refusals; long lists are cut after ten names. */
export function describeTargets(kind: BulkKind, objects: VeleroObject[]): string {
  const names = objects.map((o) => o.metadata.name);
  const shown = names.length > 10 ? [...names.slice(0, 10), `and ${names.length - 10} more`] : names;
  return names.length === 1 ? `${kind} "${names[0]}"` : `${names.length} ${kind}s (${shown.join(', ')})`;
}

/** What a bulk command left alone, and why. */
export interface Skipped {
  name: string;
  phase: string;
  reason: string;
}
