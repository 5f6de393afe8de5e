// The one place that constructs pg pools. A module that opens pools of its own (one per server) asks this file for
// them, so the driver has a single owner. Callers depend on the small structural types below, not on pg's classes.
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

/**
 * The same pool, with `beforeAcquire` run wherever a connection is sought (connect for a transaction, query for a read
 * outside one); it may throw to refuse. What wraps the adapter's pool through its connector hook builds on this.
 */
export function gatedPool(pool: PgPool, beforeAcquire: () => void): PgPool {
  return {
    connect: () => {
      beforeAcquire();
      return pool.connect();
    },
    query: ((...args: Parameters<PgPool['query']>) => {
      beforeAcquire();
      return pool.query(...args);
    }) as PgPool['query'],
    end: () => pool.end(),
    on: (event, listener) => pool.on(event, listener),
    get totalCount() {
      return pool.totalCount;
    },
    get idleCount() {
      return pool.idleCount;
    },
    get waitingCount() {
      return pool.waitingCount;
    },
  };
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
  /**
   * Client-side bound on every query, in ms (0 or absent = none). statement_timeout only works while the server
   * answers; a frozen server, or one cut off by the network, leaves a pooled connection waiting forever without this.
   */
  readonly queryTimeoutMs?: number;
}

/** How soon an idle pooled connection starts TCP keepalive probes, so a dead peer is noticed without a query. */
export const KEEPALIVE_DELAY_MS = 10_000;

export function createPool(options: PoolOptions, onError: (err: Error) => void): PgPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    application_name: options.applicationName,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
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

/**
 * A one-connection pool of its own for health checks. /readyz asks whether the server answers, not whether the main
 * pool has a free connection: with every pooled connection busy on slow statements the server is up and serving, and
 * a readiness probe that queued behind them would take every instance out of the load balancer at once. Its query is
 * bounded by the connect timeout, so a frozen server makes /readyz say so promptly instead of hanging.
 */
export function createProbePool(options: PoolOptions, onError: (err: Error) => void): PgPool {
  const bound = options.connectionTimeoutMs;
  return createPool(
    {
      ...options,
      max: 1,
      idleTimeoutMs: Math.max(options.idleTimeoutMs, 1000),
      statementTimeoutMs: bound,
      queryTimeoutMs: bound,
      applicationName: `${options.applicationName} (health)`,
    },
    onError,
  );
}
