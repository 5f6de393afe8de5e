// The replica router: a Database over one Postgres Database per node (each from the Postgres adapter, so
// transactions, savepoints and error mapping are the adapter's). Writes and transactions go to the primary the health
// monitor found, and so does every query made inside one (an AsyncLocalStorage pin); reads go where
// chooseReadTarget says, and a read whose node fails under it (or a replica that cannot take it) is retried once
// elsewhere: on a replica while the primary is gone.
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  AtCommit,
  Capabilities,
  DatabaseAdmin,
  DatabaseHealth,
  ListenHandlers,
  Locks,
  MigrationReport,
  Notifications,
  OpenedDatabase,
  Queryable,
  ReadOptions,
  Subscription,
} from '../db/database.js';
import { AS_IS, DatabaseMisconfiguredError, DatabaseRefusedError, DatabaseUnavailableError, PrimaryRequiredError } from '../db/errors.js';
import { postgresCapabilities } from '../db/postgres/driver.js';
import { connectionLost, isReadOnly, mapPostgresError } from '../db/postgres/errors.js';
import type { Migration } from '../db/migrator.js';
import type { Tables } from '../db/schema.js';
import { UnavailableError } from '../errors.js';
import type { Consistency } from './consistency.js';
import type { HealthMonitor } from './health-monitor.js';
import { parseLsn } from './lsn.js';
import type { DbNode } from './node.js';
import type { NodeReport } from './node-report.js';
import { SECURITY_NOTICE, SecurityPosition } from './security-position.js';
import { SECURITY_TRIGGERS } from './migrations.js';
import type { Logger } from '../server/logger.js';
import { chooseReadTarget, freshWithoutPrimary, mostCaughtUp, primaryReachable, unfitBecause, type ReadNeed, type RoutingPolicy } from './read-target.js';

export type { NodeReport } from './node-report.js';

export class ReplicaRouter implements OpenedDatabase {
  readonly dialect = 'postgres' as const;
  readonly capabilities: Capabilities = postgresCapabilities;
  readonly tables: Tables;
  /** Set while a write or transaction runs: every query under it stays on that node. */
  readonly #pin = new AsyncLocalStorage<DbNode>();
  #turn = 0;
  /** Every read must see this position: the schema as migrated at start, so no replica answers without a table. */
  #floor: bigint | undefined;
  #closed: Promise<void> | undefined;

  /**
   * Whether writes learn their WAL position: only a node other than the primary can serve a read that lags, so with
   * one node there is nothing to keep reads consistent with, and the round trip after each COMMIT is saved.
   */
  readonly #tracksPositions: boolean;
  /** Where credentials reads may go besides the primary (only with replicas to send them to). */
  readonly #security: SecurityPosition | undefined;
  #securityStarted = false;

  constructor(
    readonly nodes: readonly DbNode[],
    readonly monitor: HealthMonitor,
    readonly consistency: Consistency,
    readonly policy: RoutingPolicy,
    logger?: Logger,
  ) {
    this.tables = nodes[0]!.db.tables;
    this.#tracksPositions = nodes.length > 1;
    this.#security =
      this.#tracksPositions && logger
        ? new SecurityPosition({
            listen: (channel, handlers) => this.notifications.listen(channel, handlers),
            primaryPosition: () => this.#primaryPosition(),
            logger,
          })
        : undefined;
  }

  // The security position's own queries go on the primary's health-check connection, so they never take a place
  // in the pool or its queue from a request.
  async #primaryPosition(): Promise<bigint> {
    const { rows } = await this.#primary().probe.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const lsn = parseLsn(rows[0]?.lsn);
    if (lsn === undefined) throw new DatabaseUnavailableError('the primary gave no WAL position; retry shortly', undefined, AS_IS);
    return lsn;
  }

  async #securityTriggers(): Promise<boolean> {
    const { rows } = await this.#primary().probe.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = ANY($1)', [
      [...SECURITY_TRIGGERS],
    ]);
    return rows[0]?.n === SECURITY_TRIGGERS.length;
  }

  /** Where a credentials read (token lookup, /v1/me) would go now: a replica once the security position allows it. */
  credentialsFrom(): 'replicas' | 'primary' {
    const floor = this.#security?.floor;
    if (floor === undefined) return 'primary';
    const need = { fresh: true, freshFrom: floor, minLsn: this.#floor };
    return chooseReadTarget(this.nodes, need, this.policy, 0, this.monitor.primaryAbsentMs()) === 'primary' ? 'primary' : 'replicas';
  }

  /** The newest security change every credentials read must see, or undefined while only the primary can tell. */
  get securityFloor(): bigint | undefined {
    return this.#security?.floor;
  }

  #primary(): DbNode {
    if (this.#closed) throw new DatabaseUnavailableError('the database is closing; retry on another instance', undefined, AS_IS);
    const primary = this.monitor.primary;
    if (!primary)
      throw new DatabaseUnavailableError(
        'no database node answers read-write yet (the primary is down or a failover is in progress); retry shortly',
        undefined,
        AS_IS,
      );
    // Its last check found it gone: refuse now rather than after a connect timeout.
    if (primary.role === 'unreachable')
      throw new DatabaseUnavailableError(
        `the primary (${primary.name}) does not answer (${primary.lastError ?? 'no answer'}); retry shortly`,
        undefined,
        'the primary database does not answer; retry shortly',
      );
    return primary;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#write(fn);
  }

  write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#write(fn);
  }

  async #write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const pinned = this.#pin.getStore();
    // Nested: a savepoint in the enclosing transaction, on its node.
    if (pinned) return pinned.db.transaction(fn);
    const node = this.#primary();
    node.outstanding++;
    try {
      const { result, position, notice } = await this.#pin.run(node, () => node.write(fn, this.#tracksPositions));
      node.writesServed++;
      const lsn = parseLsn(position);
      if (lsn !== undefined) {
        this.monitor.noteWrite(node, lsn);
        this.consistency.wrote(lsn);
        // A change to tokens or members: the answer waits until every instance knows its position.
        if (notice === SECURITY_NOTICE) await this.#security?.announce(lsn);
      }
      return result;
    } catch (err) {
      if (isReadOnly(err)) this.monitor.checkSoon();
      else if (connectionLost(err)) this.monitor.suspect(node, (err as Error).message);
      throw err;
    } finally {
      node.outstanding--;
    }
  }

  async read<T>(fn: (q: Queryable) => Promise<T>, options?: ReadOptions): Promise<T> {
    const pinned = this.#pin.getStore();
    // Inside a write or transaction: the node's own adapter runs it on the transaction's connection.
    if (pinned) return pinned.db.read(fn);
    const required = this.consistency.required();
    const fresh = options?.fresh === 'credentials' || options?.fresh === true;
    const freshFrom = options?.fresh === 'credentials' ? this.#security?.floor : undefined;
    const need = { fresh, freshFrom, minLsn: this.#floor !== undefined && (required === undefined || this.#floor > required) ? this.#floor : required };
    const first = this.#target(need);
    try {
      return await this.#readOn(first, fn);
    } catch (err) {
      // Retried once elsewhere (reads only): when the node went away under it, or a replica could not take it (its
      // pool full). A lost primary was just suspected, so a fresh read now goes to the most caught-up replica.
      const isPrimary = first === this.monitor.primary;
      if (!connectionLost(err) && (isPrimary || !(err instanceof UnavailableError))) throw err;
      const exclude = new Set([first.name]);
      const choice = chooseReadTarget(this.nodes, { ...need, exclude }, this.policy, this.#turn++, this.monitor.primaryAbsentMs());
      if (choice === 'primary' && isPrimary) throw err;
      return this.#readOn(choice === 'primary' ? this.#primaryFor(need) : choice, fn);
    }
  }

  #target(need: ReadNeed): DbNode {
    const choice = chooseReadTarget(this.nodes, need, this.policy, this.#turn++, this.monitor.primaryAbsentMs());
    return choice === 'primary' ? this.#primaryFor(need) : choice;
  }

  /** The primary for a read sent there; a fresh read refused a replica for the time without one is told why. */
  #primaryFor(need: ReadNeed): DbNode {
    // Only while no primary answers: a fresh read sent to a primary that answers is the normal case, and costs nothing here.
    if (need.fresh && !primaryReachable(this.nodes) && mostCaughtUp(this.nodes, need)) {
      const refused = this.#credentialsRefused();
      if (refused)
        throw new DatabaseUnavailableError(
          `${refused}; retry once a primary answers, or raise CREDENTIALS_WITHOUT_PRIMARY_MS`,
          undefined,
          'tokens and permissions cannot be checked while the primary database does not answer; retry shortly',
        );
    }
    return this.#primary();
  }

  /** Why no replica checks tokens and permissions now, or undefined while a primary answers or one still may. */
  #credentialsRefused(): string | undefined {
    const absentMs = this.monitor.primaryAbsentMs();
    if (primaryReachable(this.nodes) || freshWithoutPrimary(this.policy, absentMs)) return undefined;
    // In whole milliseconds (rounded up, should the clock give fractions): a time past the bound reads as past it, where
    // seconds to one decimal read 3040 ms as 3.0 s beside a bound of 3000 ms.
    const since = Number.isFinite(absentMs) ? `for ${Math.ceil(absentMs)} ms` : 'since this instance started';
    return `no primary has answered ${since}, longer than CREDENTIALS_WITHOUT_PRIMARY_MS (${this.policy.freshWithoutPrimaryMs} ms) lets a replica check tokens and permissions: one cut off from a primary that still commits may have missed a revocation`;
  }

  async #readOn<T>(node: DbNode, fn: (q: Queryable) => Promise<T>): Promise<T> {
    node.outstanding++;
    try {
      const result = await node.db.read(fn);
      node.readsServed++;
      return result;
    } catch (err) {
      if (connectionLost(err)) this.monitor.suspect(node, (err as Error).message);
      throw err;
    } finally {
      node.outstanding--;
    }
  }

  /**
   * Fit to serve once a primary is found. Refuses for good (PrimaryRequiredError) when every host of DATABASE_URL
   * answers and each is a server in recovery; unreachable hosts may still come up, so that is only "unavailable".
   */
  async #verify(): Promise<void> {
    await this.monitor.round();
    if (this.monitor.primary) {
      this.monitor.announce();
      this.#startSecurity();
      return;
    }
    const named = this.nodes.filter((n) => n.listedInDatabaseUrl);
    if (named.every((n) => n.healthy && n.role === 'replica')) {
      throw new PrimaryRequiredError(
        `${named.map((n) => n.name).join(', ')} ${named.length === 1 ? 'is a server' : 'are servers'} in recovery (a read replica or a standby); DATABASE_URL must name the primary (several hosts allowed: the read-write one is used). Put replicas in DATABASE_REPLICAS instead.`,
      );
    }
    // A host that refuses us (wrong credentials, no such database) or does not resolve will not change its mind.
    for (const n of named) {
      if (n.lastFailure === undefined) continue;
      const mapped = mapPostgresError(n.lastFailure);
      if (mapped instanceof DatabaseMisconfiguredError || mapped instanceof DatabaseRefusedError || !connectionLost(n.lastFailure)) throw mapped;
    }
    const why = named.map((n) => `${n.name}: ${n.lastError ?? n.role}`).join('; ');
    throw new DatabaseUnavailableError(
      `no host of DATABASE_URL answers read-write (${why}); retry shortly`,
      undefined,
      'no database server answers read-write (the primary is down or a failover is in progress); retry shortly',
    );
  }

  /** Listens for security changes once a primary is known; until it is up credentials reads go to the primary. */
  #startSecurity(): void {
    if (!this.#security || this.#securityStarted) return;
    this.#securityStarted = true;
    const security = this.#security;
    // Without the triggers (a schema not migrated yet) no change would be announced: the primary serves them all.
    const attempt = (): void => {
      if (this.#closed) return;
      this.#securityTriggers()
        .then((present) => (present ? security.start() : Promise.reject(new Error('security triggers not migrated yet'))))
        .catch(() => setTimeout(attempt, 2000).unref());
    };
    attempt();
  }

  /** The core's migrations and `extra` (the modules'), on the primary; replicas get them by replication. */
  async #migrate(extra: readonly Migration[] = []): Promise<MigrationReport> {
    const primary = this.#primary();
    const report = await primary.db.admin.migrate(extra);
    // The position after migrating, read with a no-op write on the primary.
    const { position } = await primary.write(async () => undefined, true);
    this.#floor = parseLsn(position);
    return report;
  }

  /** Start-up's part, as the adapter has it: verify finds the primary, migrate runs there. */
  readonly admin: DatabaseAdmin = { verify: () => this.#verify(), migrate: (extra) => this.#migrate(extra) };

  /** Inside a write or transaction only, so on the node that runs it (the primary). */
  readonly locks: Locks = { lock: (tx: Queryable, key: string) => (this.#pin.getStore() ?? this.#primary()).db.locks.lock(tx, key) };

  /** Inside a write or transaction only: sent with the COMMIT of the node that runs it. */
  readonly atCommit: AtCommit = { add: (tx, statement) => (this.#pin.getStore() ?? this.#primary()).db.atCommit.add(tx, statement) };

  /**
   * `notify` inside a write or transaction only: delivered at its commit by the primary that runs it. `listen` on the
   * primary, moving to a new one after a failover.
   */
  readonly notifications: Notifications = {
    notify: (tx, channel, payload) => (this.#pin.getStore() ?? this.#primary()).db.notifications.notify(tx, channel, payload),
    listen: (channel, handlers) => this.#listen(channel, handlers),
  };

  /**
   * Listens on the primary, where every NOTIFY is sent (replicas refuse LISTEN). While its connection is down the
   * subscription looks for a new primary each time it is told so, and moves there after a failover.
   */
  async #listen(channel: string, handlers: ListenHandlers): Promise<Subscription> {
    let node = this.#primary();
    let current: Subscription | undefined;
    let closed = false;
    let moving = false;
    const open = async (target: DbNode): Promise<void> => {
      node = target;
      current = await target.db.notifications.listen(channel, {
        message: (payload) => handlers.message(payload),
        connected: () => handlers.connected(),
        disconnected: (err) => {
          handlers.disconnected(err);
          void follow();
        },
      });
      if (closed) await current.close();
    };
    const follow = async (): Promise<void> => {
      const primary = this.monitor.primary;
      // Still the same primary: its own listener reconnects.
      if (closed || moving || !primary || (primary === node && current)) return;
      moving = true;
      const old = current;
      current = undefined;
      try {
        await old?.close().catch(() => undefined);
        if (!closed) await open(primary);
      } catch (err) {
        handlers.disconnected(err as Error);
        setTimeout(() => void follow(), 1000).unref();
      } finally {
        moving = false;
      }
    };
    await open(node);
    return {
      send: (payload) => {
        if (!current) return Promise.reject(new DatabaseUnavailableError('the listener is moving to a new primary; retry shortly', undefined, AS_IS));
        return current.send(payload);
      },
      peers: async () => (current ? current.peers() : 0),
      async close() {
        closed = true;
        await current?.close();
      },
    };
  }

  /** What this instance can serve now, from the nodes' last known states: writes need the primary, reads any node. */
  serves(): { reads: boolean; writes: boolean } {
    const primary = this.monitor.primary;
    const writes = primary?.healthy === true && primary.role === 'primary' && !this.#closed;
    // Every request but the public ones checks a token, a fresh read: past the time a replica may answer those, the
    // instance serves no reads worth routing to it.
    const reads = writes || (!this.#closed && freshWithoutPrimary(this.policy, this.monitor.primaryAbsentMs()) && mostCaughtUp(this.nodes, {}) !== undefined);
    return { writes, reads };
  }

  async health(): Promise<DatabaseHealth> {
    // A fresh round (coalesced with one in flight, bounded by the check timeout): /readyz must see a node that
    // went away since the last interval.
    const started = performance.now();
    await this.monitor.round();
    const primary = this.monitor.primary;
    const { reads, writes } = this.serves();
    const replicasUp = this.nodes.filter((n) => n.role === 'replica' && n.healthy).length;
    // Replicas answer but may not check tokens: the reason is that, not a database gone.
    const refused = !reads && mostCaughtUp(this.nodes, {}) ? this.#credentialsRefused() : undefined;
    const pool = primary ? { total: primary.pool.totalCount, idle: primary.pool.idleCount, waiting: primary.pool.waitingCount } : undefined;
    return {
      ok: reads,
      reads,
      writes,
      latencyMs: performance.now() - started,
      ...(pool ? { pool } : {}),
      primary: writes ? primary!.name : null,
      replicasUp,
      ...(writes
        ? {}
        : {
            detail: reads
              ? 'read-only: no primary answers, reads go to the most caught-up replica and writes answer 503 until the primary is back or a replica is promoted'
              : refused
                ? `${refused}; every authenticated request answers 503 until a primary answers`
                : 'no database node answers',
          }),
    };
  }

  /** Every node as the router sees it now. */
  report(): NodeReport[] {
    const primary = this.monitor.primary;
    return this.nodes.map((n) => {
      const { pool } = n;
      const isPrimary = n === primary && n.role === 'primary';
      return {
        node: n.name,
        region: n.region ?? null,
        role: n.role,
        serving: isPrimary ? n.healthy : unfitBecause(n, { minLsn: this.#floor }, this.policy) === undefined,
        healthy: n.healthy,
        lagBytes: n.lagBytes,
        lagSeconds: Number.isFinite(n.lagSeconds) ? Math.round(n.lagSeconds * 1000) / 1000 : null,
        inUse: pool.totalCount - pool.idleCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        readsServed: n.readsServed,
        writesServed: n.writesServed,
        ejections: n.ejections,
        lastError: n.lastError ?? null,
      };
    });
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.monitor.stop();
      await this.#security?.close();
      await Promise.all(
        this.nodes.map(async (n) => {
          await n.checking;
          await Promise.all([n.db.close(), n.probe.end()]);
        }),
      );
    })();
    return this.#closed;
  }
}
