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

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** A byte count for people: 1536 → "1.5 KiB". */
export const humanSize = size;

/**
 * Progress of a file download: a live line (bytes, total, percent) on a terminal, nothing
 * otherwise (CI logs and pipes get the result line only). Redrawn at most every 100 ms.
 */
export class DownloadProgress {
  private readonly live: LiveStatus | undefined;
  private lastDraw = 0;

  constructor(
    tty: boolean,
    private readonly label: string,
    out: NodeJS.WriteStream = process.stderr,
  ) {
    this.live = tty ? new LiveStatus(out) : undefined;
  }

  update(bytes: number, total?: number): void {
    if (!this.live) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && bytes !== total) return;
    this.lastDraw = now;
    const of = total !== undefined ? ` / ${size(total)}${total ? ` (${Math.floor((bytes / total) * 100)}%)` : ''}` : '';
    this.live.update({ label: `${this.label}:`, parts: [`${size(bytes)}${of}`] });
  }

  /** Erases the line: the result line that follows says it all. */
  async stop(): Promise<void> {
    await this.live?.done({ keep: false });
  }
}
