// The one database contract of the program. Everything above src/db/ talks to a `Database`, never to a driver;
// each dialect folder implements it, and the scaling module wraps it (a router is a Database too).
import type { Dialect } from '../variant.js';
import type { DomainDb, Tables } from './schema.js';

/** What a dialect can do; generic code asks these instead of testing the dialect's name. */
export interface Capabilities {
  /** Several writers at once (Postgres); SQLite has one writer, serialised by the adapter's mutex. */
  readonly concurrentWriters: boolean;
  /** `SELECT ... FOR UPDATE`. */
  readonly rowLocks: boolean;
  readonly advisoryLocks: boolean;
  readonly listenNotify: boolean;
  /** WAL positions (LSNs) usable as consistency tokens for read-your-writes on replicas. */
  readonly walPositions: boolean;
}

export interface DatabaseHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
  /** Pool or replica details, for /healthz and metrics. */
  readonly [key: string]: unknown;
}

export interface MigrationReport {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

/** How fresh a read must be. */
export interface ReadOptions {
  /**
   * The read decides something security depends on (a token's validity, a member's role): it must see every
   * committed write, so a router never serves it from a replica that may lag. Adapters with one server ignore it.
   */
  readonly fresh?: boolean;
}

/** A query handle valid for the duration of one read, write or transaction callback. */
export type Queryable = DomainDb;

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
   * Checks the server is fit to serve: reachable, and (Postgres) a primary, not a server in recovery. Throws
   * PrimaryRequiredError when it never will be, an UnavailableError when it may be later.
   */
  verify(): Promise<void>;
  /** Runs pending migrations, each in its own transaction. */
  migrate(): Promise<MigrationReport>;
  health(): Promise<DatabaseHealth>;
  /** Idempotent; waits for work in progress. */
  close(): Promise<void>;
}
