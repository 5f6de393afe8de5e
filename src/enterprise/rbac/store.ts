// Reading and stamping an organization's roles and grants. Every change to them bumps the organization's version row
// and notifies listeners in the same transaction, so other instances drop what they cached when it commits.
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../../db/database.js';
import { holdLock } from '../../domain/locks.js';
import type { PermissionSet } from '../../domain/permissions.js';
import type { EnterpriseTables } from '../tables.js';
import { effectivePermissions, roleBook, type Effective, type GrantRow, type RoleBook } from './role-graph.js';

/** The channel on which instances hear that an organization's roles or grants changed; the payload is its id. */
export const RBAC_CHANNEL = 'flagship_rbac';

export interface RbacStore {
  readonly db: Database;
  readonly tables: EnterpriseTables;
  readonly permissions: PermissionSet;
}

export async function loadBook(q: Queryable, store: RbacStore, orgId: string): Promise<RoleBook> {
  const r = store.tables.roles;
  const rows = await q.select({ name: r.name, permissions: r.permissions, inherits: r.inherits }).from(r).where(eq(r.orgId, orgId));
  return roleBook(store.permissions, rows);
}

export async function loadGrants(q: Queryable, store: RbacStore, orgId: string, memberId: string): Promise<GrantRow[]> {
  const g = store.tables.roleGrants;
  return q
    .select({ id: g.id, role: g.role, projectId: g.projectId })
    .from(g)
    .where(and(eq(g.orgId, orgId), eq(g.memberId, memberId)));
}

/** What `memberId`, holding `memberRole`, may do, read through `q` (a transaction sees its own changes). */
export async function loadEffective(q: Queryable, store: RbacStore, orgId: string, memberId: string, memberRole: string): Promise<Effective> {
  const [book, grants] = await Promise.all([loadBook(q, store, orgId), loadGrants(q, store, orgId, memberId)]);
  return effectivePermissions(book, memberRole, grants);
}

export async function readVersion(q: Queryable, store: RbacStore, orgId: string): Promise<number> {
  const v = store.tables.rbacVersions;
  const [row] = await q.select({ version: v.version }).from(v).where(eq(v.orgId, orgId));
  return row?.version ?? 0;
}

/** Marks the organization's roles or grants as changed, inside the changing transaction. */
export async function stamp(tx: Queryable, store: RbacStore, orgId: string): Promise<void> {
  const v = store.tables.rbacVersions;
  const [row] = await tx
    .insert(v)
    .values({ orgId, version: 1 })
    .onConflictDoUpdate({ target: v.orgId, set: { version: sql`${v.version} + 1` } })
    .returning({ version: v.version });
  // Without notifications (SQLite) other processes learn of it from the version row or data_version.
  await store.db.notifications?.notify(tx, RBAC_CHANNEL, notice(orgId, row!.version));
}

/** The payload of a change notice: the organization and the version its change committed. */
export function notice(orgId: string, version: number): string {
  return `change ${orgId} ${version}`;
}

/**
 * Serialises changes to one organization's roles and grants, across instances: each change checks the whole role
 * graph (cycles, who holds what), which two concurrent changes could each pass alone and fail together.
 */
export function lockRbac(tx: Queryable, store: RbacStore, orgId: string): Promise<void> {
  return holdLock(store.db, tx, `rbac:${orgId}`);
}
