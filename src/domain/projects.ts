// Projects: a key (2-10 upper-case letters, unique in the organization) and the task number sequence.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Project } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { Principal } from './authorizer.js';
import { recordOrgChange, type DomainContext } from './changes.js';
import { conflictAs } from './conflicts.js';
import { iso } from './instants.js';
import { locked } from './locks.js';
import { definedOnly } from './patches.js';
import { listPage, type KeysetOrder } from './pagination.js';
import type { Page, PageRequest } from './schemas/page.js';
import type { NewProjectInput, ProjectPatch, ProjectView } from './schemas/projects.js';

export function projectView(row: Project): ProjectView {
  return { id: row.id, key: row.key, name: row.name, archived: row.archived, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
}

export const projectNotFound = (id: string) => new NotFoundError(`no project ${id} in your organization; list them with GET /v1/projects`);

const keyTaken = (key: string) => `the project key ${key} is already used in this organization; choose another`;

export async function createProject(ctx: DomainContext, principal: Principal, input: NewProjectInput): Promise<ProjectView> {
  const { db } = ctx;
  const p = db.tables.projects;
  return conflictAs(
    () =>
      db.write(async (tx) => {
        const [row] = await tx.insert(p).values({ orgId: principal.orgId, key: input.key, name: input.name }).returning();
        const after = projectView(row!);
        await recordOrgChange(ctx, tx, principal, 'project.create', after.id, { after });
        return after;
      }),
    'key',
    'body.key',
    keyTaken(input.key),
  );
}

function byKey(db: Database): KeysetOrder<Project> {
  // Keys are unique in an organization, so the key alone orders the listing.
  return { name: 'key', column: db.tables.projects.key, kind: 'text', direction: 'asc', key: (r) => ({ value: r.key, id: r.id }) };
}

export async function listProjects(db: Database, principal: Principal, page: PageRequest): Promise<Page<ProjectView>> {
  const p = db.tables.projects;
  return listPage(db, (q) => q.select().from(p), eq(p.orgId, principal.orgId), byKey(db), page, projectView);
}

export async function getProject(db: Database, principal: Principal, id: string): Promise<ProjectView> {
  const p = db.tables.projects;
  const [row] = await db.read((q) =>
    q
      .select()
      .from(p)
      .where(and(eq(p.id, id), eq(p.orgId, principal.orgId))),
  );
  if (!row) throw projectNotFound(id);
  return projectView(row);
}

export async function updateProject(ctx: DomainContext, principal: Principal, id: string, patch: ProjectPatch): Promise<ProjectView> {
  const { db } = ctx;
  const p = db.tables.projects;
  const mine = and(eq(p.id, id), eq(p.orgId, principal.orgId));
  return conflictAs(
    () =>
      db.write(async (tx) => {
        const [before] = await locked(db, tx.select().from(p).where(mine));
        if (!before) throw projectNotFound(id);
        const [row] = await tx
          .update(p)
          .set({ ...definedOnly(patch), updatedAt: new Date() })
          .where(mine)
          .returning();
        const after = projectView(row!);
        await recordOrgChange(ctx, tx, principal, 'project.update', id, { before: projectView(before), after });
        return after;
      }),
    'key',
    'body.key',
    keyTaken(patch.key ?? ''),
  );
}

/** Deletes the project with its tasks, their labels and comments (foreign keys cascade). */
export async function deleteProject(ctx: DomainContext, principal: Principal, id: string): Promise<void> {
  const { db } = ctx;
  const p = db.tables.projects;
  await db.write(async (tx) => {
    const [gone] = await tx
      .delete(p)
      .where(and(eq(p.id, id), eq(p.orgId, principal.orgId)))
      .returning();
    if (!gone) throw projectNotFound(id);
    await recordOrgChange(ctx, tx, principal, 'project.delete', id, { before: projectView(gone) });
  });
}
