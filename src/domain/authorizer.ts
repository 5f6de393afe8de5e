// Authorization in the core: one interface that every route goes through, each route declaring the permission it
// needs. The core's implementation is a fixed table of the built-in roles; the enterprise module replaces it through
// the same interface (custom roles, inheritance, project scopes). The permission set is open: a module registers the
// permissions its routes need (src/domain/permissions.ts) and says which built-in roles hold them by default.
import type { Queryable } from '../db/database.js';
import { ForbiddenError } from '../errors.js';

/** The core's own permissions. */
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
] as const;
export type CorePermission = (typeof PERMISSIONS)[number];
/** A core permission, or one a module registered (`role:manage`, `audit:read`...). */
export type Permission = CorePermission | (string & {});

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER: readonly CorePermission[] = ['org:read', 'project:read', 'task:read', 'comment:read', 'member:read', 'token:manage'];
const MEMBER: readonly CorePermission[] = [...VIEWER, 'task:write', 'comment:write'];
const ADMIN: readonly CorePermission[] = [...MEMBER, 'project:write', 'member:manage'];

/** viewer reads; member writes tasks and comments; admin manages projects and members; owner everything. */
export const BUILT_IN_ROLES: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  viewer: new Set<Permission>(VIEWER),
  member: new Set<Permission>(MEMBER),
  admin: new Set<Permission>(ADMIN),
  owner: new Set<Permission>(PERMISSIONS),
});

export function isBuiltInRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

export interface Principal {
  readonly memberId: string;
  readonly orgId: string;
  /** A built-in role, or (enterprise) the name of a custom role of the organization. */
  readonly role: string;
  readonly tokenId: string;
}

export interface Authorizer {
  /** Resolves when `principal` may do `permission` (optionally on one project); throws ForbiddenError naming it. */
  authorize(principal: Principal, permission: Permission, scope?: { projectId?: string }): Promise<void>;
  /**
   * Whether `role` may be given to a member of `orgId` (POST/PATCH /v1/members), checked inside the writing
   * transaction. Absent: the built-in roles below owner.
   */
  assignable?(tx: Queryable, orgId: string, role: string): Promise<boolean>;
}

/** The built-in role table, grown by the permissions modules register (see permissions.ts). */
export class BuiltInRoleAuthorizer implements Authorizer {
  constructor(private readonly roles: Readonly<Record<Role, ReadonlySet<Permission>>> = BUILT_IN_ROLES) {}

  async authorize(principal: Principal, permission: Permission): Promise<void> {
    const granted = this.roles[principal.role as Role];
    if (!granted?.has(permission)) throw new ForbiddenError(permission);
  }
}
