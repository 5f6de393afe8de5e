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
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { actorHoldings, requireHolds } from './hand-out.js';
import { findCycle, type RoleNode } from './role-graph.js';
import type { RoleInput, RolePatch, RoleView } from './schemas.js';
import { loadBook, lockRbac, stamp, type RbacStore } from './store.js';

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
 * loop, or holds a permission the caller does not hold (the one rule, hand-out.ts); an edit also needs the caller to
 * hold every permission the role held before, since it may take those away. Run after taking the organization's RBAC
 * lock, so the roles it checks against stay as they are until commit.
 */
async function checkDefinition(tx: Queryable, store: RbacStore, principal: Principal, role: RoleDefinition, verb: 'give' | 'change'): Promise<void> {
  const before = await loadBook(tx, store, principal.orgId);
  const after = new Map(before);
  checkAgainstBook(store, after, role);
  const mine = await actorHoldings(tx, store, principal);
  const holding = [{ role: role.name, projectId: null }];
  if (verb === 'change') requireHolds(mine, before, 'change', holding);
  requireHolds(mine, after, verb, holding);
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
        await checkDefinition(tx, store, principal, definition, 'give');
        // A name is never bound to an assignment made before it existed: deletion refuses while a role is held and
        // runs under the same lock as every assignment, so this finds someone only in data from before that rule.
        const holders = await holdersOf(tx, store, ctx, principal.orgId, definition.name);
        if (holders) {
          throw new ConflictError(
            `a role named "${definition.name}" is still held by ${holders.said}, from a role of that name deleted earlier; give them another role first, or choose another name`,
            { details: holders.details },
          );
        }
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
    await checkDefinition(tx, store, principal, definition, 'change');
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

/** Who holds role `name`: members as their own role, grants, roles inheriting it; undefined when nobody does. */
async function holdersOf(tx: Queryable, store: RbacStore, ctx: DomainContext, orgId: string, name: string) {
  const r = store.tables.roles;
  const g = store.tables.roleGrants;
  const m = ctx.db.tables.members;
  const [members, grants, roles] = await Promise.all([
    tx
      .select({ id: m.id, email: m.email })
      .from(m)
      .where(and(eq(m.orgId, orgId), eq(m.role, name), eq(m.active, true))),
    tx
      .select({ memberId: g.memberId, email: m.email, projectId: g.projectId })
      .from(g)
      .innerJoin(m, eq(m.id, g.memberId))
      .where(and(eq(g.orgId, orgId), eq(g.role, name))),
    tx.select({ id: r.id, name: r.name, inherits: r.inherits }).from(r).where(eq(r.orgId, orgId)),
  ]);
  const heirs = roles.filter((x) => x.inherits.includes(name));
  if (members.length + grants.length + heirs.length === 0) return undefined;
  return {
    details: [
      ...members.map((x) => ({ kind: 'member', memberId: x.id, email: x.email })),
      ...grants.map((x) => ({ kind: 'grant', memberId: x.memberId, email: x.email, projectId: x.projectId })),
      ...heirs.map((x) => ({ kind: 'role', roleId: x.id, name: x.name })),
    ],
    said: [
      ...members.map((x) => `member ${x.email} (their role)`),
      ...grants.map((x) => `member ${x.email} (a grant${x.projectId ? ` on project ${x.projectId}` : ''})`),
      ...heirs.map((x) => `role "${x.name}" (inherits it)`),
    ].join(', '),
  };
}

/** Deletes a custom role nobody holds: no member has it as their role, no grant gives it, no role inherits it. */
export async function deleteRole(ctx: DomainContext, store: RbacStore, principal: Principal, id: string): Promise<void> {
  const r = store.tables.roles;
  await store.db.write(async (tx) => {
    const current = await lockedRole(tx, store, principal, id);
    const name = current.name;
    // Deleting takes the role's permissions away from nobody (it has no holders), but it is still the one rule.
    requireHolds(await actorHoldings(tx, store, principal), await loadBook(tx, store, principal.orgId), 'take away', [{ role: name, projectId: null }]);
    const holders = await holdersOf(tx, store, ctx, principal.orgId, name);
    if (holders)
      throw new ConflictError(`role "${name}" is still held by ${holders.said}; give them another role, change their grants or those roles first`, {
        details: holders.details,
      });
    await tx.delete(r).where(eq(r.id, id));
    await stamp(tx, store, principal.orgId);
    await recordOrgChange(ctx, tx, principal, 'role.delete', id, { before: roleView(current) });
  });
}
