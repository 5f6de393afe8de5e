// A FIFO async mutex. SQLite has one writer; the SQLite adapter queues transactions on this so that async code
// between statements never interleaves two transactions on the one connection.
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves with a release function once every earlier holder has released. Releasing twice throws. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    this.#waiting += 1;
    await previous;
    this.#waiting -= 1;
    let released = false;
    return () => {
      if (released) throw new Error('mutex released twice');
      released = true;
      release();
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
