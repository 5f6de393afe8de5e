// One PostgreSQL server of the set the router spreads work over: its Database (from the Postgres adapter, its
// connections run through this module's connector hook), a pool of its own for health checks (so a check never
// queues behind busy work), and what the router has learned about it.
import { redactUrl } from '../config/database-url.js';
import type { Queryable } from '../db/database.js';
import type { PostgresAdapter } from '../db/postgres/driver.js';
import type { PgPool } from '../db/postgres/pool.js';
import type { CommitReceipts, Committed } from './commit-receipts.js';
import type { NodeRole, NodeView } from './read-target.js';

export type NodeOrigin = 'database-url' | 'replicas';

export class DbNode implements NodeView {
  role: NodeRole = 'unknown';
  /** The role the node gave at its last answered check: an unreachable replica still counts for what it replayed. */
  answeredRole: 'primary' | 'replica' | undefined;
  /** Answered its last check and failed no query since. */
  healthy = false;
  lsn: bigint | undefined;
  lagBytes = 0;
  /** Infinity until a primary position is known to measure it against. */
  lagSeconds = Number.POSITIVE_INFINITY;
  outstanding = 0;
  readsServed = 0;
  writesServed = 0;
  ejections = 0;
  lastError: string | undefined;
  /** What the last failed check threw (undefined once one succeeds): verify tells a refusal from an outage by it. */
  lastFailure: unknown;
  lastCheckAt: number | undefined;
  /** A check in flight, so checks never pile up on a node that hangs. */
  checking: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly region: string | undefined,
    /** Where it is listed: a host of DATABASE_URL, an entry of DATABASE_REPLICAS, or both (one node per server). */
    readonly origins: ReadonlySet<NodeOrigin>,
    readonly db: PostgresAdapter,
    /** The pool `db` runs on, for its counts. */
    readonly pool: PgPool,
    readonly probe: PgPool,
    readonly receipts: CommitReceipts,
  ) {}

  /** A write on this node; with `wantPosition`, with the WAL position past its commit (see commit-receipts.ts). */
  write<T>(fn: (tx: Queryable) => Promise<T>, wantPosition: boolean): Promise<Committed<T>> {
    return this.receipts.write(this.db, fn, wantPosition);
  }

  get replayLsn(): bigint | undefined {
    return this.role === 'replica' ? this.lsn : undefined;
  }

  get listedInDatabaseUrl(): boolean {
    return this.origins.has('database-url');
  }

  /** Out of the read rotation until a check succeeds again. */
  eject(reason: string): boolean {
    this.lastError = reason;
    if (!this.healthy) return false;
    this.healthy = false;
    this.ejections++;
    return true;
  }
}

/** host:port of a node's URL: its name in logs, metrics and /v1/admin/pools (never the credentials). */
export function nodeName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}`;
  } catch {
    return redactUrl(url);
  }
}
