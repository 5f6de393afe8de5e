// GET /healthz: liveness and what this build is (variant, flags, dialect, features and whether they do anything).
// GET /readyz: 200 when the server takes traffic and its database serves at least reads; 503 with the reason
// otherwise. `serves` says which of reads and writes. A read-only instance (no primary answers, replicas do) answers
// 200 with status `read-only`: the primary is shared by every instance, so taking this one out of a load balancer
// sends writes nowhere better and stops the reads it can still serve; each write gets its own 503 with Retry-After.
// A balancer that routes writes on their own asks `/readyz?need=writes`, which answers 503 while writes cannot be served.
// Two audiences: anyone (a load balancer, a tenant, an attacker) learns the status alone, from the status code and
// `{"status", "serves"}`; the operator (server/operator.ts) gets every detail the core and the features report. The details
// name database hosts and their errors, so the filter sits here, at the edge, whatever the reports come to hold.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preSerializationAsyncHookHandler } from 'fastify';
import { variant, variantFlags } from '../variant.js';
import type { Feature } from '../features/feature.js';
import { checkReadiness } from './readiness.js';
import type { HealthReports } from './health-reports.js';
import type { OperatorAccess } from './operator.js';
import type { Runtime } from './runtime.js';

export function describeBuild(features: readonly Feature[]) {
  return {
    variant: variant.name,
    version: variant.version,
    flags: variantFlags(),
    // Every loaded module does its work; `status` stays for the clients that read it.
    features: features.map((f) => ({ name: f.name, status: 'active', summary: f.summary })),
  };
}

/**
 * What a caller who is not the operator sees of a health answer: its status and, on /readyz, which of reads and writes
 * this instance serves (what a load balancer routes on), nothing about the infrastructure.
 */
export function publicHealth(payload: unknown): { status: string; serves?: { reads: boolean; writes: boolean } } {
  const { status, serves } = (payload ?? {}) as { status?: unknown; serves?: { reads?: unknown; writes?: unknown } };
  return {
    status: typeof status === 'string' ? status : 'unavailable',
    ...(serves ? { serves: { reads: serves.reads === true, writes: serves.writes === true } } : {}),
  };
}

export async function registerHealthRoutes(app: FastifyInstance, runtime: Runtime, operator: OperatorAccess, reports: HealthReports): Promise<void> {
  const forAudience: preSerializationAsyncHookHandler<unknown> = async (request, _reply, payload) =>
    (await operator.isOperator(request)) ? payload : publicHealth(payload);

  app.get('/healthz', { preSerialization: forAudience, config: { storable: true } }, async () => {
    const featureHealth = await reports.collect();
    return {
      status: 'ok',
      ...describeBuild(runtime.features),
      dialect: runtime.config.database.dialect,
      state: runtime.state,
      uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 1000),
      ...(featureHealth ? { featureHealth } : {}),
    };
  });

  // `need` is compared, never refused: any other value (or several) asks about reads, as a balancer's probe expects.
  const readyQuery = Type.Object({ need: Type.Optional(Type.Unknown()) });
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/readyz', { preSerialization: forAudience, config: { storable: true }, schema: { querystring: readyQuery } }, async (request, reply) => {
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
