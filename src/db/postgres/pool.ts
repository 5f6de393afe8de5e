// The one place that constructs pg pools. Scaling asks this file for its primary and replica pools, so the driver
// has a single owner. Callers depend on the small structural types below, not on pg's classes.
import pg from 'pg';

export interface PgQueryResult<R> {
  rows: R[];
  rowCount: number | null;
}
export interface PgClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PgQueryResult<R>>;
  release(err?: Error | boolean): void;
}
export interface PgPool {
  connect(): Promise<PgClient>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PgQueryResult<R>>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  /** How long to wait for a new connection, or for a pooled one when all are busy. */
  readonly connectionTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Recycle connections after this long, so a failover or DNS change is picked up. 0 = never. */
  readonly maxLifetimeSeconds: number;
  readonly applicationName: string;
}

export function createPool(options: PoolOptions, onError: (err: Error) => void): PgPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    application_name: options.applicationName,
  });
  // An idle client whose server goes away emits 'error' on the pool; unhandled, that would kill the process.
  pool.on('error', onError);
  // pg-pool listens for a client's errors only while it is idle. A server that ends a connection while the client is
  // checked out (a restart, pg_terminate_backend, a proxy recycling connections) emits 'error' on the client itself,
  // and with no listener that event kills the process. The query in flight, or the next one, fails with the error
  // and the client is no longer queryable, so pg-pool discards it on release; this listener only keeps it an error.
  pool.on('connect', (client: pg.PoolClient) => {
    client.on('error', () => undefined);
  });
  return pool as unknown as PgPool;
}
