import { LiveStatus } from './live-status.js';

/**
 * Ingest/import progress (pages, rows, requests, elapsed) as a live status line,
 * only when stderr is a terminal and --json is off: scripts and CI logs get
 * nothing but the final result.
 */
export class Progress {
  readonly enabled: boolean;
  state = { pages: 0, rows: 0, requests: 0, label: '' };
  private readonly live: LiveStatus | undefined;
  private last = 0;

  constructor(options: { json: boolean; stream?: NodeJS.WriteStream }) {
    const stream = options.stream ?? process.stderr;
    this.enabled = !options.json && Boolean(stream.isTTY);
    this.live = this.enabled ? new LiveStatus(stream) : undefined;
  }

  update(patch: Partial<Progress['state']>): void {
    Object.assign(this.state, patch);
    if (!this.live) return;
    // Rows arrive in the hundreds of thousands per second: redraw at most ten times a second.
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const s = this.state;
    this.live.update({
      label: s.label,
      parts: [
        s.pages ? `${s.pages} pages` : '',
        `${s.rows.toLocaleString('en-US')} rows`,
        s.requests ? `${s.requests} requests` : '',
      ].filter(Boolean),
    });
  }

  /** Erases the line: the command's result follows. */
  async done(): Promise<void> {
    await this.live?.done({ keep: false });
  }
}
