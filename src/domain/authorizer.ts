// Authorization in the core: one interface that every route goes through, each route declaring the permission it
// needs. The core's implementation is a fixed table of the built-in roles; the enterprise module replaces it through
// the same interface (custom roles, inheritance, project scopes).
import { ForbiddenError } from '../errors.js';

export const PERMISSIONS = [
  'org:read',
  'project:read',
  'project:write',
  'task:read',
  'task:write',
  'comment:read',
  'comment:write',
  'member:read',
  'member:manage',
  'token:manage',
  /** Operating the server: database nodes and pools (GET /v1/admin/pools, with the scaling module). */
  'pool:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER: readonly Permission[] = ['org:read', 'project:read', 'task:read', 'comment:read', 'member:read', 'token:manage'];
const MEMBER: readonly Permission[] = [...VIEWER, 'task:write', 'comment:write'];
const ADMIN: readonly Permission[] = [...MEMBER, 'project:write', 'member:manage', 'pool:read'];

/** viewer reads; member writes tasks and comments; admin manages projects and members; owner everything. */
export const BUILT_IN_ROLES: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  viewer: new Set(VIEWER),
  member: new Set(MEMBER),
  admin: new Set(ADMIN),
  owner: new Set(PERMISSIONS),
});

export interface Principal {
  readonly memberId: string;
  readonly orgId: string;
  readonly role: string;
  readonly tokenId: string;
}

export interface Authorizer {
  /** Resolves when `principal` may do `permission` (optionally on one project); throws ForbiddenError naming it. */
  authorize(principal: Principal, permission: Permission, scope?: { projectId?: string }): Promise<void>;
}

export class BuiltInRoleAuthorizer implements Authorizer {
  async authorize(principal: Principal, permission: Permission): Promise<void> {
    const granted = BUILT_IN_ROLES[principal.role as Role];
    if (!granted?.has(permission)) throw new ForbiddenError(permission);
  }
}
