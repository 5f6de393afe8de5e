// The one database contract of the program. Everything above src/db/ talks to a `Database`, never to a driver;
// each dialect folder implements it, and the scaling module wraps it (a router is a Database too).
import type { Dialect } from '../variant.js';
import type { Migration, MigrationReport } from './migrator.js';
import type { Queryable, Tables } from './schema.js';

export type { MigrationReport, Queryable };

/**
 * What a dialect can do; generic code asks these instead of testing the dialect's name. Each has a reader: a
 * capability no code asks about does not belong here.
 */
export interface Capabilities {
  /**
   * Several writers at once (Postgres). Without it (SQLite, one writer) the transaction machine queues every
   * connection holder on one mutex (src/db/transactions.ts).
   */
  readonly concurrentWriters: boolean;
  /** `SELECT ... FOR UPDATE / FOR SHARE`, taken by src/domain/locks.ts where a decision must hold until commit. */
  readonly rowLocks: boolean;
  /** LISTEN/NOTIFY (Postgres): `listen` works, and `notify` reaches other processes; read by enterprise's RBAC cache. */
  readonly listenNotify: boolean;
  /**
   * `dataVersion()` works (SQLite): an in-process cache learns that another process committed without a query;
   * read by enterprise's RBAC cache.
   */
  readonly dataVersion: boolean;
}

export interface DatabaseHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
  /**
   * Whether reads and writes can be served now; absent means both follow `ok`. They differ where reads have
   * somewhere to go while writes do not (replicas while no primary answers); `ok` is then the reads'.
   */
  readonly reads?: boolean;
  readonly writes?: boolean;
  /** Pool or replica details, for /healthz and metrics. */
  readonly [key: string]: unknown;
}

/** How fresh a read must be. */
export interface ReadOptions {
  /**
   * The read decides something security depends on (a token's validity, a member's role): it must see every
   * committed write, so a router never serves it from a replica that may lag. Adapters with one server ignore it.
   * `'credentials'`: only every committed change to tokens and members (who the caller is, their role): a router
   * may serve it from a replica proven to have replayed all of them.
   */
  readonly fresh?: boolean | 'credentials';
}

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
  /** Read intent: may be served by a replica (scaling) or a separate read connection (SQLite). */
  read<T>(fn: (q: Queryable) => Promise<T>, options?: ReadOptions): Promise<T>;
  /** Write intent: a transaction on the primary. */
  write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Checks the server is fit to serve: reachable, and (Postgres) a primary, not a server in recovery. Throws, on every
   * dialect, a DatabaseRefusedError (PrimaryRequiredError for a replica) when it never will be as configured, an
   * UnavailableError when it may be later.
   */
  verify(): Promise<void>;
  /** Runs pending migrations, each in its own transaction: the core's, then `extra` (a feature's own schema). */
  migrate(extra?: readonly Migration[]): Promise<MigrationReport>;
  /**
   * Holds a lock named `key` until the transaction of `tx` ends, so writers taking the same key run one after the
   * other, across processes too. Postgres: a transaction-scoped advisory lock; SQLite: nothing to take, its single
   * writer already runs write transactions one at a time. Call it inside `transaction`/`write` only.
   */
  lock(tx: Queryable, key: string): Promise<void>;
  /** Sends `payload` to the listeners of `channel` when the transaction of `tx` commits; a no-op without listenNotify. */
  notify(tx: Queryable, channel: string, payload: string): Promise<void>;
  /**
   * Listens on `channel` over a direct connection of its own, reconnecting while open (capabilities.listenNotify;
   * throws elsewhere). `connected` runs on every (re)connection: messages sent while disconnected are lost.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Subscription>;
  /**
   * (capabilities.dataVersion) A number that differs from the one the previous call returned when any other
   * connection (another process on the same file) committed in between; this Database's own commits leave it as it
   * is. Synchronous: one pragma, no table read (SQLite's `PRAGMA data_version` on the writer connection).
   */
  dataVersion?(): number;
  health(): Promise<DatabaseHealth>;
  /** Idempotent; waits for work in progress. */
  close(): Promise<void>;
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
