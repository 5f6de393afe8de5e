// pool:read opened GET /v1/admin/pools to tenant roles. Cluster state is now the operator's alone (server/operator.ts),
// so the permission opens nothing; it stays registered so that custom roles naming it remain valid definitions.
import type { PermissionSpec } from '../domain/permissions.js';

export const POOL_READ = 'pool:read';

export const SCALING_PERMISSIONS: readonly PermissionSpec[] = Object.freeze([
  {
    name: POOL_READ,
    description: "opens nothing since the database nodes became the operator's (ADMIN_TOKEN, METRICS_ALLOW); kept so roles naming it stay valid",
    grantedTo: ['admin'],
  },
]);
