// Where the log lines go: a file descriptor (stdout, or stderr for commands), written without blocking the event loop,
// and never a reason for the process to stay up. pino's own destination (sonic-boom 4) retries a failed write every
// 100 ms for ever when it flushes at exit, EPIPE included: a server whose stdout reader had gone (a harness that died)
// got SIGTERM, reached process.exit with lines pending and looped there, deaf to every further signal. Here a write
// that fails for any reason but a full pipe (EAGAIN) drops the logs from then on, and the flush at exit is bounded.
import { write, writeSync } from 'node:fs';

/** Lines held while the reader is slow; past this, new lines are dropped rather than memory grown without bound. */
const MAX_PENDING_CHARS = 16 * 1024 * 1024;
/**
 * How long lines are gathered before they are written together. Writing each turn's lines at the end of that turn
 * (setImmediate) cost a loop phase, a poll that may not wait and a write per turn: about 9 µs of a GET under load, as
 * much as building the lines. A line leaves within this long; the flush at exit writes what is pending.
 */
const GATHER_MS = 5;
/** A full pipe (EAGAIN) is retried after this long. */
const RETRY_MS = 10;
/** How long a synchronous write (stderr lines, the flush at exit) may wait on a full pipe before it gives up. */
const SYNC_BUDGET_MS = 500;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Every destination, flushed by one exit listener (weakly held: a logger dropped by a test is not kept alive). */
const destinations = new Set<WeakRef<LogDestination>>();
let flushAtExit = false;
function register(destination: LogDestination): void {
  destinations.add(new WeakRef(destination));
  if (flushAtExit) return;
  flushAtExit = true;
  process.once('exit', () => {
    for (const ref of destinations) ref.deref()?.flushSync();
  });
}

export class LogDestination {
  readonly #fd: number;
  readonly #sync: boolean;
  #pending: string[] = [];
  #pendingChars = 0;
  #writing = false;
  /** A write of the lines gathered is due (a timer of GATHER_MS). */
  #scheduled = false;
  #dropped = false;
  #waiting: Array<() => void> = [];
  /** Lines not written: dropped while the reader was too slow, or after the destination failed. */
  lost = 0;

  /** `sync`: each line is written before `write` returns (the stderr of a command, in step with its output). */
  constructor(fd: number, sync: boolean) {
    this.#fd = fd;
    this.#sync = sync;
    // Opening process.stdout/stderr puts a pipe into non-blocking mode (libuv), so a reader that stops reading shows
    // as EAGAIN instead of a write that never returns.
    void (fd === 1 ? process.stdout.fd : fd === 2 ? process.stderr.fd : undefined);
    // A normal exit, a crash, a signal we handle: what is still pending goes out, within SYNC_BUDGET_MS.
    register(this);
  }

  /** Whether a write has failed and lines are now dropped. */
  get failed(): boolean {
    return this.#dropped;
  }

  write(line: string): boolean {
    if (this.#dropped) {
      this.lost++;
      return true;
    }
    if (this.#sync) {
      this.#writeSync(Buffer.from(line));
      return true;
    }
    if (this.#pendingChars + line.length > MAX_PENDING_CHARS) {
      this.lost++;
      return true;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      // Unreferenced: the lines never keep a process up; the flush at exit writes what is still pending.
      setTimeout(this.#flushGathered, GATHER_MS).unref();
    }
    return true;
  }

  /**
   * The lines gathered over GATHER_MS go out together, in one synchronous write: the descriptor is non-blocking, so
   * the write takes what the pipe has room for and returns at once. An asynchronous write per batch (a round trip
   * through libuv's thread pool) cost more than the line itself. A full pipe falls back to the asynchronous path,
   * which retries after RETRY_MS.
   */
  readonly #flushGathered = (): void => {
    this.#scheduled = false;
    if (this.#writing || this.#dropped || this.#pending.length === 0) return;
    let rest = Buffer.from(this.#take());
    try {
      rest = rest.subarray(writeSync(this.#fd, rest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
        this.#drop();
        return;
      }
    }
    if (rest.length > 0) {
      this.#writing = true;
      this.#send(rest);
    } else {
      this.#next();
    }
  };

  /** Calls `done` once every line written so far is out (or dropped). pino's `logger.flush(cb)` calls this. */
  flush(done: () => void = () => undefined): void {
    // Written now rather than when the timer fires: the timer holds no process up, and whoever waits may be the last
    // thing the process does before it exits.
    if (this.#scheduled) this.#flushGathered();
    if (!this.#writing && this.#pending.length === 0) done();
    else this.#waiting.push(done);
  }

  /**
   * Writes what is pending synchronously, for the exit. Skipped while an asynchronous write is still out: the reader
   * is not keeping up, and waiting on it could hold the exit for ever.
   */
  flushSync(): void {
    if (this.#dropped || this.#writing || this.#pending.length === 0) return;
    const text = this.#take();
    this.#writeSync(Buffer.from(text));
  }

  #take(): string {
    const text = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    return text;
  }

  #next(): void {
    if (this.#pending.length === 0) {
      this.#writing = false;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const done of waiting) done();
      return;
    }
    this.#writing = true;
    this.#send(Buffer.from(this.#take()));
  }

  #send(buf: Buffer): void {
    write(this.#fd, buf, 0, buf.length, null, (err, n) => {
      if (err) {
        if (err.code === 'EAGAIN') {
          setTimeout(() => this.#send(buf), RETRY_MS).unref();
          return;
        }
        this.#drop();
        return;
      }
      if (n < buf.length) this.#send(buf.subarray(n));
      else this.#next();
    });
  }

  #writeSync(buf: Buffer): void {
    const deadline = Date.now() + SYNC_BUDGET_MS;
    let rest = buf;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.#fd, rest));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && Date.now() < deadline) {
          Atomics.wait(pause, 0, 0, RETRY_MS);
          continue;
        }
        this.#drop();
        return;
      }
    }
  }

  /** The destination failed (EPIPE: the reader is gone; EBADF, ENOSPC...): from now on lines are dropped. */
  #drop(): void {
    this.#dropped = true;
    this.lost += this.#pending.length;
    this.#pending = [];
    this.#pendingChars = 0;
    this.#writing = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const done of waiting) done();
  }
}
