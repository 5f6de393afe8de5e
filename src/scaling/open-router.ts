// Opens the router: one node per host of DATABASE_URL (the read-write one becomes the primary) and one per entry of
// DATABASE_REPLICAS, each with the Postgres adapter's Database and a one-connection pool for its health checks.
import type { Config } from '../config/config.js';
import { splitHosts } from '../config/database-url.js';
import { ConfigError } from '../errors.js';
import { postgresPoolSettings, type OpenHooks } from '../db/open.js';
import { openPostgres } from '../db/postgres/driver.js';
import { createPool } from '../db/postgres/pool.js';
import type { Logger } from '../server/logger.js';
import { Consistency } from './consistency.js';
import { HealthMonitor } from './health-monitor.js';
import { DbNode, nodeName, type NodeOrigin } from './node.js';
import type { ScalingSettings } from './options.js';
import { ReplicaRouter } from './router.js';

/** The database nodes: each host of DATABASE_URL (the read-write one becomes the primary), then each replica. */
export function nodeEntries(config: Config, settings: ScalingSettings): Array<{ url: string; region: string | undefined; origin: NodeOrigin }> {
  if (config.database.dialect !== 'postgres') return [];
  return [
    ...splitHosts(config.database.url).map((url) => ({ url, region: undefined, origin: 'database-url' as const })),
    ...settings.replicas.map((r) => ({ url: r.url, region: r.region, origin: 'replicas' as const })),
  ];
}

export function openRouter(config: Config, settings: ScalingSettings, logger: Logger, hooks: OpenHooks = {}, consistency = new Consistency()): ReplicaRouter {
  if (config.database.dialect !== 'postgres') throw new ConfigError('the scaling module routes PostgreSQL only; DATABASE_URL must be a postgres:// URL');
  const pool = postgresPoolSettings(config);
  // A check that hangs must not outlive a few intervals; a stopped server refuses at once anyway.
  const checkTimeoutMs = Math.max(1000, Math.min(config.connectTimeoutMs, settings.healthIntervalMs * 4));
  const nodes = nodeEntries(config, settings).map(({ url, region, origin }) => {
    const db = openPostgres({
      url,
      ...pool,
      role: 'any',
      maxWaiting: settings.queueMax,
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
    return new DbNode(nodeName(url), region, origin, db, probe);
  });
  const monitor = new HealthMonitor(nodes, settings.healthIntervalMs, logger, { onRound: (lowest) => consistency.forgetUpTo(lowest) });
  monitor.start();
  return new ReplicaRouter(nodes, monitor, consistency, { region: settings.region, maxLagBytes: settings.maxLagBytes, maxLagSeconds: settings.maxLagSeconds });
}
