/**
 * The interactive report's one Ink root: it mounts the screen on the terminal, owns its lifecycle (render, exit,
 * unmount) and gives the terminal back as it found it, on q, on Ctrl-C and on an error inside the screen. Loaded
 * only on a terminal (`interactive.ts` imports it dynamically), so pipes and CI never load Ink or React.
 */
import { render, Text, useApp } from 'ink';
import { Component, useEffect, type ReactNode } from 'react';
import { formatError } from '../../../base/errors.js';
import { ReportApp, type ReportAppProps } from './app.js';

/** Renders the error, then ends Ink with it: the command reports it and exits 1. */
function Crash(props: { error: Error }) {
  const { exit } = useApp();
  useEffect(() => exit(props.error), [exit, props.error]);
  return <Text>{formatError({ message: props.error.message }).trimEnd()}</Text>;
}

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <Crash error={this.state.error} /> : this.props.children;
  }
}

export function ReportRoot(props: ReportAppProps) {
  return (
    <Boundary>
      <ReportApp {...props} />
    </Boundary>
  );
}

export interface TerminalStreams {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Route console output through Ink so a stray log line cannot tear the screen (default on). */
  patchConsole?: boolean;
}

/** Runs the screen until q or Ctrl-C; rejects with the error that ended it otherwise. */
export async function runReportTui(props: ReportAppProps, streams: TerminalStreams = {}): Promise<void> {
  const instance = render(<ReportRoot {...props} />, {
    stdin: streams.stdin ?? process.stdin,
    stdout: streams.stdout ?? process.stdout,
    // a screen of its own, like less or top: the shell's scrollback is back as it was on exit
    alternateScreen: true,
    // Ink restores raw mode and the cursor on Ctrl-C itself
    exitOnCtrlC: true,
    patchConsole: streams.patchConsole ?? true,
    // only called on a terminal; Ink's own CI detection would otherwise print the last frame only
    interactive: true,
  });
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
  }
}
