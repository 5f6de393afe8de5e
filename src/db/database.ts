// The one database contract of the program. Everything above src/db/ talks to a `Database`, never to a driver;
// each dialect folder implements it, and a module may compose several into one (a Database over Databases).
// `Database` is the query contract every dialect keeps; what only some dialects can do is a facet, a property that
// is there or is not (`db.notifications`, `db.locks`, `db.dataVersion`), so a caller narrows by type before using it
// and cannot call LISTEN where there is none.
import type { Dialect } from '../variant.js';
import type { Migration, MigrationReport } from './migrator.js';
import type { Queryable, Tables } from './schema.js';

/** What Database.readNow answers when it cannot answer at once (a read's own result may be undefined). */
export const NOT_NOW: unique symbol = Symbol('not answered at once');

export type { MigrationReport, Queryable };

/**
 * How a dialect runs what the contract asks, where that changes how generic code builds its queries or queues its
 * writers. Each has a reader: a capability no code asks about does not belong here. What a dialect can do beyond the
 * contract is a facet of the Database instead.
 */
export interface Capabilities {
  /**
   * Several writers at once (Postgres). Without it (SQLite, one writer) the transaction machine queues every
   * connection holder on one mutex (src/db/transactions.ts). A dialect with it has `locks` too.
   */
  readonly concurrentWriters: boolean;
  /** `SELECT ... FOR UPDATE / FOR SHARE`, taken by src/domain/locks.ts where a decision must hold until commit. */
  readonly rowLocks: boolean;
}

export interface DatabaseHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
  /**
   * Whether reads and writes can be served now; absent means both follow `ok`. They differ where reads have
   * somewhere to go while writes do not (one server of several answers read-only); `ok` is then the reads'.
   */
  readonly reads?: boolean;
  readonly writes?: boolean;
  /** Pool details and whatever else a module reports, for /healthz and metrics. */
  readonly [key: string]: unknown;
}

/** How fresh a read must be. */
export interface ReadOptions {
  /**
   * The read decides something security depends on (a token's validity, a member's role): it must see every
   * committed write, so a Database spreading reads over several servers never serves it from one that may lag.
   * Adapters with one server ignore it. `'credentials'`: only every committed change to tokens and members (who the
   * caller is, their role): it may be served by a server proven to have applied all of them.
   */
  readonly fresh?: boolean | 'credentials';
}

/** The query contract: what every dialect offers, and all that domain code may assume. */
export interface Database {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** The dialect's table objects, for building queries. */
  readonly tables: Tables;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. A nested call runs in a
   * savepoint. On SQLite all writers queue on one connection; on Postgres it holds one pooled client.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Read intent: may be served by another server than writes (a module's router) or a separate read connection (SQLite). */
  read<T>(fn: (q: Queryable) => Promise<T>, options?: ReadOptions): Promise<T>;
  /** Write intent: a transaction where writes go. */
  write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  health(): Promise<DatabaseHealth>;
  /** Idempotent; waits for work in progress. */
  close(): Promise<void>;

  /**
   * Named locks held until a transaction ends (Postgres: advisory locks). Absent where the dialect has a single
   * writer (SQLite): a write transaction there already runs alone, across processes too. Take one through
   * `holdLock` (src/domain/locks.ts), which knows both cases.
   */
  readonly locks?: Locks;
  /** LISTEN/NOTIFY between processes (Postgres). Absent elsewhere: there is nothing to notify or listen on. */
  readonly notifications?: Notifications;
  /**
   * (SQLite) A number that differs from the one the previous call returned when any other connection (another
   * process on the same file) committed in between; this Database's own commits leave it as it is. Synchronous: one
   * pragma, no table read (SQLite's `PRAGMA data_version` on the writer connection).
   */
  readonly dataVersion?: () => number;
  /**
   * (SQLite) A prepared read answered before the call returns, on the connection `read` would use (the transaction's
   * inside one, else the read connection): no promise and no transaction bookkeeping between the caller and the
   * compiled statement, for the reads every request makes (the token, the task a route acts on), where those cost more
   * than the read. NOT_NOW when it cannot answer at once (an in-memory database's one connection is in another
   * caller's transaction, or the database is closing): read through `read` then. `readPrepared`
   * (src/db/prepared.ts) does both.
   */
  readonly readNow?: <R>(query: PreparedQuery<R>, values: Record<string, unknown>) => R | typeof NOT_NOW;
  /**
   * (PostgreSQL) Statements sent with a transaction's COMMIT, in the same message, so they add no round trip and
   * whatever row they lock stays locked only for as long as the server takes to run them and commit. A statement
   * that fails stops the rest and the COMMIT: the transaction rolls back and throws its error.
   */
  readonly atCommit?: AtCommit;
}

/** What a built query offers: one execution per call, with the values of its placeholders. */
export interface Prepared<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/** A query built once per query handle and run with the values of its placeholders (src/db/prepared.ts `prepared`). */
export type PreparedQuery<R> = (q: Queryable, t: Tables) => Prepared<R>;

/** A value a Statement carries: inlined as a quoted literal (NULL for null) by the dialect that sends it. */
export type StatementValue = string | number | boolean | null;

/** SQL text with its values apart, as a tagged template gives them: `strings` around `values`. */
export interface Statement {
  readonly strings: readonly string[];
  readonly values: readonly StatementValue[];
}

/** Builds a Statement: statement`SELECT f(${a}, ${b})`. The text is the program's; only the values come from outside. */
export function statement(strings: TemplateStringsArray, ...values: StatementValue[]): Statement {
  return { strings: [...strings], values };
}

export interface AtCommit {
  /**
   * Runs `statement` just before the COMMIT of `tx`'s transaction, in the same round trip, after every statement
   * added before it. Inside a savepoint it goes with the savepoint: a savepoint rolled back drops it. Nothing comes
   * back from it: a caller that needs a result runs its statement in the transaction.
   */
  add(tx: Queryable, statement: Statement): void;
}

/** A Database as an opener hands it to start-up: with what the owner of the schema runs before serving. */
export interface OpenedDatabase extends Database {
  readonly admin: DatabaseAdmin;
}

/** Start-up's part: whether the server can serve, and bringing its schema up to date. */
export interface DatabaseAdmin {
  /**
   * Checks the server is fit to serve: reachable, and one that takes writes (Postgres: not a server in recovery).
   * Throws, on every dialect, a DatabaseRefusedError (PrimaryRequiredError for a server that takes no writes) when it
   * never will be as configured, an UnavailableError when it may be later.
   */
  verify(): Promise<void>;
  /** Runs pending migrations, each in its own transaction: the core's, then `extra` (a module's own schema). */
  migrate(extra?: readonly Migration[]): Promise<MigrationReport>;
}

export interface Locks {
  /**
   * Holds a lock named `key` until the transaction of `tx` ends, so writers taking the same key run one after the
   * other, across processes too. Call it inside `transaction`/`write` only.
   */
  lock(tx: Queryable, key: string): Promise<void>;
}

export interface Notifications {
  /** Sends `payload` to the listeners of `channel` when the transaction of `tx` commits; nothing if it rolls back. */
  notify(tx: Queryable, channel: string, payload: string): Promise<void>;
  /**
   * Listens on `channel` over a direct connection of its own, reconnecting while open. `connected` runs on every
   * (re)connection: messages sent while disconnected are lost.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Subscription>;
}

export interface ListenHandlers {
  message(payload: string): void;
  connected(): void;
  disconnected(err: Error): void;
}

export interface Subscription {
  /** Sends `payload` on the subscribed channel now, over the listening connection (outside any transaction). */
  send(payload: string): Promise<void>;
  /** How many connections of this program listen on this database (this one included); 0 while disconnected. */
  peers(): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
}
