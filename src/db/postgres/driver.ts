// The PostgreSQL adapter: a pg pool, transactions on one checked-out client (savepoints when nested), driver errors
// mapped to ours at this boundary. The scaling router wraps this same contract around several pools.
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgClient } from 'drizzle-orm/node-postgres';
import { redactUrl } from '../../config/database-url.js';
import type { Capabilities, Database, DatabaseHealth, Queryable } from '../database.js';
import { DatabaseUnavailableError, PrimaryRequiredError } from '../errors.js';
import { runMigrations } from '../migrator.js';
import type { Tables } from '../schema.js';
import { mapPostgresError } from './errors.js';
import { listen } from './listener.js';
import { postgresMigrationTarget, postgresMigrations } from './migrate.js';
import { createPool, type PgClient, type PgPool, type PoolOptions } from './pool.js';
import { tables } from './schema.js';

export interface PostgresOptions extends PoolOptions {
  readonly onMigration?: (tag: string, ms: number) => void;
  readonly onPoolError?: (err: Error) => void;
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


export function openPostgres(options: PostgresOptions): Database & { readonly pool: PgPool } {
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

  async function checkout(): Promise<PgClient> {
    if (closed) throw new DatabaseUnavailableError('the database is closing; retry on another instance');
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
    const outer = inTransaction.getStore();
    if (outer) {
      const name = `sp_${outer.depth + 1}`;
      await outer.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await inTransaction.run({ ...outer, depth: outer.depth + 1 }, () => fn(outer.db));
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
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
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is gone or unusable: do not hand it to the next caller.
        broken = rollbackErr as Error;
      }
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
    async read(fn) {
      const tx = inTransaction.getStore();
      if (tx) return fn(tx.db);
      if (closed) throw new DatabaseUnavailableError('the database is closing; retry on another instance');
      try {
        return await fn(poolDb);
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async verify() {
      try {
        await assertPrimary(pool, redactUrl(options.url));
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async migrate(extra = []) {
      try {
        return await runMigrations([...(await postgresMigrations()), ...extra], postgresMigrationTarget(pool), options.onMigration);
      } catch (err) {
        throw mapPostgresError(err);
      }
    },
    async lock(tx, key) {
      // hashtextextended maps any key to the 64-bit space of advisory locks; a collision only makes two keys queue.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
    },
    async notify(tx, channel, payload) {
      await tx.execute(sql`SELECT pg_notify(${channel}, ${payload})`);
    },
    listen(channel, handlers) {
      return listen({ url: options.url, applicationName: options.applicationName, connectionTimeoutMs: options.connectionTimeoutMs }, channel, handlers);
    },
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      const counts = { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
      try {
        const { rows } = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        const inRecovery = rows[0]?.r === true;
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

