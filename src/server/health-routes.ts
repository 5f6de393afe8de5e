// GET /healthz: liveness and what this build is (variant, flags, dialect, features and whether they do anything).
// GET /readyz: 200 when the server takes traffic and its database serves at least reads; 503 with the reason
// otherwise. `serves` says which of reads and writes. A read-only instance (no primary answers, replicas do) answers
// 200 with status `read-only`: the primary is shared by every instance, so taking this one out of a load balancer
// sends writes nowhere better and stops the reads it can still serve; each write gets its own 503 with Retry-After.
// A balancer that routes writes on their own asks `/readyz?need=writes`, which answers 503 while writes cannot be served.
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

  app.get<{ Querystring: { need?: string } }>('/readyz', async (request, reply) => {
    const r = await checkReadiness(runtime);
    const needWrites = request.query.need === 'writes';
    if (!r.ready || (needWrites && !r.serves.writes)) {
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({ status: r.ready ? 'read-only' : 'not_ready', state: r.state, reason: r.reason, serves: r.serves, ...(r.health ? { database: r.health } : {}) });
    }
    return {
      status: r.serves.writes ? 'ready' : 'read-only',
      dialect: runtime.config.database.dialect,
      serves: r.serves,
      ...(r.reason ? { reason: r.reason } : {}),
      database: r.health,
    };
  });
}
