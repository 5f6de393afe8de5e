// GET /healthz: liveness and what this build is (variant, flags, dialect, features and whether they do anything).
// GET /readyz: 200 only when the database answers and the server takes traffic; 503 with the reason otherwise.
import type { FastifyInstance } from 'fastify';
import { variant } from '../variant.js';
import type { Feature } from '../features/feature.js';
import { checkReadiness } from './readiness.js';
import type { Runtime } from './runtime.js';

export function describeBuild(features: readonly Feature[]) {
  return {
    variant: variant.name,
    version: variant.version,
    flags: { dialects: variant.dialects, scaling: variant.scaling, enterprise: variant.enterprise, testing: variant.testing },
    features: features.map((f) => ({ name: f.name, status: f.status, summary: f.summary })),
  };
}

export async function registerHealthRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  app.get('/healthz', async () => {
    const featureHealth: Record<string, unknown> = {};
    for (const f of runtime.features) if (f.health) featureHealth[f.name] = await f.health();
    return {
      status: 'ok',
      ...describeBuild(runtime.features),
      dialect: runtime.config.database.dialect,
      state: runtime.state,
      uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 1000),
      ...(Object.keys(featureHealth).length > 0 ? { featureHealth } : {}),
    };
  });

  app.get('/readyz', async (_request, reply) => {
    const r = await checkReadiness(runtime);
    if (!r.ready) {
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({ status: 'not_ready', state: r.state, reason: r.reason, ...(r.health ? { database: r.health } : {}) });
    }
    return { status: 'ready', dialect: runtime.config.database.dialect, database: r.health };
  });
}
