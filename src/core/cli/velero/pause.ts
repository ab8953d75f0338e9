import { Args } from '@oclif/core';
import { VeleroCommand, kubeFlags } from '../velero-command.js';
import { resolveTargets, type Skipped } from '../../resilience/velero/bulk.js';
import { phaseOf } from '../../resilience/velero/phases.js';
import { scheduleRow } from '../../resilience/velero/schedules.js';
import { targetFlags } from './bulk-flags.js';

export interface PauseResult {
  schedules: Array<ReturnType<typeof scheduleRow>>;
  skipped: Skipped[];
}

/**
 * schedule pause and unpause: the same command with the other value of spec.paused. Like velero,
 * a schedule already in the wanted state is skipped (and listed), not patched again. Pausing is
 * undone by unpausing, so neither asks for confirmation (velero does not either).
 */
export abstract class PauseCommand extends VeleroCommand<PauseResult> {
  static override strict = false;
  static override args = { name: Args.string({ description: 'schedule name(s)' }) };
  static override flags = { ...targetFlags('schedule'), ...kubeFlags };

  protected abstract readonly paused: boolean;

  async run(): Promise<PauseResult> {
    const { argv, flags } = await this.parse(this.ctor as typeof PauseCommand);
    const names = argv as string[];
    const client = await this.velero(flags);
    const targets = await resolveTargets(client, 'schedule', {
      names,
      selector: flags.selector as string | undefined,
      all: flags.all as boolean | undefined,
    });
    const word = this.paused ? 'paused' : 'unpaused';
    const schedules: PauseResult['schedules'] = [];
    const skipped: Skipped[] = [];
    for (const s of targets) {
      if (Boolean(s.spec?.paused) === this.paused) {
        skipped.push({ name: s.metadata.name, phase: phaseOf(s), reason: `already ${word}` });
        continue;
      }
      schedules.push(
        scheduleRow(await client.mergePatch('schedule', s.metadata.name, { spec: { paused: this.paused } })),
      );
    }
    if (!this.jsonEnabled()) {
      if (targets.length === 0) this.log(`No schedules matched in namespace ${client.namespace}.`);
      for (const s of schedules) this.log(`Schedule "${s.name}" ${word}.`);
      for (const s of skipped) this.log(`Schedule "${s.name}" skipped: ${s.reason}.`);
    }
    return { schedules, skipped };
  }
}
