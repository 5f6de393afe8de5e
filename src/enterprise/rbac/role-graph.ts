// Roles as a graph, decided by pure functions: which permissions a role holds once its inherited roles are
// expanded, where each came from, and whether inheritance loops. The built-in roles are nodes with no parents.
import { ROLES, type Permission } from '../../domain/authorizer.js';
import type { PermissionSet } from '../../domain/permissions.js';

export interface RoleNode {
  readonly name: string;
  readonly permissions: readonly Permission[];
  readonly inherits: readonly string[];
  readonly builtIn: boolean;
}

/** Every role of one organization by name: the built-in ones and its custom ones. */
export type RoleBook = ReadonlyMap<string, RoleNode>;

export function roleBook(
  permissions: PermissionSet,
  custom: Iterable<{ name: string; permissions: readonly string[]; inherits: readonly string[] }>,
): Map<string, RoleNode> {
  const book = new Map<string, RoleNode>();
  for (const name of ROLES) book.set(name, { name, permissions: [...permissions.builtInRoles[name]], inherits: [], builtIn: true });
  for (const r of custom) book.set(r.name, { name: r.name, permissions: r.permissions, inherits: r.inherits, builtIn: false });
  return book;
}

/** The first inheritance cycle reachable from `start` (or from any role), as the names around it: a -> b -> a. */
export function findCycle(book: RoleBook, start?: string): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    const node = book.get(name);
    if (node) {
      for (const parent of node.inherits) {
        const cycle = visit(parent, [...path, name]);
        if (cycle) return cycle;
      }
    }
    done.add(name);
    return undefined;
  };
  for (const name of start === undefined ? book.keys() : [start]) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The permissions `role` holds, each with the inheritance path to the role that names it directly ([role] when it
 * names it itself). Breadth-first, so each path is a shortest one. Unknown roles hold nothing; cycles are cut.
 */
export function expandRole(book: RoleBook, role: string): Map<Permission, string[]> {
  const held = new Map<Permission, string[]>();
  const seen = new Set<string>([role]);
  const queue: string[][] = [[role]];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const node = book.get(path[path.length - 1]!);
    if (!node) continue;
    for (const p of node.permissions) if (!held.has(p)) held.set(p, path);
    for (const parent of node.inherits) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      queue.push([...path, parent]);
    }
  }
  return held;
}

/** Where a permission comes from: the member's own role or a grant, and the inheritance path to it. */
export interface Source {
  readonly via: 'member-role' | 'grant';
  readonly grantId?: string;
  readonly role: string;
  readonly path: readonly string[];
}

/** What one member may do: on the whole organization, and on given projects beyond that. */
export interface Effective {
  readonly org: ReadonlyMap<Permission, readonly Source[]>;
  readonly projects: ReadonlyMap<string, ReadonlyMap<Permission, readonly Source[]>>;
}

export interface GrantRow {
  readonly id: string;
  readonly role: string;
  readonly projectId: string | null;
}

export function effectivePermissions(book: RoleBook, memberRole: string, grants: readonly GrantRow[]): Effective {
  const org = new Map<Permission, Source[]>();
  const projects = new Map<string, Map<Permission, Source[]>>();
  const add = (into: Map<Permission, Source[]>, role: string, base: Omit<Source, 'path' | 'role'>) => {
    for (const [permission, path] of expandRole(book, role)) {
      const list = into.get(permission) ?? [];
      list.push({ ...base, role, path });
      into.set(permission, list);
    }
  };
  add(org, memberRole, { via: 'member-role' });
  for (const g of grants) {
    if (g.projectId === null) {
      add(org, g.role, { via: 'grant', grantId: g.id });
    } else {
      let scoped = projects.get(g.projectId);
      if (!scoped) projects.set(g.projectId, (scoped = new Map()));
      add(scoped, g.role, { via: 'grant', grantId: g.id });
    }
  }
  return { org, projects };
}

/** Whether `effective` allows `permission`, on the organization or on `projectId`. */
export function allows(effective: Effective, permission: Permission, projectId?: string): boolean {
  if (effective.org.has(permission)) return true;
  return projectId !== undefined && (effective.projects.get(projectId)?.has(permission) ?? false);
}
