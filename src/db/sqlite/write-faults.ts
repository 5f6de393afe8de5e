// Whether the SQLite file takes writes. A full disk, a file or file system made read-only, or an I/O error fails every
// write while reads go on, so a read-only health check would call the server fit while each write answers 503. The
// adapter notes such a failure here; health then says the database is not writable, and probes with a real write
// (the header's user_version, rewritten unchanged) so that readiness returns by itself once the disk has room again.
import type BetterSqlite3 from 'better-sqlite3';
import { DatabaseUnavailableError } from '../errors.js';

export class WriteFaults {
  #fault: string | undefined;

  /** The reason writes are failing, or undefined while they work. */
  get current(): string | undefined {
    return this.#fault;
  }

  /** Called with the mapped error of every failed write transaction. */
  note(err: unknown): void {
    // Only storage faults: a busy lock or a constraint says nothing about the file.
    if (err instanceof DatabaseUnavailableError && /SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(err.message)) this.#fault = err.message;
  }

  /** Called after every commit. */
  clear(): void {
    this.#fault = undefined;
  }

  /** A write that reaches the file; clears the fault when it lands. Run it holding the writer. */
  probe(writer: BetterSqlite3.Database): void {
    const version = writer.pragma('user_version', { simple: true }) as number;
    writer.pragma(`user_version = ${Math.trunc(version)}`);
    this.clear();
  }
}
