// Authorization in the core: one interface that every route goes through, each route declaring the permission it
// needs. The core's implementation is a fixed table of the built-in roles; a module may replace it through
// the same interface (custom roles, inheritance, project scopes). The permission set is open: a module registers the
// permissions its routes need (src/domain/permissions.ts) and says which built-in roles hold them by default.
import type { Queryable } from '../db/database.js';
import { ForbiddenError, ValidationError } from '../errors.js';

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
  /** A built-in role, or the name of a custom role a module's authorizer knows of the organization. */
  readonly role: string;
  readonly tokenId: string;
}

/** A change to which role a member holds, as the one rule for handing out power sees it. */
export interface HandOut {
  /** The role given: a new member's, or a member's new role. */
  readonly give?: string | undefined;
  /** The role taken away: a member's former role, or a removed member's. */
  readonly takeAway?: string | undefined;
}

/**
 * One rule for handing out power: the actor holds every permission of what they give, change or take away. Each
 * build's Authorizer applies it to its own roles; the core asks it inside the writing transaction.
 */
export interface RoleCatalog {
  /**
   * Refuses a role the organization has none of to give (ValidationError on `body.role`), and a change by an actor
   * who does not hold every permission of the role given and the role taken away (ForbiddenError naming one).
   * `actor.role` must be read inside `tx`; the implementation serializes with changes to the roles themselves.
   */
  handOut(tx: Queryable, actor: Principal, change: HandOut): Promise<void>;
  /**
   * Inside the transaction that removes `memberId` (still a member): refuses unless the actor holds everything the
   * member holds beyond their own role, removes it, and returns what was removed for the audit record (undefined:
   * nothing). Inside the one adding a removed member back: removes whatever is left, unchecked, as it is nobody's.
   */
  release(tx: Queryable, actor: Principal, memberId: string): Promise<Record<string, unknown> | undefined>;
  /** Called once a member change has committed, so decisions cached anywhere follow it. */
  changed?(orgId: string): Promise<void>;
}

export interface Authorizer extends RoleCatalog {
  /** Resolves when `principal` may do `permission` (optionally on one project); throws ForbiddenError naming it. */
  authorize(principal: Principal, permission: Permission, scope?: { projectId?: string }): Promise<void>;
}

/** Built-in roles that can be given through the API. There is one owner, made at signup; ownership is not transferable yet. */
export const ASSIGNABLE_ROLES = ['admin', 'member', 'viewer'] as const;

/** The permission of `role` (given or taken away) that `held` lacks, if any. */
export function missingPermission(held: ReadonlySet<Permission>, role: ReadonlySet<Permission>): Permission | undefined {
  for (const p of role) if (!held.has(p)) return p;
  return undefined;
}

/** The built-in role table, grown by the permissions modules register (see permissions.ts). */
export class BuiltInRoleAuthorizer implements Authorizer {
  constructor(private readonly roles: Readonly<Record<Role, ReadonlySet<Permission>>> = BUILT_IN_ROLES) {}

  async authorize(principal: Principal, permission: Permission): Promise<void> {
    const granted = this.roles[principal.role as Role];
    if (!granted?.has(permission)) throw new ForbiddenError(permission);
  }

  /** A built-in role below owner, given or taken away only by someone whose role holds all of its permissions. */
  async handOut(_tx: Queryable, actor: Principal, change: HandOut): Promise<void> {
    if (change.give !== undefined && !(ASSIGNABLE_ROLES as readonly string[]).includes(change.give)) {
      throw new ValidationError(`body.role: there is no role "${change.give}" to give in this organization; use one of ${ASSIGNABLE_ROLES.join(', ')}`, {
        details: [{ field: 'body.role', message: 'is not a role of this organization' }],
      });
    }
    const held = this.roles[actor.role as Role] ?? new Set<Permission>();
    for (const [verb, role] of [
      ['give', change.give],
      ['take away', change.takeAway],
    ] as const) {
      // A role this build does not know (a custom role, left by a build with custom roles) holds nothing here.
      const missing = role === undefined ? undefined : missingPermission(held, this.roles[role as Role] ?? new Set());
      if (missing !== undefined) {
        throw new ForbiddenError(
          missing,
          `role "${role}" holds \`${missing}\`, which your role "${actor.role}" does not; only someone who holds every permission of a role may ${verb} it`,
        );
      }
    }
  }

  /** A member holds nothing beyond their role in the core. */
  async release(): Promise<undefined> {
    return undefined;
  }
}
