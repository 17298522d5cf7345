/** Runs work for one key at a time, in arrival order; different keys run in parallel. Holds nothing for idle keys. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs work once every earlier work for the same key has finished. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
