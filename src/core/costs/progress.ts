/**
 * One progress line on stderr, redrawn in place, only when stderr is a terminal and
 * --json is off: scripts and CI logs get nothing but the final result.
 */
export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;
  readonly enabled: boolean;
  state = { pages: 0, rows: 0, requests: 0, label: '' };

  constructor(options: { json: boolean; stream?: NodeJS.WriteStream }) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = !options.json && Boolean(this.stream.isTTY);
  }

  private readonly stream: NodeJS.WriteStream;

  update(patch: Partial<Progress['state']>): void {
    Object.assign(this.state, patch);
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.draw();
  }

  private draw(): void {
    const s = this.state;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const parts = [s.label, s.pages ? `${s.pages} pages` : '', `${s.rows.toLocaleString('en-US')} rows`, s.requests ? `${s.requests} requests` : '', `${secs}s`].filter(Boolean);
    this.stream.write(`\r\x1b[2K${parts.join(' · ')}`);
    this.shown = true;
  }

  done(): void {
    if (this.enabled && this.shown) this.stream.write('\r\x1b[2K');
  }
}
