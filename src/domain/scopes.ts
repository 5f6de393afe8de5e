// The project an authorization decision is about. Routes on a project or a task resolve it before authorizing, so
// a project-scoped role (a module's authorizer) can decide, and so a resource of another organization is a 404 for every
// caller whatever their role: its existence is never confirmed by a 403.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { prepared, slot, UNNAMED } from '../db/prepared.js';
import type { Principal } from './authorizer.js';
import { memberNotFound } from './members.js';
import { projectNotFound } from './projects.js';
import { findTask, type ShownTask } from './tasks.js';

/** What a route's `:id` names. */
export type ScopeKind = 'project' | 'task' | 'member';

/** Resolves when member `id` is a current member of the caller's organization; a 404 otherwise. */
export async function confirmMember(db: Database, principal: Principal, id: string): Promise<void> {
  const m = db.tables.members;
  const rows = await db.read((q) =>
    q
      .select({ id: m.id })
      .from(m)
      .where(and(eq(m.id, id), eq(m.orgId, principal.orgId), eq(m.active, true))),
  );
  if (!rows[0]) throw memberNotFound(id);
}

const projectInOrg = prepared((q, { projects: p }) =>
  q
    .select({ id: p.id })
    .from(p)
    .where(and(eq(p.id, slot('id')), eq(p.orgId, slot('orgId'))))
    .prepare(UNNAMED),
);

/** Resolves when project `id` is in the caller's organization; a 404 otherwise. */
export async function confirmProject(db: Database, principal: Principal, id: string): Promise<void> {
  const [found] = await db.read((q) => projectInOrg(q, db.tables).execute({ id, orgId: principal.orgId }));
  if (!found) throw projectNotFound(id);
}

/**
 * The caller's task `id`, whole; a 404 when it is not in the caller's organization. Authorization needs its project,
 * and a route that shows the task answers with this same row, so one query serves both.
 */
export function scopedTask(db: Database, principal: Principal, id: string): ShownTask | Promise<ShownTask> {
  return findTask(db, principal, id);
}
