// A database node as GET /v1/admin/pools and the metrics show it: the schema the route answers with, and the type the
// router's report() returns, derived from it.
import { Type, type Static } from '@sinclair/typebox';
import { NullableString, StringEnum } from '../domain/schemas/common.js';

const NODE_ROLES = ['primary', 'replica', 'unknown', 'unreachable'] as const;

export const NodeReport = Type.Object(
  {
    node: Type.String({ description: 'host:port' }),
    region: NullableString({ description: 'from DATABASE_REPLICAS; null for a host listed only in DATABASE_URL' }),
    role: StringEnum(NODE_ROLES, { description: 'what the node said at its last health check; unreachable when it did not answer' }),
    serving: Type.Boolean({ description: 'takes writes (primary) or reads (a replica within the lag bounds)' }),
    healthy: Type.Boolean(),
    lagBytes: Type.Integer(),
    lagSeconds: Type.Unsafe<number | null>({ type: ['number', 'null'], description: 'seconds behind the primary; null while it cannot be told' }),
    inUse: Type.Integer(),
    idle: Type.Integer(),
    waiting: Type.Integer(),
    readsServed: Type.Integer(),
    writesServed: Type.Integer(),
    ejections: Type.Integer(),
    lastError: NullableString(),
  },
  { title: 'PoolNode' },
);
export type NodeReport = Static<typeof NodeReport>;

export const PoolsReport = Type.Object({ nodes: Type.Array(NodeReport) }, { title: 'PoolsReport' });
