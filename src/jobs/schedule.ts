/** A scheduled job run inside the bot (reminders, retention), for deployments without a scheduler of their own. */
export interface InProcessJob {
  /** Stops the timer; a run under way goes on. */
  stop(): void;
  /** The run under way, if any (the bot's close waits for it, within its grace period). */
  running(): Promise<void> | undefined;
}

/**
 * Runs `job` `firstAfterMs` after the call, then every `everyMs`, never two runs at once (a run slower than the
 * interval skips the turns it overlaps). A failed run is reported to `onError` and the schedule goes on. The timers do
 * not keep the process alive.
 */
export function runInProcess(job: () => Promise<unknown>, timing: { everyMs: number; firstAfterMs: number }, onError: (error: unknown) => void): InProcessJob {
  let run: Promise<void> | undefined;
  const tick = (): void => {
    if (run) return;
    run = job()
      .then(() => undefined, onError)
      .finally(() => (run = undefined));
  };
  let timer: NodeJS.Timeout = setTimeout(() => {
    tick();
    timer = setInterval(tick, timing.everyMs).unref();
  }, timing.firstAfterMs).unref();
  return {
    stop: () => clearTimeout(timer), // clears a Timeout from setTimeout or setInterval alike
    running: () => run,
  };
}
