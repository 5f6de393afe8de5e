// What the scaling tests share: a router opened from source on a test topology, configured through the same option
// table as the server, and per-node transaction counts read from PostgreSQL's own statistics.
import { randomUUID } from 'node:crypto';
import { loadConfiguration } from '../../src/config/config.js';
import { createLogger } from '../../src/server/logger.js';
import { openRouter } from '../../src/scaling/open-router.js';
import { scalingOptions } from '../../src/scaling/options.js';
import type { ReplicaRouter } from '../../src/scaling/router.js';
import { createDatabase, replicaUrl, waitForReplay, type PgTopologyInfo } from '../support/postgres/index.js';
import { databaseOf, queryOne } from '../support/postgres/sql.js';

/** A fresh database on the topology (replicated to every replica before this returns). */
export async function freshDatabase(info: PgTopologyInfo, prefix: string): Promise<{ url: string; replicaUrls: string[] }> {
  const url = await createDatabase(info, `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
  await waitForReplay(info);
  return { url, replicaUrls: info.replicas.map((r) => replicaUrl(url, r)) };
}

/** `region=url` for each replica: replica1 in eu, replica2 in us (the tests' two regions). */
export function replicaSetting(replicaUrls: string[]): string {
  return replicaUrls.map((u, i) => `${i === 0 ? 'eu' : 'us'}=${u}`).join(',');
}

/** A router as the server would open it from this environment; its log goes to `logger` (none by default). */
export function routerFor(env: Record<string, string>, logger = createLogger('silent')): ReplicaRouter {
  const { config, settings } = loadConfiguration({ DB_CONNECT_TIMEOUT_MS: '3000', ...env }, {}, [scalingOptions]);
  return openRouter(config, settings.of(scalingOptions)!, logger);
}

/** Committed transactions on the database at `url`, as that server counts them (pg_stat_database). */
export async function commits(url: string): Promise<number> {
  const row = await queryOne<{ n: string }>(url, 'select xact_commit::text as n from pg_stat_database where datname = $1', [databaseOf(url)]);
  return Number(row.n);
}
