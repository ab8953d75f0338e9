/**
 * A daemon job that runs now and then: shortly after start, every interval, and whenever triggered
 * (after a scheduled cost ingest). Runs never overlap (a trigger during a run is dropped: the run
 * under way sees fresh enough data), stop() waits for the run under way, and the timers never keep
 * the process alive.
 */
export interface PeriodicRun {
  /** Run now, unless a run is under way. */
  trigger(): void;
  stop(): Promise<void>;
}

export function startPeriodic(
  run: () => Promise<unknown>,
  o: { intervalMs: number; firstRunMs: number; onError?: (err: unknown) => void },
): PeriodicRun {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const trigger = () => {
    if (running || stopped) return;
    running = run()
      .catch((err) => o.onError?.(err))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(trigger, o.firstRunMs);
  const timer = setInterval(trigger, o.intervalMs);
  first.unref();
  timer.unref();
  return {
    trigger,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
