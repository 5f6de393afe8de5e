// The PostgreSQL adapter: a pg pool, each transaction on one checked-out client, driver errors mapped to ours by
// SQLSTATE. The transaction context, savepoints and the closing guard are the shared machine's (../transactions.ts).
// The scaling router composes several of these, one per node, into a Database of its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgClient } from 'drizzle-orm/node-postgres';
import { redactUrl } from '../../config/database-url.js';
import type { Capabilities, Database, DatabaseHealth, Queryable } from '../database.js';
import { DatabaseUnavailableError, PrimaryRequiredError } from '../errors.js';
import { runMigrations } from '../migrator.js';
import type { Tables } from '../schema.js';
import { TransactionMachine, type Connector } from '../transactions.js';
import { boundedPool } from './bounded-pool.js';
import { connectionLost, isWrongRole, mapPostgresError } from './errors.js';
import { postgresHandle } from './handle.js';
import { listen } from './listener.js';
import { postgresMigrationTarget, postgresMigrations } from './migrate.js';
import { createPool, createProbePool, type PgClient, type PgPool, type PoolOptions } from './pool.js';
import { tables } from './schema.js';

export interface PostgresOptions extends PoolOptions {
  readonly onMigration?: (tag: string, ms: number) => void;
  readonly onPoolError?: (err: Error) => void;
  /**
   * `primary` (default): verify() refuses a server in recovery. `any`: one node of a replicated set, which may be a
   * replica now and the primary after a failover; verify() only checks that it answers, a router decides its role.
   */
  readonly role?: 'primary' | 'any';
  /**
   * Callers allowed to wait for a pooled connection at once; one more is refused at once with a 503 rather than
   * queued (a bounded queue sheds load instead of piling up requests that would time out anyway). Default: unbounded.
   */
  readonly maxWaiting?: number;
}

/** A Postgres node's Database, with what a router over several of them needs. */
export interface PostgresNodeDatabase extends Database {
  readonly pool: PgPool;
  /**
   * write(), also returning the WAL position just past the commit: a replica whose replay position has reached it
   * sees the write. Inside a transaction it is a savepoint and the position is undefined (the outer commit counts).
   */
  writeAt<T>(fn: (tx: Queryable) => Promise<T>): Promise<{ result: T; position: string | undefined; notice: string | undefined }>;
}

/** What one top-level transaction of this adapter learns on its way: its commit position, a read-only server. */
interface Receipt {
  readonly wantPosition: boolean;
  position: string | undefined;
  /** What a trigger of the transaction left in the session setting COMMIT_NOTICE (see writeAt), if anything. */
  notice: string | undefined;
  wrongRole: boolean;
  /** The connection failed after the COMMIT: not to be reused. */
  broken?: Error;
}

/**
 * A session setting a trigger may set (set_config(..., false), so it outlives the COMMIT, and is undone with a
 * rollback) to tell the router something about the transaction that committed: read and cleared with its position.
 */
export const COMMIT_NOTICE = 'flagship.commit_notice';

// Any session's insert position read after our COMMIT returned is past our commit record. The notice is read in the
// same round trip, from a CTE so it is read before it is cleared.
const POSITION_SQL = `WITH n AS (SELECT nullif(current_setting('${COMMIT_NOTICE}', true), '') AS notice)
  SELECT pg_current_wal_insert_lsn()::text AS lsn, n.notice, CASE WHEN n.notice IS NOT NULL THEN set_config('${COMMIT_NOTICE}', '', false) END AS cleared FROM n`;

export const postgresCapabilities: Capabilities = Object.freeze({ concurrentWriters: true, rowLocks: true, listenNotify: true, dataVersion: false });

/** drizzle bound to a pool (each query on any idle client) or to one client (a transaction). */
function handle(conn: PgPool | PgClient): Queryable {
  return drizzle({ client: conn as unknown as NodePgClient, schema: tables, casing: 'snake_case' });
}

/** A server in recovery is a replica: writes would fail one by one, so we refuse it at once. */
export async function assertPrimary(pool: PgPool, redactedUrl: string): Promise<void> {
  const { rows } = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  if (rows[0]?.r) {
    throw new PrimaryRequiredError(
      `${redactedUrl} is a server in recovery (a read replica or a standby); DATABASE_URL must name the primary. Put replicas in DATABASE_REPLICAS instead.`,
    );
  }
}

/**
 * The machine's view of a pg pool: one checked-out client per transaction, reads outside one on the pool. Exported
 * so that a Database composed of several pools (the scaling router) can run its transactions on the same machine.
 */
export function postgresConnector(pool: PgPool, options: Pick<PoolOptions, 'max' | 'connectionTimeoutMs'>): Connector<PgClient> {
  // pg hands the same client objects out again and again; building drizzle (its dialect, session and relational
  // config) once per client instead of once per transaction keeps that cost off every write.
  const clientDbs = new WeakMap<PgClient, Queryable>();
  return {
    async acquire() {
      try {
        return await pool.connect();
      } catch (err) {
        if (/timeout exceeded/i.test((err as Error).message)) {
          throw new DatabaseUnavailableError(
            `all ${options.max} database connections stayed busy for ${options.connectionTimeoutMs} ms; retry shortly, or raise DB_POOL_MAX`,
            err,
          );
        }
        throw err;
      }
    },
    // A broken client is destroyed rather than handed to the next caller.
    release: (client, broken) => client.release(broken ?? false),
    control: async (client, statement) => void (await client.query(statement)),
    handle(client) {
      let db = clientDbs.get(client);
      if (!db) clientDbs.set(client, (db = handle(client)));
      return db;
    },
    reader: handle(pool),
    begin: 'BEGIN',
    mapError: mapPostgresError,
    lost: connectionLost,
    // pool.end() resolves once every checked-out client has been released and ended.
    close: () => pool.end(),
  };
}

export function openPostgres(options: PostgresOptions): PostgresNodeDatabase {
  const created = createPool(options, options.onPoolError ?? (() => undefined));
  const pool = options.maxWaiting === undefined ? created : boundedPool(created, options.max, options.maxWaiting);
  // The machine calls the connector within the transaction's async context, so a receipt opened around it sees the
  // COMMIT, the errors and the release of that transaction's connection.
  const receipts = new AsyncLocalStorage<Receipt>();
  const base = postgresConnector(pool, options);
  const connector: Connector<PgClient> = {
    ...base,
    async control(client, statement) {
      const receipt = receipts.getStore();
      await base.control(client, statement);
      if (statement !== 'COMMIT' || !receipt?.wantPosition) return;
      // The insert position read after COMMIT returned lies past the commit record, whatever synchronous_commit says.
      // It is a query of its own, not sent with the COMMIT: a connection cut between the two would turn a committed
      // write into an error. Once committed, the write succeeds; without its position it carries no token.
      try {
        const row = (await client.query<{ lsn: string; notice: string | null }>(POSITION_SQL)).rows[0];
        receipt.position = row?.lsn;
        receipt.notice = row?.notice ?? undefined;
      } catch (err) {
        receipt.broken = err as Error;
        // Another session: it knows no notice of ours (announcing then falls to the trigger's own NOTIFY).
        receipt.position = await created.query<{ lsn: string }>(POSITION_SQL).then(
          (r) => r.rows[0]?.lsn,
          () => undefined,
        );
      }
    },
    mapError(err) {
      const receipt = receipts.getStore();
      if (receipt && isWrongRole(err)) receipt.wrongRole = true;
      return base.mapError(err);
    },
    // A connection that found its server read-only was opened before a failover: never hand it out again.
    release(client, broken) {
      const receipt = receipts.getStore();
      base.release(client, broken ?? receipt?.broken ?? (receipt?.wrongRole ? new Error('the server is read-only under this connection') : undefined));
    },
  };
  const machine = new TransactionMachine(connector, postgresCapabilities);
  const probe = createProbePool(options, options.onPoolError ?? (() => undefined));
  let closed: Promise<void> | undefined;
  const run = <T>(fn: (tx: Queryable) => Promise<T>, wantPosition: boolean) => {
    const receipt: Receipt = { wantPosition, position: undefined, notice: undefined, wrongRole: false };
    return receipts.run(receipt, async () => ({ result: await machine.transaction(fn), position: receipt.position, notice: receipt.notice }));
  };

  return {
    dialect: 'postgres',
    capabilities: postgresCapabilities,
    tables: tables as unknown as Tables,
    pool,
    transaction: async (fn) => (await run(fn, false)).result,
    write: async (fn) => (await run(fn, false)).result,
    writeAt: (fn) => run(fn, true),
    read: (fn) => machine.read(fn),
    verify: () => machine.verify(async () => (options.role === 'any' ? void (await pool.query('SELECT 1')) : assertPrimary(pool, redactUrl(options.url)))),
    async migrate(extra = []) {
      try {
        return await runMigrations([...(await postgresMigrations()), ...extra], postgresMigrationTarget(pool), options.onMigration);
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async lock(tx, key) {
      // hashtextextended maps any key to the 64-bit space of advisory locks; a collision only makes two keys queue.
      await postgresHandle(tx).execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
    },
    async notify(tx, channel, payload) {
      await postgresHandle(tx).execute(sql`SELECT pg_notify(${channel}, ${payload})`);
    },
    listen(channel, handlers) {
      return listen({ url: options.url, applicationName: options.applicationName, connectionTimeoutMs: options.connectionTimeoutMs }, channel, handlers);
    },
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      const counts = { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
      try {
        const { rows } = await probe.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        const inRecovery = rows[0]?.r === true && options.role !== 'any';
        return {
          ok: !inRecovery,
          latencyMs: performance.now() - started,
          pool: counts,
          ...(inRecovery ? { detail: 'server is in recovery (not a primary)' } : {}),
        };
      } catch (err) {
        return { ok: false, latencyMs: performance.now() - started, pool: counts, detail: (mapPostgresError(err) as Error).message };
      }
    },
    close() {
      closed ??= Promise.all([machine.close(), probe.end()]).then(() => undefined);
      return closed;
    },
  };
}
