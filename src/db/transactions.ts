// The transaction machine every dialect shares: the transaction context (which connection the current async call
// chain is in), savepoints for nested transactions, the guard that refuses new work once closing, and the mapping of
// driver errors to ours. A dialect supplies only what really differs, as a Connector: how a connection is acquired
// and released, how it runs a control statement, its query handle, and its error codes. A single-writer dialect
// (capabilities.concurrentWriters false, SQLite) also gets its writers queued on one mutex here, so async code
// between statements never interleaves two transactions on its one connection.
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../errors.js';
import { NOT_NOW, type Capabilities, type Queryable, type Statement } from './database.js';
import { AS_IS, DatabaseRefusedError, DatabaseUnavailableError } from './errors.js';
import { Mutex } from './mutex.js';

/** What a dialect supplies to the machine. `C` is its connection type. */
export interface Connector<C> {
  /** A connection for one transaction; throws our error classes when none can be had. A value, not a promise, when it is at hand. */
  acquire(): C | Promise<C>;
  /** Gives the connection back; `broken` when it must not be reused (it could not even roll back). */
  release(conn: C, broken: Error | undefined): void;
  /**
   * Runs a transaction-control statement (BEGIN, COMMIT, ROLLBACK, SAVEPOINT ...) on the connection. With `prelude`
   * (only with COMMIT, only where `commitPrelude` is set), runs those statements first, in the same round trip: if one
   * fails, nothing after it runs, the COMMIT neither, and the call throws its error with the transaction still open.
   */
  control(conn: C, statement: string, prelude?: readonly Statement[]): void | Promise<void>;
  /** Whether `control` takes a COMMIT's prelude: without it the machine refuses `atCommit`. */
  readonly commitPrelude?: boolean;
  /**
   * Whether `err` left the connection unusable (gone, or a query on it never answered): the machine then releases it
   * broken without sending a ROLLBACK, which would only wait behind the unanswered query.
   */
  lost?(err: unknown): boolean;
  /** Whether the connection still holds an open transaction to roll back (SQLite may have ended it itself). */
  inTransaction?(conn: C): boolean;
  /** The query handle bound to the connection. */
  handle(conn: C): Queryable;
  /**
   * The handle for reads outside a transaction, when the dialect has one that only sees committed rows (a pool, a
   * read-only connection). Without one, reads hold a connection as a transaction does.
   */
  readonly reader: Queryable | undefined;
  /** The statement that opens a transaction: SQLite takes its write lock up front with BEGIN IMMEDIATE. */
  readonly begin: string;
  /** Driver errors to ours; anything it does not know passes through unchanged. */
  mapError(err: unknown): unknown;
  /** Ends every connection; called once, after queued single-writer work has finished. */
  close(): Promise<void>;
}

interface Scope<C> {
  readonly conn: C;
  readonly handle: Queryable;
  readonly depth: number;
  /** Shared by every level of one transaction. */
  readonly outcome: {
    /** Set when a savepoint could not be rolled back: the transaction must not commit what it would have undone. */
    failed: Error | undefined;
    /** Statements to send with the COMMIT, in the order they were added; a savepoint rolled back drops its own. */
    readonly atCommit: Statement[];
  };
}

const CLOSING = 'the database is closing; retry on another instance';

export class TransactionMachine<C> {
  readonly #connector: Connector<C>;
  readonly #scope = new AsyncLocalStorage<Scope<C>>();
  /** Present where the dialect has a single writer: every connection holder queues here. */
  readonly #writer: Mutex | undefined;
  #closed: Promise<void> | undefined;

  constructor(connector: Connector<C>, capabilities: Capabilities) {
    this.#connector = connector;
    this.#writer = capabilities.concurrentWriters ? undefined : new Mutex();
  }

  /** Callers queued for the single writer (0 where writers run concurrently). */
  get waiting(): number {
    return this.#writer?.waiting ?? 0;
  }

  /** Throws the 503 every new piece of work gets once close() was called. */
  guard(): void {
    if (this.#closed) throw new DatabaseUnavailableError(CLOSING, undefined, AS_IS);
  }

  /** Database.transaction: commit when `fn` resolves, roll back when it throws; a savepoint when nested. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const outer = this.#scope.getStore();
    if (outer) return this.#savepoint(outer, fn);
    this.guard();
    return this.#hold(async (conn, spoil) => {
      const scope: Scope<C> = { conn, handle: this.#connector.handle(conn), depth: 0, outcome: { failed: undefined, atCommit: [] } };
      try {
        await this.#connector.control(conn, this.#connector.begin);
        const result = await this.#scope.run(scope, () => fn(scope.handle));
        if (scope.outcome.failed) throw scope.outcome.failed;
        const prelude = scope.outcome.atCommit;
        await this.#control(conn, 'COMMIT', prelude.length ? prelude : undefined);
        return result;
      } catch (err) {
        if (this.#connector.lost?.(err)) {
          // The server rolls back when the connection goes.
          spoil(err as Error);
          throw this.#connector.mapError(err);
        }
        try {
          if (this.#connector.inTransaction?.(conn) ?? true) await this.#connector.control(conn, 'ROLLBACK');
        } catch (rollbackErr) {
          // The connection is gone or unusable: it must not serve the next caller.
          spoil(rollbackErr as Error);
        }
        throw this.#connector.mapError(err);
      }
    });
  }

  /**
   * Database.atCommit: `statement` runs just before the COMMIT of the transaction `tx` belongs to, in the same round
   * trip. Added inside a savepoint, it goes with the savepoint: dropped if that rolls back.
   */
  atCommit(tx: Queryable, statement: Statement): void {
    if (!this.#connector.commitPrelude) throw new TypeError('this database sends nothing with its COMMIT; run the statement in the transaction instead');
    const scope = this.#scope.getStore();
    if (!scope || scope.handle !== tx)
      throw new TypeError('atCommit() was called outside the transaction of the handle it was given; call it inside transaction()/write()');
    scope.outcome.atCommit.push(statement);
  }

  /**
   * Database.read: inside a transaction, its connection; otherwise the dialect's reader. Not an async function: a
   * read on the reader is the query's own promise with the error mapping chained on, the cheapest a read can be.
   */
  read<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const scope = this.#scope.getStore();
    if (scope) return fn(scope.handle);
    const reader = this.#connector.reader;
    if (!reader || this.#closed) return this.#readHolding(fn);
    const mapped = (err: unknown): never => {
      throw this.#connector.mapError(err);
    };
    try {
      return fn(reader).then(undefined, mapped);
    } catch (err) {
      return Promise.reject(this.#connector.mapError(err));
    }
  }

  /**
   * Database.readNow, for a driver that answers synchronously (SQLite): `fn` runs at once on the handle `read` would
   * give it, and nothing else can run on that connection before it returns. Without a reader, the connection is the
   * writer's: taken only when nobody holds it (a read then cannot see another transaction's uncommitted rows between
   * its awaits), else NOT_NOW, as once closing: the caller reads through `read`.
   */
  readNow<T>(fn: (q: Queryable) => T): T | typeof NOT_NOW {
    try {
      const scope = this.#scope.getStore();
      if (scope) return fn(scope.handle);
      if (this.#closed) return NOT_NOW;
      const reader = this.#connector.reader;
      if (reader) return fn(reader);
      const unlock = this.#writer?.tryAcquire();
      if (this.#writer && !unlock) return NOT_NOW;
      try {
        const conn = this.#connector.acquire();
        if (conn instanceof Promise) {
          // Handed back once it comes, or it would be lost to the pool.
          // A failed acquire has nothing to hand back, and must not surface as an unhandled rejection.
          conn.then((c) => this.#connector.release(c, undefined)).catch(() => undefined);
          throw new TypeError('readNow() needs a connection at hand; this dialect acquires one asynchronously, so read through read()');
        }
        try {
          return fn(this.#connector.handle(conn));
        } finally {
          this.#connector.release(conn, undefined);
        }
      } finally {
        unlock?.();
      }
    } catch (err) {
      throw this.#connector.mapError(err);
    }
  }

  /** A read where the dialect has no reader (it holds a connection as a transaction does), or once closing. */
  async #readHolding<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    this.guard();
    try {
      return await this.#hold((conn) => fn(this.#connector.handle(conn)));
    } catch (err) {
      throw this.#connector.mapError(err);
    }
  }

  /** Holds a connection (and the single writer, where there is one) for work outside the contract: migrations. */
  exclusive<T>(fn: (conn: C) => Promise<T>): Promise<T> {
    this.guard();
    return this.#hold((conn) => fn(conn));
  }

  /**
   * Database.verify, as the contract promises it on every dialect: `check` failing becomes an UnavailableError when
   * the database may serve later, a DatabaseRefusedError (PrimaryRequiredError among them) when it never will as
   * configured. A failure the dialect cannot name is taken as the latter: retrying blindly would hide it.
   */
  async verify(check: () => Promise<void>): Promise<void> {
    this.guard();
    try {
      await check();
    } catch (err) {
      const mapped = this.#connector.mapError(err);
      if (mapped instanceof AppError || mapped instanceof DatabaseRefusedError) throw mapped;
      throw new DatabaseRefusedError(`the database cannot serve: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Idempotent. Queued single-writer work finishes first; new work is refused from the first call on. */
  close(): Promise<void> {
    this.#closed ??= this.#writer ? this.#writer.run(() => this.#connector.close()) : this.#connector.close();
    return this.#closed;
  }

  async #savepoint<T>(outer: Scope<C>, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const depth = outer.depth + 1;
    const name = `sp_${depth}`;
    await this.#control(outer.conn, `SAVEPOINT ${name}`);
    const mark = outer.outcome.atCommit.length;
    try {
      const result = await this.#scope.run({ ...outer, depth }, () => fn(outer.handle));
      await this.#control(outer.conn, `RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // An inner failure undoes only the inner work; RELEASE after ROLLBACK TO pops the savepoint on both dialects.
      // What the inner work left for the COMMIT is undone with it.
      outer.outcome.atCommit.length = mark;
      try {
        await this.#connector.control(outer.conn, `ROLLBACK TO SAVEPOINT ${name}`);
        await this.#connector.control(outer.conn, `RELEASE SAVEPOINT ${name}`);
      } catch (undoErr) {
        outer.outcome.failed ??= this.#connector.mapError(undoErr) as Error;
      }
      throw this.#connector.mapError(err);
    }
  }

  /** A control statement, errors mapped to ours. */
  async #control(conn: C, statement: string, prelude?: readonly Statement[]): Promise<void> {
    try {
      await this.#connector.control(conn, statement, prelude);
    } catch (err) {
      throw this.#connector.mapError(err);
    }
  }

  async #hold<T>(work: (conn: C, spoil: (err: Error) => void) => Promise<T>): Promise<T> {
    const unlock = this.#writer ? (this.#writer.tryAcquire() ?? (await this.#writer.acquire())) : undefined;
    try {
      let conn: C;
      try {
        const acquired = this.#connector.acquire();
        conn = acquired instanceof Promise ? await acquired : acquired;
      } catch (err) {
        throw this.#connector.mapError(err);
      }
      let broken: Error | undefined;
      try {
        return await work(conn, (err) => (broken = err));
      } finally {
        this.#connector.release(conn, broken);
      }
    } finally {
      unlock?.();
    }
  }
}
