// Custom roles of an organization: permissions of their own plus the roles they inherit. A change is refused when it
// would make inheritance loop (400 naming the loop), name an unknown permission or role (400), hand out a permission
// the caller does not hold (403), or delete a role someone still holds (409 naming who).
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import { isBuiltInRole, type Principal } from '../../domain/authorizer.js';
import { recordOrgChange, type DomainContext } from '../../domain/changes.js';
import { conflictAs } from '../../domain/conflicts.js';
import { iso } from '../../domain/instants.js';
import { locked } from '../../domain/locks.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { expandRole, findCycle, type RoleBook, type RoleNode } from './role-graph.js';
import { loadBook, loadEffective, lockRbac, stamp, type RbacStore } from './store.js';

export interface RoleView {
  id: string | null;
  name: string;
  description: string | null;
  builtIn: boolean;
  permissions: string[];
  inherits: string[];
  createdAt: string | null;
  updatedAt: string | null;
}

export interface RoleInput {
  name: string;
  description?: string | null | undefined;
  permissions?: string[] | undefined;
  inherits?: string[] | undefined;
}
export type RolePatch = Omit<Partial<RoleInput>, 'name'>;

type RoleRow = RbacStore['tables']['roles']['$inferSelect'];

function roleView(row: RoleRow): RoleView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    builtIn: false,
    permissions: row.permissions,
    inherits: row.inherits,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const roleNotFound = (id: string) => new NotFoundError(`no custom role ${id} in your organization; list them with GET /v1/roles`);
const invalid = (field: string, message: string, detail: string) => new ValidationError(message, { details: [{ field, message: detail }] });

type RoleDefinition = { name: string; permissions: string[]; inherits: string[] };

/**
 * Refuses a definition of a role of the caller's organization that names an unknown permission or role, inherits in a
 * loop, or gives a permission the caller does not hold. Run after taking the organization's RBAC lock, so the roles it
 * checks against stay as they are until commit.
 */
async function checkDefinition(tx: Queryable, store: RbacStore, principal: Principal, role: RoleDefinition): Promise<void> {
  const book = new Map(await loadBook(tx, store, principal.orgId));
  checkAgainstBook(store, book, role);
  await checkHolds(tx, store, principal, book, [role.name]);
}

/** A role definition must name known permissions and known roles, and inherit without a loop. */
function checkAgainstBook(store: RbacStore, book: Map<string, RoleNode>, role: RoleDefinition): void {
  for (const p of role.permissions) {
    if (!store.permissions.has(p))
      throw invalid(
        'body.permissions',
        `body.permissions: "${p}" is not a permission of this server; the permissions are ${store.permissions.all.join(', ')}`,
        `"${p}" is not a permission`,
      );
  }
  for (const parent of role.inherits) {
    if (parent === 'owner')
      throw invalid('body.inherits', 'body.inherits: no role may inherit "owner"; inherit "admin" or name the permissions', 'cannot inherit owner');
    if (!book.has(parent))
      throw invalid(
        'body.inherits',
        `body.inherits: there is no role "${parent}" in this organization; inherit a built-in role or one from GET /v1/roles`,
        `"${parent}" is not a role`,
      );
  }
  book.set(role.name, { name: role.name, permissions: role.permissions, inherits: role.inherits, builtIn: false });
  const cycle = findCycle(book, role.name);
  if (cycle) {
    throw new ValidationError(`body.inherits: roles would inherit in a cycle: ${cycle.join(' -> ')}; remove one of these inherits`, {
      details: [{ field: 'body.inherits', message: `makes a cycle: ${cycle.join(' -> ')}`, cycle }],
    });
  }
}

/** Nobody hands out more than they hold: every permission `role` gives must be one the actor holds organization-wide. */
export async function checkHolds(tx: Queryable, store: RbacStore, actor: Principal, book: RoleBook, roles: readonly string[]): Promise<void> {
  const mine = await loadEffective(tx, store, actor.orgId, actor.memberId, actor.role);
  for (const role of roles) {
    for (const permission of expandRole(book, role).keys()) {
      if (!mine.org.has(permission)) {
        throw new ForbiddenError(
          permission,
          `role "${role}" gives \`${permission}\`, which you do not hold across the organization; only someone who holds it can hand it out`,
        );
      }
    }
  }
}

export async function listRoles(store: RbacStore, principal: Principal): Promise<{ items: RoleView[] }> {
  const r = store.tables.roles;
  const rows = await store.db.read((q) => q.select().from(r).where(eq(r.orgId, principal.orgId)).orderBy(r.name));
  const book = await store.db.read((q) => loadBook(q, store, principal.orgId));
  const builtIn = [...book.values()]
    .filter((n) => n.builtIn)
    .map((n): RoleView => ({
      id: null,
      name: n.name,
      description: null,
      builtIn: true,
      permissions: [...n.permissions],
      inherits: [],
      createdAt: null,
      updatedAt: null,
    }));
  return { items: [...builtIn, ...rows.map(roleView)] };
}

export async function getRole(store: RbacStore, principal: Principal, id: string): Promise<RoleView> {
  const r = store.tables.roles;
  const [row] = await store.db.read((q) =>
    q
      .select()
      .from(r)
      .where(and(eq(r.id, id), eq(r.orgId, principal.orgId))),
  );
  if (!row) throw roleNotFound(id);
  return roleView(row);
}

export async function createRole(ctx: DomainContext, store: RbacStore, principal: Principal, input: RoleInput): Promise<RoleView> {
  if (isBuiltInRole(input.name))
    throw new ConflictError(`"${input.name}" is a built-in role; choose another name`, { details: [{ field: 'body.name', message: 'is a built-in role' }] });
  const r = store.tables.roles;
  const definition = { name: input.name, permissions: [...new Set(input.permissions ?? [])], inherits: [...new Set(input.inherits ?? [])] };
  return conflictAs(
    () =>
      store.db.write(async (tx) => {
        await lockRbac(tx, store, principal.orgId);
        await checkDefinition(tx, store, principal, definition);
        // The row holds exactly the definition that was checked.
        const [row] = await tx
          .insert(r)
          .values({ ...definition, orgId: principal.orgId, description: input.description ?? null })
          .returning();
        const after = roleView(row!);
        await stamp(tx, store, principal.orgId);
        await recordOrgChange(ctx, tx, principal, 'role.create', after.id!, { after });
        return after;
      }),
    'name',
    'body.name',
    `a role named "${input.name}" already exists in this organization; choose another name or change that one`,
  );
}

/** Takes the organization's RBAC lock, then the role row itself; an id of another organization is a 404. */
async function lockedRole(tx: Queryable, store: RbacStore, principal: Principal, id: string) {
  const r = store.tables.roles;
  await lockRbac(tx, store, principal.orgId);
  const [current] = await locked(
    store.db,
    tx
      .select()
      .from(r)
      .where(and(eq(r.id, id), eq(r.orgId, principal.orgId))),
  );
  if (!current) throw roleNotFound(id);
  return current;
}

export async function updateRole(ctx: DomainContext, store: RbacStore, principal: Principal, id: string, patch: RolePatch): Promise<RoleView> {
  const r = store.tables.roles;
  return store.db.write(async (tx) => {
    const current = await lockedRole(tx, store, principal, id);
    const definition = {
      name: current.name,
      permissions: patch.permissions === undefined ? current.permissions : [...new Set(patch.permissions)],
      inherits: patch.inherits === undefined ? current.inherits : [...new Set(patch.inherits)],
    };
    await checkDefinition(tx, store, principal, definition);
    const [row] = await tx
      .update(r)
      .set({
        permissions: definition.permissions,
        inherits: definition.inherits,
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updatedAt: new Date(),
      })
      .where(eq(r.id, id))
      .returning();
    const after = roleView(row!);
    await stamp(tx, store, principal.orgId);
    await recordOrgChange(ctx, tx, principal, 'role.update', id, { before: roleView(current), after });
    return after;
  });
}

/** Deletes a custom role nobody holds: no member has it as their role, no grant gives it, no role inherits it. */
export async function deleteRole(ctx: DomainContext, store: RbacStore, principal: Principal, id: string): Promise<void> {
  const r = store.tables.roles;
  const g = store.tables.roleGrants;
  const m = ctx.db.tables.members;
  await store.db.write(async (tx) => {
    const current = await lockedRole(tx, store, principal, id);
    const name = current.name;
    const [members, grants, roles] = await Promise.all([
      tx
        .select({ id: m.id, email: m.email })
        .from(m)
        .where(and(eq(m.orgId, principal.orgId), eq(m.role, name), eq(m.active, true))),
      tx
        .select({ memberId: g.memberId, email: m.email, projectId: g.projectId })
        .from(g)
        .innerJoin(m, eq(m.id, g.memberId))
        .where(and(eq(g.orgId, principal.orgId), eq(g.role, name))),
      tx.select({ id: r.id, name: r.name, inherits: r.inherits }).from(r).where(eq(r.orgId, principal.orgId)),
    ]);
    const heirs = roles.filter((x) => x.inherits.includes(name));
    if (members.length + grants.length + heirs.length > 0) {
      const holders = [
        ...members.map((x) => ({ kind: 'member', memberId: x.id, email: x.email })),
        ...grants.map((x) => ({ kind: 'grant', memberId: x.memberId, email: x.email, projectId: x.projectId })),
        ...heirs.map((x) => ({ kind: 'role', roleId: x.id, name: x.name })),
      ];
      const said = [
        ...members.map((x) => `member ${x.email} (their role)`),
        ...grants.map((x) => `member ${x.email} (a grant${x.projectId ? ` on project ${x.projectId}` : ''})`),
        ...heirs.map((x) => `role "${x.name}" (inherits it)`),
      ];
      throw new ConflictError(`role "${name}" is still held by ${said.join(', ')}; give them another role, change their grants or those roles first`, {
        details: holders,
      });
    }
    await tx.delete(r).where(eq(r.id, id));
    await stamp(tx, store, principal.orgId);
    await recordOrgChange(ctx, tx, principal, 'role.delete', id, { before: roleView(current) });
  });
}
