import { useEffect, useState } from 'react';
import type { Instance } from 'ink';

export interface StatusView {
  /** What is going on, e.g. "backup nightly" or "aws". */
  label: string;
  /** Already formatted facts, shown in order: "InProgress", "412/900 items", "2 errors". */
  parts: string[];
}

function StatusLine({ view, started, Text }: { view: StatusView; started: number; Text: typeof import('ink').Text }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    // Elapsed time keeps moving while nothing else changes (a long InProgress phase).
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const secs = Math.max(0, (now - started) / 1000).toFixed(0);
  return (
    <Text>
      <Text bold>{view.label}</Text>
      {view.parts.map((p, i) => (
        <Text key={i}>{i === 0 ? ` ${p}` : `  ${p}`}</Text>
      ))}
      <Text dimColor>{`  ${secs}s`}</Text>
    </Text>
  );
}

/**
 * The one place oco mounts Ink: a live status line on a terminal (stderr, so stdout
 * stays clean for data). Callers decide whether there is a terminal at all; without
 * one they print plain lines or nothing, and Ink (with React and its layout engine)
 * is never loaded. Ink loads asynchronously, so the latest view is kept until it is up.
 */
export class LiveStatus {
  private instance: Instance | undefined;
  private loading: Promise<void> | undefined;
  private view: StatusView | undefined;
  private ink: typeof import('ink') | undefined;
  private closed = false;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(view: StatusView): void {
    this.view = view;
    if (this.closed) return;
    if (this.instance && this.ink) this.instance.rerender(this.element(this.ink));
    else this.loading ??= this.mount();
  }

  /** Leaves the last frame on screen (keep) or erases it, and releases the terminal. */
  async done(options: { keep: boolean }): Promise<void> {
    this.closed = true;
    await this.loading;
    if (!this.instance) return;
    if (!options.keep) this.instance.clear();
    this.instance.unmount();
    await this.instance.waitUntilExit().catch(() => {});
    this.instance = undefined;
  }

  private async mount(): Promise<void> {
    const ink = await import('ink');
    this.ink = ink;
    if (this.closed && !this.view) return;
    this.instance = ink.render(this.element(ink), {
      stdout: this.stream,
      // We only get here on a terminal; Ink's own CI detection would otherwise print just the last frame.
      interactive: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
  }

  private element(ink: typeof import('ink')) {
    return <StatusLine view={this.view ?? { label: '', parts: [] }} started={this.started} Text={ink.Text} />;
  }
}
