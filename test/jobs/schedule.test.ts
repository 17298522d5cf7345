import { runInProcess } from '../../src/jobs/schedule';

/**
 * On the test's own clock (Jest's fake timers): on a loaded CI machine a real 20 ms sleep can outlast a 30 ms delay,
 * and "not before its first delay" then fails for no fault of the schedule.
 */
describe('a job run inside the bot', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('first runs after its delay, then every interval, never two runs at once, and goes on after a failure', async () => {
    let started = 0;
    let overlapping = 0;
    let active = 0;
    const errors: unknown[] = [];
    const job = runInProcess(
      async () => {
        started++;
        active++;
        if (active > 1) overlapping++;
        await sleep(50); // slower than the interval
        active--;
        if (started === 1) throw new Error('first run failed');
      },
      { everyMs: 10, firstAfterMs: 30 },
      (error) => errors.push(error),
    );
    await jest.advanceTimersByTimeAsync(29);
    expect(started).toBe(0); // not before its first delay
    await jest.advanceTimersByTimeAsync(1);
    expect(started).toBe(1); // at its first delay
    await jest.advanceTimersByTimeAsync(45);
    expect(started).toBe(1); // the interval's turns during the run are skipped, not queued
    await jest.advanceTimersByTimeAsync(200);
    job.stop();
    expect(started).toBeGreaterThanOrEqual(4); // went on after the failure, once a run ended
    expect(overlapping).toBe(0);
    expect(errors).toEqual([new Error('first run failed')]);
    const stillRunning = job.running();
    await jest.advanceTimersByTimeAsync(60);
    await stillRunning;
    const after = started;
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(after); // stopped
  });
});
