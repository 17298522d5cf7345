/**
 * A bot stopping (a deploy, a scale-in) while its in-process retention sweep or reminder run is under way waits for
 * the run, within the shutdown grace period, before it closes: the run is not cut off between a claim and its send.
 * (Closing the store comes after that wait in `close`; a store passed in, as here, is the caller's and stays open.)
 */
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { startBot } from '../helpers/botHarness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The memory store, with the first listing a scheduled job makes held until the test lets it go. */
class HeldStorage extends AtomicMemoryStorage {
  held = false;
  resumed = false;
  private releaseHold: () => void = () => undefined;
  private readonly hold = new Promise<void>((resolve) => (this.releaseHold = resolve));

  release(): void {
    this.releaseHold();
  }

  override async *list(prefix: string): AsyncIterable<string> {
    // The delivery queue polls deliveries/ all along; the retention sweep lists the due-day index and the reports' items.
    if (!prefix.startsWith('deliveries/') && !this.held) {
      this.held = true;
      await this.hold;
      this.resumed = true;
    }
    yield* super.list(prefix);
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

describe('closing the bot while an in-process job runs', () => {
  it('waits for the run to finish before it closes, and closes as soon as it has', async () => {
    const storage = new HeldStorage();
    // A grace period longer than the test may take: a close that slept it out, rather than waiting for the run,
    // would time the test out.
    const bot = await startBot({ RETENTION_INTERVAL_HOURS: '0.0001', SHUTDOWN_GRACE_MS: '120000' }, { storage });
    await until(() => storage.held);
    let closed = false;
    let resumedWhenClosed: boolean | undefined;
    const closing = bot.close().then(() => {
      closed = true;
      resumedWhenClosed = storage.resumed;
    });
    await sleep(400);
    expect(closed).toBe(false); // the run is still held: close waits
    storage.release();
    await closing;
    expect(resumedWhenClosed).toBe(true);
  });

  it('waits no longer than the grace period for a run that does not finish', async () => {
    const storage = new HeldStorage();
    const bot = await startBot({ RETENTION_INTERVAL_HOURS: '0.0001', SHUTDOWN_GRACE_MS: '600' }, { storage });
    await until(() => storage.held);
    const started = Date.now();
    await bot.close();
    const took = Date.now() - started;
    expect(storage.resumed).toBe(false);
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(3000);
    storage.release();
  });
});
