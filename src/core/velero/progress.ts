import { phaseOf } from './phases.js';
import type { VeleroObject } from './resources.js';

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
 * Live progress of a wait. On a TTY one line is redrawn in place (phase, items,
 * errors, warnings, elapsed); without one, each change is one key=value line on
 * stderr (machine-readable, no escape codes); with --json nothing at all.
 */
export class ProgressReporter {
  private last = '';
  private view?: ProgressView;
  private ticker?: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly mode: ProgressMode,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    if (mode === 'tty') {
      this.ticker = setInterval(() => this.draw(), 1000);
      this.ticker.unref();
    }
  }

  update(o: VeleroObject): void {
    this.view = progressOf(o);
    if (this.mode === 'lines') {
      const v = this.view;
      const line = `${this.label} phase=${v.phase}${v.total !== undefined ? ` items=${v.items ?? 0}/${v.total}` : ''} errors=${v.errors} warnings=${v.warnings}${v.queuePosition ? ` queue=${v.queuePosition}` : ''}`;
      if (line !== this.last) this.out.write(`${line}\n`);
      this.last = line;
    } else if (this.mode === 'tty') this.draw();
  }

  private draw(): void {
    const v = this.view;
    if (!v) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(0);
    const items = v.total !== undefined ? `  items ${v.items ?? 0}/${v.total}${v.total ? ` (${Math.floor(((v.items ?? 0) / v.total) * 100)}%)` : ''}` : '';
    this.out.write(`\r\x1b[2K${this.label}: ${v.phase}${items}  errors ${v.errors}  warnings ${v.warnings}${v.queuePosition ? `  queue #${v.queuePosition}` : ''}  ${secs}s`);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.mode === 'tty' && this.view) {
      this.draw();
      this.out.write('\n');
    }
  }
}
