// Scaling: read replicas by region, health, lag, read-your-writes by WAL position and bounded pools
// (docs/architecture.md). Compiled into builds with `scaling: true`; the core reaches it only through the Feature seam.
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Feature, FeatureFactory, RequestFacts } from '../features/feature.js';
import { Consistency } from './consistency.js';
import { registerRouterMetrics } from './metrics.js';
import { nodeEntries, openRouter } from './open-router.js';
import { describeConsistencyToken } from './openapi.js';
import type { ScalingSettings } from './options.js';
import { SCALING_PERMISSIONS } from './permissions.js';
import { poolsRoute } from './pools-route.js';
import { scalingMigrations } from './migrations.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import type { ReplicaRouter } from './router.js';

function summaryOf(config: Config | undefined, settings: ScalingSettings | undefined): string {
  if (!config || !settings) return 'active: reads go to the replicas and standbys, writes to the read-write host of DATABASE_URL';
  const entries = nodeEntries(config, settings);
  const here = settings.region ? `; this server's region ${settings.region}` : '';
  if (entries.length <= 1) return `active: no replicas configured (DATABASE_REPLICAS), every query goes to the primary${here}`;
  const named = entries.filter((e) => e.origins.has('database-url')).length;
  const regions = [...new Set(entries.flatMap((e) => (e.region ? [e.region] : [])))];
  const listed = entries.length - named;
  const parts = [`${named} host${named === 1 ? '' : 's'} of DATABASE_URL`, ...(listed > 0 ? [`${listed} more in DATABASE_REPLICAS`] : [])];
  return `active: ${entries.length} database servers (${parts.join(', ')}${regions.length > 0 ? `; regions ${regions.join(', ')}` : ''}): writes go to the one that answers read-write, reads to the others in recovery${here}`;
}

export const createScaling: FeatureFactory<ScalingSettings> = (ctx): Feature => {
  const { settings } = ctx;
  const consistency = new Consistency();
  let router: ReplicaRouter | undefined;
  const current = (): ReplicaRouter => {
    if (!router) throw new DatabaseUnavailableError('the database is not up yet; retry shortly');
    return router;
  };
  return {
    name: 'scaling',
    summary: summaryOf(ctx.config, settings),
    async openDatabase(hooks) {
      if (!ctx.config || !settings) throw new ConfigError('the scaling module needs the configuration to open the database');
      // A retry after a failed start opens afresh; the failed router was closed by the caller.
      router = openRouter(ctx.config, settings, ctx.logger, hooks, consistency);
      return router;
    },
    // Read-your-writes needs a request scope only where a read can go to another node than the primary.
    ...(!ctx.config || !settings || nodeEntries(ctx.config, settings).length > 1 ? { openRequest: (facts: RequestFacts) => consistency.open(facts) } : {}),
    // Triggers that tell every instance of a change to tokens or members (security-position.ts).
    migrations: async (dialect) => (dialect === 'postgres' ? scalingMigrations() : []),
    registerMetrics: (registry) => registerRouterMetrics(registry, () => router),
    describeApi: describeConsistencyToken,
    permissions: SCALING_PERMISSIONS,
    registerRoutes: (app) => poolsRoute(app, current),
    async health() {
      const nodes = router?.report() ?? [];
      return {
        servers: nodes.length,
        replicas: nodes.filter((n) => n.role === 'replica').length,
        unreachable: nodes.filter((n) => n.role === 'unreachable').length,
        regions: [...new Set(nodes.flatMap((n) => (n.region ? [n.region] : [])))],
        region: settings?.region ?? null,
        primary: nodes.find((n) => n.role === 'primary' && n.serving)?.node ?? null,
        replicasServing: nodes.filter((n) => n.role === 'replica' && n.serving).length,
        serves: router?.serves() ?? { reads: false, writes: false },
        // 'replicas' once the security position lets token lookups leave the primary (security-position.ts).
        credentialsReadFrom: router?.credentialsFrom() ?? 'primary',
      };
    },
  };
};
