// GET /healthz: liveness and what this build is (variant, flags, dialect, features and whether they do anything).
// GET /readyz: 200 only when the database answers and the server takes traffic; 503 with the reason otherwise.
// Two audiences: anyone (a load balancer, a tenant, an attacker) learns the status alone, from the status code and
// `{"status"}`; the operator (server/operator.ts) gets every detail the core and the features report. The details
// name database hosts and their errors, so the filter sits here, at the edge, whatever the reports come to hold.
import type { FastifyInstance, preSerializationAsyncHookHandler } from 'fastify';
import { variant } from '../variant.js';
import type { Feature } from '../features/feature.js';
import { checkReadiness } from './readiness.js';
import type { OperatorAccess } from './operator.js';
import type { Runtime } from './runtime.js';

export function describeBuild(features: readonly Feature[]) {
  return {
    variant: variant.name,
    version: variant.version,
    flags: { dialects: variant.dialects, scaling: variant.scaling, enterprise: variant.enterprise, testing: variant.testing },
    features: features.map((f) => ({ name: f.name, status: f.status, summary: f.summary })),
  };
}

/** What a caller who is not the operator sees of a health answer: its status, nothing else. */
export function publicHealth(payload: unknown): { status: string } {
  const status = (payload as { status?: unknown } | null)?.status;
  return { status: typeof status === 'string' ? status : 'unavailable' };
}

export async function registerHealthRoutes(app: FastifyInstance, runtime: Runtime, operator: OperatorAccess): Promise<void> {
  const forAudience: preSerializationAsyncHookHandler<unknown> = async (request, _reply, payload) =>
    (await operator.isOperator(request)) ? payload : publicHealth(payload);

  app.get('/healthz', { preSerialization: forAudience }, async () => {
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

  app.get('/readyz', { preSerialization: forAudience }, async (_request, reply) => {
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
