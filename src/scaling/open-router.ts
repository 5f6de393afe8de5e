// Opens the router: one node per server listed in DATABASE_URL (the read-write one becomes the primary) or
// DATABASE_REPLICAS, each with the Postgres adapter's Database and a one-connection pool for its health checks.
import type { Config } from '../config/config.js';
import { splitHosts } from '../config/database-url.js';
import { ConfigError } from '../errors.js';
import { postgresPoolSettings, type OpenHooks } from '../db/open.js';
import { openPostgres } from '../db/postgres/driver.js';
import { createPool, type PgPool } from '../db/postgres/pool.js';
import type { Logger } from '../server/logger.js';
import { boundedPool } from './bounded-pool.js';
import { CommitReceipts } from './commit-receipts.js';
import { Consistency } from './consistency.js';
import { HealthMonitor } from './health-monitor.js';
import { DbNode, nodeName, type NodeOrigin } from './node.js';
import type { ScalingSettings } from './options.js';
import { ReplicaRouter } from './router.js';

export interface NodeEntry {
  readonly url: string;
  readonly region: string | undefined;
  readonly origins: ReadonlySet<NodeOrigin>;
}

/** What makes two listings the same server: host (case-insensitive), port and database. */
function serverKey(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname.toLowerCase()}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return url;
  }
}

/**
 * The database nodes, one per server however often it is listed: each host of DATABASE_URL, then each replica of
 * DATABASE_REPLICAS not already named there. A server in both keeps DATABASE_URL's credentials and takes the
 * replica's region; its role is whatever it says at each check.
 */
export function nodeEntries(config: Config, settings: ScalingSettings): NodeEntry[] {
  if (config.database.dialect !== 'postgres') return [];
  const byKey = new Map<string, { url: string; region: string | undefined; origins: Set<NodeOrigin> }>();
  const add = (url: string, region: string | undefined, origin: NodeOrigin) => {
    const key = serverKey(url);
    const known = byKey.get(key);
    if (known) {
      known.origins.add(origin);
      known.region ??= region;
    } else byKey.set(key, { url, region, origins: new Set([origin]) });
  };
  for (const url of splitHosts(config.database.url)) add(url, undefined, 'database-url');
  for (const r of settings.replicas) add(r.url, r.region, 'replicas');
  return [...byKey.values()];
}

export function openRouter(config: Config, settings: ScalingSettings, logger: Logger, hooks: OpenHooks = {}, consistency = new Consistency()): ReplicaRouter {
  if (config.database.dialect !== 'postgres') throw new ConfigError('the scaling module routes PostgreSQL only; DATABASE_URL must be a postgres:// URL');
  const pool = postgresPoolSettings(config);
  // A check that hangs must not outlive a few intervals; a stopped server refuses at once anyway.
  const checkTimeoutMs = Math.max(1000, Math.min(config.connectTimeoutMs, settings.healthIntervalMs * 4));
  const receipts = new CommitReceipts();
  const nodes = nodeEntries(config, settings).map(({ url, region, origins }) => {
    // Set by openPostgres, which asks the hook for its pool as it opens; the node reads its counts.
    let bounded: PgPool | undefined;
    const db = openPostgres({
      url,
      ...pool,
      // A bounded wait queue per node: one more caller than DB_POOL_QUEUE_MAX is refused at once with a 503.
      connector: { pool: (created) => (bounded = boundedPool(created, pool.max, settings.queueMax)), connector: receipts.connector },
      ...(hooks.onMigration ? { onMigration: hooks.onMigration } : {}),
      ...(hooks.onPoolError ? { onPoolError: hooks.onPoolError } : {}),
    });
    const probe = createPool(
      {
        url,
        max: 1,
        connectionTimeoutMs: checkTimeoutMs,
        idleTimeoutMs: 0,
        // DB_STATEMENT_TIMEOUT_MS=0 is how one runs behind PgBouncer, which refuses the startup parameter.
        statementTimeoutMs: config.statementTimeoutMs === 0 ? 0 : checkTimeoutMs,
        // A frozen server answers nothing, not even a timeout of its own: the client side bounds every check.
        queryTimeoutMs: checkTimeoutMs,
        maxLifetimeSeconds: config.maxLifetimeSeconds,
        applicationName: `${pool.applicationName}/health`,
      },
      () => undefined, // a check's connection dying is seen by the next check
    );
    return new DbNode(nodeName(url), region, origins, db, bounded!, probe, receipts);
  });
  const monitor = new HealthMonitor(nodes, settings.healthIntervalMs, logger, { onRound: (lowest) => consistency.forgetUpTo(lowest) });
  monitor.start();
  return new ReplicaRouter(
    nodes,
    monitor,
    consistency,
    {
      region: settings.region,
      maxLagBytes: settings.maxLagBytes,
      maxLagSeconds: settings.maxLagSeconds,
      freshWithoutPrimaryMs: settings.credentialsWithoutPrimaryMs,
    },
    logger,
  );
}
