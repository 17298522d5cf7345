import { runInProcess } from '../../src/jobs/schedule';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a job run inside the bot', () => {
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
    await sleep(20);
    expect(started).toBe(0); // not before its first delay
    await sleep(200);
    job.stop();
    expect(started).toBeGreaterThanOrEqual(2); // went on after the failure
    expect(overlapping).toBe(0);
    expect(errors).toEqual([new Error('first run failed')]);
    await job.running();
    const after = started;
    await sleep(60);
    expect(started).toBe(after); // stopped
  });
});
