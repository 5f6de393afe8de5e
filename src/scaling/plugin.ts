// Everything HTTP of the scaling module, as one Fastify plugin on the core's decorators (server/decorators.ts):
// - the request scope of read-your-writes: opened once the body is parsed, so the guards, the handler and the reply
//   run inside it, and the X-Consistency-Token response header after a write (consistency.ts);
// - GET /v1/admin/pools, for the operator alone (the core's requireOperator, never a tenant's role);
// - the router's series on /metrics, its facts on the operator's /healthz, and the header in the OpenAPI document.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AS_IS, DatabaseUnavailableError } from '../db/errors.js';
import { CORE_PLUGIN } from '../server/decorators.js';
import { errors } from '../server/routes/schemas.js';
import type { Consistency, RequestHandle } from './consistency.js';
import { registerRouterMetrics } from './metrics.js';
import { PoolsReport } from './node-report.js';
import type { ReplicaRouter } from './router.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's read-your-writes scope, on servers with more than one database node (scaling/plugin.ts). */
    consistencyScope: RequestHandle | undefined;
  }
}

export interface ScalingHttp {
  readonly consistency: Consistency;
  /** Whether requests need a consistency scope: only where a read can go to another node than the primary. */
  readonly scoped: boolean;
  /** The router, once the database is up. */
  router(): ReplicaRouter | undefined;
  /** This server's region (FLAGSHIP_REGION), if set. */
  readonly region: string | null;
}

/** The scope every request runs in, and the token it answers with after a write. */
function openConsistencyScopes(app: FastifyInstance, consistency: Consistency): void {
  app.decorateRequest('consistencyScope', undefined);
  // After the body is parsed: parsing resumes from the socket's own async context, so a scope opened any earlier
  // would be lost for requests with a body. `done` is called inside the store's run, synchronously, so every later
  // step of the request (authorization, handler, reply) runs in it.
  app.addHook('preValidation', (request, _reply, done) => {
    const scope = consistency.open({ headers: request.headers });
    request.consistencyScope = scope;
    // The guards authenticate before the body is read (server/auth.ts), so the caller, if any, is known already.
    if (request.principal) scope.identify?.(request.principal);
    scope.run(() => done());
  });
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(request.consistencyScope?.responseHeaders?.() ?? {})) reply.header(name, value);
    return payload;
  });
}

function poolsRoute(fastify: FastifyInstance, router: () => ReplicaRouter | undefined): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // No tenant permission opens cluster state: a caller who is not the operator gets the 404 an unknown path gets.
  app.get(
    '/v1/admin/pools',
    {
      preHandler: app.requireOperator,
      schema: {
        tags: ['admin'],
        summary: 'Database nodes: role, region, health, lag, pool use, reads served, ejections (scaling)',
        security: [{ bearerAuth: [] }],
        response: { 200: PoolsReport, ...errors(404, 503) },
      },
    },
    async () => {
      const current = router();
      if (!current) throw new DatabaseUnavailableError('the database is not up yet; retry shortly', undefined, AS_IS);
      return { nodes: current.report() };
    },
  );
}

const CONSISTENCY_DESCRIPTION =
  'Read-your-writes across replicas and server instances: the WAL position of the write this response made. Send it back on later requests (to any instance) and their reads are served only by a replica that has replayed it, or by the primary.';

export function scalingPlugin({ consistency, scoped, router, region }: ScalingHttp) {
  return fp(
    async (app: FastifyInstance) => {
      if (scoped) openConsistencyScopes(app, consistency);
      poolsRoute(app, router);
      registerRouterMetrics(app.metrics, router);
      app.apiDocument.addHeader({
        name: 'X-Consistency-Token',
        parameter: 'consistencyToken',
        description: CONSISTENCY_DESCRIPTION,
        example: '0/16B3748',
        pathPrefix: '/v1/',
      });
      app.healthReports.add('scaling', async () => {
        const nodes = router()?.report() ?? [];
        return {
          servers: nodes.length,
          replicas: nodes.filter((n) => n.role === 'replica').length,
          unreachable: nodes.filter((n) => n.role === 'unreachable').length,
          regions: [...new Set(nodes.flatMap((n) => (n.region ? [n.region] : [])))],
          region,
          primary: nodes.find((n) => n.role === 'primary' && n.serving)?.node ?? null,
          replicasServing: nodes.filter((n) => n.role === 'replica' && n.serving).length,
          serves: router()?.serves() ?? { reads: false, writes: false },
          // 'replicas' once the security position lets token lookups leave the primary (security-position.ts).
          credentialsReadFrom: router()?.credentialsFrom() ?? 'primary',
        };
      });
    },
    {
      name: 'flagship-scaling',
      dependencies: [CORE_PLUGIN],
      decorators: { fastify: ['requireOperator', 'metrics', 'apiDocument', 'healthReports'] },
    },
  );
}
