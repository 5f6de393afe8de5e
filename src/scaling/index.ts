// Scaling: read replicas by region, health, lag, read-your-writes by WAL position and bounded pools
// (docs/architecture.md). Compiled into builds with `scaling: true`; the core reaches it only through the Feature seam.
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { Feature, FeatureFactory } from '../features/feature.js';
import { Consistency } from './consistency.js';
import { nodeEntries, openRouter } from './open-router.js';
import type { ScalingSettings } from './options.js';
import { SCALING_PERMISSIONS } from './permissions.js';
import { scalingPlugin } from './plugin.js';
import { scalingMigrations } from './migrations.js';
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
  return {
    name: 'scaling',
    summary: summaryOf(ctx.config, settings),
    async openDatabase(hooks) {
      if (!ctx.config || !settings) throw new ConfigError('the scaling module needs the configuration to open the database');
      // A retry after a failed start opens afresh; the failed router was closed by the caller.
      router = openRouter(ctx.config, settings, ctx.logger, hooks, consistency);
      return router;
    },
    // Triggers that tell every instance of a change to tokens or members (security-position.ts).
    migrations: async (dialect) => (dialect === 'postgres' ? scalingMigrations() : []),
    permissions: SCALING_PERMISSIONS,
    plugin: scalingPlugin({
      consistency,
      // Read-your-writes needs a request scope only where a read can go to another node than the primary.
      scoped: !ctx.config || !settings || nodeEntries(ctx.config, settings).length > 1,
      router: () => router,
      region: settings?.region ?? null,
    }),
  };
};
