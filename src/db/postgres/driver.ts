// The PostgreSQL adapter: a pg pool, transactions on one checked-out client (savepoints when nested), driver errors
// mapped to ours at this boundary. The scaling router wraps this same contract around several pools.
import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle, type NodePgClient } from 'drizzle-orm/node-postgres';
import { redactUrl } from '../../config/database-url.js';
import type { Capabilities, Database, DatabaseHealth, Queryable } from '../database.js';
import { DatabaseUnavailableError, PrimaryRequiredError } from '../errors.js';
import { runMigrations } from '../migrator.js';
import type { Tables } from '../schema.js';
import { isWrongRole, mapPostgresError } from './errors.js';
import { postgresMigrationTarget, postgresMigrations } from './migrate.js';
import { createPool, type PgClient, type PgPool, type PgQueryResult, type PoolOptions } from './pool.js';
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
export interface PostgresDatabase extends Database {
  readonly pool: PgPool;
  /**
   * write(), also returning the WAL position just past the commit (read on the same connection after COMMIT): a
   * replica whose replay position has reached it sees the write. Inside a transaction it is a savepoint and the
   * position is undefined (the outer commit's is what counts).
   */
  writeAt<T>(fn: (tx: Queryable) => Promise<T>): Promise<{ result: T; position: string | undefined }>;
}

export const postgresCapabilities: Capabilities = Object.freeze({
  concurrentWriters: true,
  rowLocks: true,
  advisoryLocks: true,
  listenNotify: true,
  walPositions: true,
});

const drizzleOptions = { schema: tables, casing: 'snake_case' as const };

/** Wraps a handle of drizzle bound to a pool or a client in the domain's type (see src/db/schema.ts). */
function handle(conn: PgPool | PgClient): Queryable {
  return drizzle({ client: conn as unknown as NodePgClient, ...drizzleOptions }) as unknown as Queryable;
}

/** A server in recovery is a replica: writes would fail one by one, so we refuse it at once. */
export async function assertPrimary(pool: PgPool, redactedUrl: string): Promise<void> {
  const { rows } = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  if (rows[0]?.r) {
    throw new PrimaryRequiredError(`${redactedUrl} is a server in recovery (a read replica or a standby); DATABASE_URL must name the primary. Put replicas in DATABASE_REPLICAS instead.`);
  }
}


export function openPostgres(options: PostgresOptions): PostgresDatabase {
  const pool = createPool(options, options.onPoolError ?? (() => undefined));
  const poolDb = handle(pool);
  // pg hands the same client objects out again and again; building drizzle (its dialect, session and relational
  // config) once per client instead of once per transaction keeps that cost off every write.
  const clientDbs = new WeakMap<PgClient, Queryable>();
  const clientDb = (client: PgClient): Queryable => {
    let db = clientDbs.get(client);
    if (!db) clientDbs.set(client, (db = handle(client)));
    return db;
  };
  const inTransaction = new AsyncLocalStorage<{ client: PgClient; db: Queryable; depth: number }>();
  let closed: Promise<void> | undefined;

  function admit(): void {
    if (closed) throw new DatabaseUnavailableError('the database is closing; retry on another instance');
    if (options.maxWaiting !== undefined && pool.totalCount >= options.max && pool.idleCount === 0 && pool.waitingCount >= options.maxWaiting) {
      throw new DatabaseUnavailableError(`all ${options.max} database connections are busy and ${pool.waitingCount} callers already wait for one; retry shortly, or raise DB_POOL_MAX or DB_POOL_QUEUE_MAX`);
    }
  }

  async function checkout(): Promise<PgClient> {
    admit();
    try {
      return await pool.connect();
    } catch (err) {
      if (/timeout exceeded/i.test((err as Error).message)) {
        throw new DatabaseUnavailableError(`all ${options.max} database connections stayed busy for ${options.connectionTimeoutMs} ms; retry shortly, or raise DB_POOL_MAX`, err);
      }
      throw mapPostgresError(err);
    }
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return (await transactionAt(fn, false)).result;
  }

  async function transactionAt<T>(fn: (tx: Queryable) => Promise<T>, withPosition: boolean): Promise<{ result: T; position: string | undefined }> {
    const outer = inTransaction.getStore();
    if (outer) {
      const name = `sp_${outer.depth + 1}`;
      await outer.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await inTransaction.run({ ...outer, depth: outer.depth + 1 }, () => fn(outer.db));
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        return { result, position: undefined };
      } catch (err) {
        await outer.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw mapPostgresError(err);
      }
    }
    const client = await checkout();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const db = clientDb(client);
      const result = await inTransaction.run({ client, db, depth: 0 }, () => fn(db));
      if (!withPosition) {
        await client.query('COMMIT');
        return { result, position: undefined };
      }
      // The insert position read after COMMIT lies past the commit record (whatever synchronous_commit says). Sent
      // with it as one simple query, so it costs no extra round trip; a failing COMMIT skips the SELECT.
      const replies = (await client.query('COMMIT; SELECT pg_current_wal_insert_lsn()::text AS lsn')) as unknown as Array<PgQueryResult<{ lsn: string }>>;
      return { result, position: replies[1]?.rows[0]?.lsn };
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is gone or unusable: do not hand it to the next caller.
        broken = rollbackErr as Error;
      }
      // A connection that finds its server read-only was opened before a failover: never hand it out again.
      if (isWrongRole(err)) broken ??= err as Error;
      throw mapPostgresError(err);
    } finally {
      client.release(broken ?? false);
    }
  }

  return {
    dialect: 'postgres',
    capabilities: postgresCapabilities,
    tables: tables as unknown as Tables,
    pool,
    transaction,
    write: transaction,
    writeAt: (fn) => transactionAt(fn, true),
    async read(fn) {
      const tx = inTransaction.getStore();
      if (tx) return fn(tx.db);
      admit();
      try {
        return await fn(poolDb);
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async verify() {
      try {
        if (options.role === 'any') await pool.query('SELECT 1');
        else await assertPrimary(pool, redactUrl(options.url));
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async migrate() {
      try {
        return await runMigrations(await postgresMigrations(), postgresMigrationTarget(pool), options.onMigration);
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      const counts = { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
      try {
        const { rows } = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        const inRecovery = rows[0]?.r === true && options.role !== 'any';
        return { ok: !inRecovery, latencyMs: performance.now() - started, pool: counts, ...(inRecovery ? { detail: 'server is in recovery (not a primary)' } : {}) };
      } catch (err) {
        return { ok: false, latencyMs: performance.now() - started, pool: counts, detail: (mapPostgresError(err) as Error).message };
      }
    },
    close() {
      // pool.end() resolves once every checked-out client has been released and ended.
      closed ??= pool.end();
      return closed;
    },
  };
}

