// A FIFO async mutex. SQLite has one writer; the SQLite adapter queues transactions on this so that async code
// between statements never interleaves two transactions on the one connection.
export class Mutex {
  #held = false;
  /** Waiters in arrival order; each is handed the mutex by the release before it. */
  readonly #queue: Array<() => void> = [];

  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * The release function at once when the mutex is free (then nobody waits either), undefined otherwise. Taking a
   * free mutex without a promise saves every uncontended write a turn of the event loop's microtask queue.
   */
  tryAcquire(): (() => void) | undefined {
    if (this.#held) return undefined;
    this.#held = true;
    return this.#releaser();
  }

  /** Resolves with a release function once every earlier holder has released. Releasing twice throws. */
  acquire(): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => this.#queue.push(() => resolve(this.#releaser())));
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) throw new Error('mutex released twice');
      released = true;
      // Handed straight to the next waiter, so nobody arriving meanwhile can take it out of turn.
      const next = this.#queue.shift();
      if (next) next();
      else this.#held = false;
    };
  }
}
