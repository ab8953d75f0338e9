import type { Logger } from 'pino';

/**
 * The daemon's in-memory copy of a small table that the request path reads on every call (route policies,
 * allow-lists): read once at start (awaited, so the first call already sees it), then again every refreshMs in
 * the background. Concurrent refreshes share one read; a failed read keeps the last copy and is logged, so a
 * database hiccup never empties the rules a call is judged by.
 */
export abstract class TableCopy {
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;

  constructor(
    private readonly refreshMs: number,
    private readonly what: string,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Re-reads the table now; concurrent callers share one read. */
  refresh(): Promise<void> {
    return (this.reading ??= this.guardedRead().finally(() => (this.reading = undefined)));
  }

  /** Reads the table and replaces the copy (assign the new maps only once they are complete). */
  protected abstract read(): Promise<void>;

  private async guardedRead(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      this.logger?.warn({ err: { message: (err as Error).message } }, `${this.what} not read; keeping the last`);
    }
  }
}
