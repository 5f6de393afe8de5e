// The permission the scaling routes need. Owners hold every permission; admins hold this one by default too.
import type { PermissionSpec } from '../domain/permissions.js';

export const POOL_READ = 'pool:read';

export const SCALING_PERMISSIONS: readonly PermissionSpec[] = Object.freeze([
  { name: POOL_READ, description: 'read the database nodes and their pools (GET /v1/admin/pools): role, region, health, lag, use', grantedTo: ['admin'] },
]);
