// GET /v1/admin/pools: every database node as the router sees it (addresses, errors, counts across organizations), for
// the operator alone: the core's requireOperator guard, never a tenant's role.
import type { FastifyInstance } from 'fastify';
import { errors } from '../server/routes/schemas.js';
import type { ReplicaRouter } from './router.js';

const nodeReport = {
  type: 'object',
  title: 'PoolNode',
  required: [
    'node',
    'region',
    'role',
    'serving',
    'healthy',
    'lagBytes',
    'lagSeconds',
    'inUse',
    'idle',
    'waiting',
    'readsServed',
    'writesServed',
    'ejections',
    'lastError',
  ],
  properties: {
    node: { type: 'string', description: 'host:port' },
    region: { type: ['string', 'null'], description: 'from DATABASE_REPLICAS; null for a host listed only in DATABASE_URL' },
    role: {
      type: 'string',
      enum: ['primary', 'replica', 'unknown', 'unreachable'],
      description: 'what the node said at its last health check; unreachable when it did not answer',
    },
    serving: { type: 'boolean', description: 'takes writes (primary) or reads (a replica within the lag bounds)' },
    healthy: { type: 'boolean' },
    lagBytes: { type: 'integer' },
    lagSeconds: { type: ['number', 'null'], description: 'seconds behind the primary; null while it cannot be told' },
    inUse: { type: 'integer' },
    idle: { type: 'integer' },
    waiting: { type: 'integer' },
    readsServed: { type: 'integer' },
    writesServed: { type: 'integer' },
    ejections: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
  },
} as const;

/** No tenant permission opens cluster state: a caller who is not the operator gets the 404 an unknown path gets. */
export async function poolsRoute(app: FastifyInstance, router: () => ReplicaRouter): Promise<void> {
  app.get(
    '/v1/admin/pools',
    {
      preHandler: app.requireOperator,
      schema: {
        tags: ['admin'],
        summary: 'Database nodes: role, region, health, lag, pool use, reads served, ejections (scaling)',
        security: [{ bearerAuth: [] }],
        response: {
          200: { type: 'object', title: 'PoolsReport', required: ['nodes'], properties: { nodes: { type: 'array', items: nodeReport } } },
          ...errors(404, 503),
        },
      },
    },
    async () => ({ nodes: router().report() }),
  );
}
