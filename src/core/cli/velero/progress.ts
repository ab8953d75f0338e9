import { LiveStatus } from '../live-status.js';
import { phaseOf } from '../../resilience/velero/phases.js';
import type { VeleroObject } from '../../resilience/velero/resources.js';

export interface ProgressView {
  phase: string;
  items?: number;
  total?: number;
  errors: number;
  warnings: number;
  queuePosition?: number;
}

export function progressOf(o: VeleroObject): ProgressView {
  const p = o.status?.progress ?? {};
  return {
    phase: phaseOf(o),
    items: p.itemsBackedUp ?? p.itemsRestored,
    total: p.totalItems,
    errors: Number(o.status?.errors ?? 0),
    warnings: Number(o.status?.warnings ?? 0),
    queuePosition: o.status?.queuePosition,
  };
}

export type ProgressMode = 'tty' | 'lines' | 'quiet';

/**
 * Live progress of a wait. On a TTY a live status line (phase, items, errors,
 * warnings, elapsed); without one, each change is one key=value line on stderr
 * (machine-readable, no escape codes); with --json nothing at all.
 */
export class ProgressReporter {
  private last = '';
  private readonly live: LiveStatus | undefined;

  constructor(
    private readonly mode: ProgressMode,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.live = mode === 'tty' ? new LiveStatus(out) : undefined;
  }

  update(o: VeleroObject): void {
    const v = progressOf(o);
    if (this.mode === 'lines') {
      const line =
        `${this.label} phase=${v.phase}${v.total !== undefined ? ` items=${v.items ?? 0}/${v.total}` : ''} ` +
        `errors=${v.errors} warnings=${v.warnings}${v.queuePosition ? ` queue=${v.queuePosition}` : ''}`;
      if (line !== this.last) this.out.write(`${line}\n`);
      this.last = line;
    } else if (this.live) {
      const items =
        v.total !== undefined
          ? `items ${v.items ?? 0}/${v.total}${v.total ? ` (${Math.floor(((v.items ?? 0) / v.total) * 100)}%)` : ''}`
          : '';
      this.live.update({
        label: `${this.label}:`,
        parts: [
          v.phase,
          items,
          `errors ${v.errors}`,
          `warnings ${v.warnings}`,
          v.queuePosition ? `queue #${v.queuePosition}` : '',
        ].filter(Boolean),
      });
    }
  }

  /** Leaves the final state on screen. */
  async stop(): Promise<void> {
    await this.live?.done({ keep: true });
  }
}
