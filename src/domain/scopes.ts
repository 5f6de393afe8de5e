// The project an authorization decision is about. Routes on a project or a task resolve it before authorizing, so
// a project-scoped role (enterprise) can decide, and so a resource of another organization is a 404 for every
// caller whatever their role: its existence is never confirmed by a 403.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Principal } from './authorizer.js';
import { memberNotFound } from './members.js';
import { projectNotFound } from './projects.js';
import { taskNotFound } from './tasks.js';

/** What a route's `:id` names. */
export type ScopeKind = 'project' | 'task' | 'member';

/**
 * Confines the resource a route's `:id` names to the caller's organization, before any permission is checked: a
 * 404 when it is not there. Returns the project it is or belongs to, for project-scoped decisions (none for members).
 */
export async function resolveScope(db: Database, principal: Principal, kind: ScopeKind, id: string): Promise<string | undefined> {
  if (kind !== 'member') return projectScope(db, principal, kind, id);
  const m = db.tables.members;
  const rows = await db.read((q) => q.select({ id: m.id }).from(m).where(and(eq(m.id, id), eq(m.orgId, principal.orgId), eq(m.active, true))));
  if (!rows[0]) throw memberNotFound(id);
  return undefined;
}

/** The id of the project in the caller's organization that `id` is or belongs to; a 404 when there is none. */
export async function projectScope(db: Database, principal: Principal, kind: 'project' | 'task', id: string): Promise<string> {
  const { projects: p, tasks: t } = db.tables;
  const rows = await db.read((q) =>
    kind === 'project'
      ? q.select({ projectId: p.id }).from(p).where(and(eq(p.id, id), eq(p.orgId, principal.orgId)))
      : q.select({ projectId: t.projectId }).from(t).where(and(eq(t.id, id), eq(t.orgId, principal.orgId))),
  );
  const found = rows[0];
  if (!found) throw kind === 'project' ? projectNotFound(id) : taskNotFound(id);
  return found.projectId;
}
