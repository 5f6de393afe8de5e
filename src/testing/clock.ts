// A clock a test suite can move: the system's time plus an offset, so it keeps ticking from wherever it was set.
import type { Clock } from '../domain/clock.js';
import { LATEST_INSTANT, storableInstant } from '../domain/instants.js';
import { ValidationError } from '../errors.js';

export class MovableClock implements Clock {
  #offsetMs = 0;

  /** Set near the end of year 9999, the clock stops there rather than run past what the databases store. */
  now(): Date {
    return new Date(Math.min(Date.now() + this.#offsetMs, LATEST_INSTANT));
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  set(at: Date): void {
    this.#check(at.getTime(), 'body.at');
    this.#offsetMs = at.getTime() - Date.now();
  }

  advance(ms: number): void {
    this.#check(this.now().getTime() + ms, 'body.ms');
    this.#offsetMs += ms;
  }

  real(): void {
    this.#offsetMs = 0;
  }

  /** The clock must stay where the databases can store an instant, or every expiry comparison goes wrong. */
  #check(ms: number, field: string): void {
    if (!storableInstant(ms)) {
      throw new ValidationError(`${field} would put the clock outside the years 0001 to 9999; move it less far`, {
        details: [{ field, message: 'moves the clock out of range' }],
      });
    }
  }
}
