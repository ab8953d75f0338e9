import { Flags } from '@oclif/core';

/** velero's way of naming several objects: NAME…, -l/--selector or --all (exactly one of them). */
export function targetFlags(kind: string) {
  return {
    all: Flags.boolean({ description: `every ${kind} in the Velero namespace` }),
    selector: Flags.string({
      char: 'l',
      description: `only ${kind}s whose labels match this selector, e.g. velero.io/schedule-name=daily`,
    }),
  };
}

export const confirmFlag = {
  confirm: Flags.boolean({
    description: 'do not ask (required when not on a terminal); velero --confirm=true is accepted too',
  }),
};
