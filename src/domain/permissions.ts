// The open permission set. The core's permissions are fixed in authorizer.ts; a module adds its own here (through
// Feature.permissions) and names the built-in roles that hold each by default, so the built-in table, the OpenAPI
// document and a custom role's validation all know every permission of the build.
import { BUILT_IN_ROLES, PERMISSIONS, ROLES, type Permission, type Role } from './authorizer.js';

export interface PermissionSpec {
  readonly name: string;
  readonly description: string;
  /** Built-in roles that hold it by default; the owner holds every permission whatever this says. */
  readonly grantedTo: readonly Role[];
}

export interface PermissionSet {
  /** Every permission of this build, core first. */
  readonly all: readonly Permission[];
  /** The built-in roles, each with the permissions it holds in this build. */
  readonly builtInRoles: Readonly<Record<Role, ReadonlySet<Permission>>>;
  has(name: string): boolean;
}

export function permissionSet(extra: readonly PermissionSpec[] = []): PermissionSet {
  const all: Permission[] = [...PERMISSIONS];
  for (const spec of extra) if (!all.includes(spec.name)) all.push(spec.name);
  const builtInRoles = {} as Record<Role, ReadonlySet<Permission>>;
  for (const role of ROLES) {
    const held = new Set<Permission>(BUILT_IN_ROLES[role]);
    for (const spec of extra) if (role === 'owner' || spec.grantedTo.includes(role)) held.add(spec.name);
    builtInRoles[role] = held;
  }
  const names = new Set(all);
  return Object.freeze({ all: Object.freeze(all), builtInRoles: Object.freeze(builtInRoles), has: (name: string) => names.has(name) });
}
