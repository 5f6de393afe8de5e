// The PostgreSQL adapter: a pg pool, each transaction on one checked-out client, driver errors mapped to ours by
// SQLSTATE. The transaction context, savepoints and the closing guard are the shared machine's (../transactions.ts).
// A caller that composes several adapters into a Database of its own shapes each one's connections through the
// connector hook (PostgresOptions.connector); the adapter itself knows one server.
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgClient } from 'drizzle-orm/node-postgres';
import { redactUrl } from '../../config/database-url.js';
import type { AtCommit, Capabilities, DatabaseHealth, Locks, Notifications, OpenedDatabase, Queryable } from '../database.js';
import { DatabaseUnavailableError, PrimaryRequiredError } from '../errors.js';
import { runMigrations } from '../migrator.js';
import type { Tables } from '../schema.js';
import { TransactionMachine, type Connector } from '../transactions.js';
import { connectionLost, mapPostgresError } from './errors.js';
import { postgresHandle } from './handle.js';
import { withPrelude } from './inline-statement.js';
import { listen } from './listener.js';
import { postgresMigrationTarget, postgresMigrations } from './migrate.js';
import { createPool, createProbePool, type PgClient, type PgPool, type PoolOptions } from './pool.js';
import { tables } from './schema.js';
import { usePreparedStatementNames } from '../prepared.js';

/**
 * How a caller that opens one adapter per server (a router over several) runs this one's connections. Each step
 * is given what the adapter would use and returns what it uses instead; both default to the adapter's own.
 */
export interface ConnectorHook {
  /** The pool transactions and reads run on, given the one the adapter created (to bound its queue, say). */
  pool?(created: PgPool): PgPool;
  /**
   * The transaction machine's view of that pool, given the adapter's own and the pool it created: to observe each
   * transaction's control statements (COMMIT), the errors it meets and the release of its connection. The machine
   * calls the connector within the transaction's async context.
   */
  connector?(base: Connector<PgClient>, created: PgPool): Connector<PgClient>;
}

export interface PostgresOptions extends PoolOptions {
  /** DB_PREPARED_STATEMENTS: 'named' prepares the hot queries once per connection (db/prepared.ts); absent leaves it as it is. */
  readonly preparedStatements?: 'named' | 'unnamed';
  readonly onMigration?: (tag: string, ms: number) => void;
  readonly onPoolError?: (err: Error) => void;
  readonly connector?: ConnectorHook;
}

/** The Postgres adapter's Database: the query contract with every facet PostgreSQL has. */
export interface PostgresAdapter extends OpenedDatabase {
  readonly locks: Locks;
  readonly notifications: Notifications;
  readonly atCommit: AtCommit;
  readonly dataVersion?: never;
  readonly readNow?: never;
}

export const postgresCapabilities: Capabilities = Object.freeze({ concurrentWriters: true, rowLocks: true });

/** drizzle bound to a pool (each query on any idle client) or to one client (a transaction). */
function handle(conn: PgPool | PgClient): Queryable {
  return drizzle({ client: conn as unknown as NodePgClient, schema: tables, casing: 'snake_case' });
}

/** A server in recovery takes no writes: they would fail one by one, so we refuse it at once. */
async function assertPrimary(pool: PgPool, redactedUrl: string): Promise<void> {
  const { rows } = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  if (rows[0]?.r) {
    throw new PrimaryRequiredError(`${redactedUrl} is a server in recovery (a read replica or a standby); DATABASE_URL must name the primary.`);
  }
}

/** The machine's view of a pg pool: one checked-out client per transaction, reads outside one on the pool. */
function postgresConnector(pool: PgPool, options: Pick<PoolOptions, 'max' | 'connectionTimeoutMs'>): Connector<PgClient> {
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
            'the server is too busy to take this request now; retry shortly',
          );
        }
        throw err;
      }
    },
    // A broken client is destroyed rather than handed to the next caller.
    release: (client, broken) => client.release(broken ?? false),
    // A COMMIT with a prelude is one parameterless query, which pg sends with the simple protocol: several statements
    // in one message, run in order until one fails, which skips the rest (the COMMIT too) and leaves the transaction
    // open in its failed state for the machine's ROLLBACK.
    control: async (client, statement, prelude) => void (await client.query(prelude?.length ? withPrelude(prelude, statement) : statement)),
    commitPrelude: true,
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

export function openPostgres(options: PostgresOptions): PostgresAdapter {
  if (options.preparedStatements) usePreparedStatementNames(options.preparedStatements === 'named');
  const onPoolError = options.onPoolError ?? (() => undefined);
  const created = createPool(options, onPoolError);
  const pool = options.connector?.pool?.(created) ?? created;
  const base = postgresConnector(pool, options);
  const machine = new TransactionMachine(options.connector?.connector?.(base, created) ?? base, postgresCapabilities);
  const probe = createProbePool(options, onPoolError);
  let closed: Promise<void> | undefined;

  return {
    dialect: 'postgres',
    capabilities: postgresCapabilities,
    tables: tables as unknown as Tables,
    transaction: (fn) => machine.transaction(fn),
    write: (fn) => machine.transaction(fn),
    read: (fn) => machine.read(fn),
    admin: {
      verify: () => machine.verify(() => assertPrimary(pool, redactUrl(options.url))),
      async migrate(extra = []) {
        try {
          return await runMigrations([...(await postgresMigrations()), ...extra], postgresMigrationTarget(pool), options.onMigration);
        } catch (err) {
          throw mapPostgresError(err);
        }
      },
    },
    atCommit: { add: (tx, statement) => machine.atCommit(tx, statement) },
    locks: {
      async lock(tx, key) {
        // hashtextextended maps any key to the 64-bit space of advisory locks; a collision only makes two keys queue.
        await postgresHandle(tx).execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
      },
    },
    notifications: {
      async notify(tx, channel, payload) {
        await postgresHandle(tx).execute(sql`SELECT pg_notify(${channel}, ${payload})`);
      },
      listen(channel, handlers) {
        return listen({ url: options.url, applicationName: options.applicationName, connectionTimeoutMs: options.connectionTimeoutMs }, channel, handlers);
      },
    },
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      const counts = { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
      try {
        const { rows } = await probe.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        const inRecovery = rows[0]?.r === true;
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
