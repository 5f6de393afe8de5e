// Tasks: numbered per project without gaps, versioned for optimistic concurrency, labelled through task_labels.
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import { newId } from '../db/schema/new-id.js';
import { prepared, preparedByShape, readPrepared, slot, UNNAMED } from '../db/prepared.js';
import type { Tables, Task } from '../db/schema.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.js';
import type { Principal } from './authorizer.js';
import { recordChange, type DomainContext } from './changes.js';
import { iso, parseInstant } from './instants.js';
import { locked } from './locks.js';
import { definedOnly } from './patches.js';
import { projectNotFound } from './projects.js';
import type { TaskFields, TaskPatch, TaskView } from './schemas/tasks.js';

/**
 * A task as reads that answer with it load it: without its organization (every such query is confined to the
 * caller's) or the lower-cased title kept for search, which no answer shows. Two columns fewer on every row of a page
 * of 50 was a measurable share of a listing's time on PostgreSQL.
 */
export type ShownTask = Omit<Task, 'orgId' | 'titleSearch'>;

/** The columns of a ShownTask, for a select. */
export function shownTaskColumns(t: Tables['tasks']) {
  const { orgId: _org, titleSearch: _search, ...shown } = getTableColumns(t);
  return shown;
}

export function taskView(row: ShownTask): TaskView {
  return {
    id: row.id,
    projectId: row.projectId,
    number: row.number,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assigneeId,
    labels: row.labels,
    dueAt: iso(row.dueAt),
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Decides whether the stored version satisfies the client's precondition (If-Match); absent means no condition. */
export type VersionCheck = (version: number) => boolean;

export const taskNotFound = (id: string) => new NotFoundError(`no task ${id} in your organization`);

/** The assignee must be a current member of the same organization. */
async function checkAssignee(tx: Queryable, db: Database, orgId: string, assigneeId: string | null | undefined): Promise<void> {
  if (!assigneeId) return;
  const m = db.tables.members;
  const [found] = await tx
    .select({ id: m.id })
    .from(m)
    .where(and(eq(m.id, assigneeId), eq(m.orgId, orgId), eq(m.active, true)));
  if (!found) {
    throw new ValidationError(`body.assigneeId: no member ${assigneeId} in your organization; pick one from GET /v1/members`, {
      details: [{ field: 'body.assigneeId', message: 'is not a member of this organization' }],
    });
  }
}

/** Labels are a set; the schema refuses duplicates, and this keeps a direct caller from tripping the key. */
function distinct(labels: string[]): string[] {
  return [...new Set(labels)];
}

/** One row per added label, built once per count of labels (at most MAX_LABELS shapes). */
const insertLabels = preparedByShape(
  (count: number) => String(count),
  (q, { taskLabels: tl }, count) =>
    q
      .insert(tl)
      .values(
        Array.from({ length: count }, (_, i) => ({ taskId: slot('taskId'), projectId: slot('projectId'), label: slot(`label${i}`), createdAt: slot('now') })),
      )
      .prepare(UNNAMED),
);

/** Keeps task_labels equal to the task's labels, touching only the labels that change. */
async function writeLabels(tx: Queryable, db: Database, task: { id: string; projectId: string }, labels: string[], previous: string[]): Promise<void> {
  const tl = db.tables.taskLabels;
  const removed = previous.filter((l) => !labels.includes(l));
  const added = labels.filter((l) => !previous.includes(l));
  if (removed.length > 0) await tx.delete(tl).where(and(eq(tl.taskId, task.id), inArray(tl.label, removed)));
  if (added.length > 0) {
    const values: Record<string, unknown> = { taskId: task.id, projectId: task.projectId, now: new Date() };
    added.forEach((label, i) => (values[`label${i}`] = label));
    await insertLabels(tx, db.tables, added.length).execute(values);
  }
}

/** The project's next task number, in the creating transaction; no row when the project is not the caller's. */
const nextNumber = prepared((q, { projects: p }) =>
  q
    .update(p)
    .set({ taskSeq: sql`${p.taskSeq} + 1` })
    .where(and(eq(p.id, slot('projectId')), eq(p.orgId, slot('orgId'))))
    .returning({ taskSeq: p.taskSeq, archived: p.archived })
    .prepare(UNNAMED),
);

/**
 * The new task's row. Every column the table would fill by itself (id, timestamps) is a placeholder: a default
 * would be computed once, when the query is built. Two shapes, because a missing due date is left out rather than
 * bound (drizzle maps a bound value through the column, which takes a Date, not null).
 */
const insertTask = preparedByShape(
  (due: boolean) => (due ? 'due' : 'undated'),
  (q, { tasks: t }, due) =>
    q
      .insert(t)
      .values({
        id: slot('id'),
        orgId: slot('orgId'),
        projectId: slot('projectId'),
        number: slot('number'),
        title: slot('title'),
        titleSearch: slot('titleSearch'),
        description: slot('description'),
        status: slot('status'),
        priority: slot('priority'),
        assigneeId: slot('assigneeId'),
        labels: slot('labels'),
        ...(due ? { dueAt: slot('dueAt') } : {}),
        version: 1,
        createdAt: slot('now'),
        updatedAt: slot('now'),
      })
      .returning()
      .prepare(UNNAMED),
);

/**
 * Creates a task with the project's next number. The number comes from an UPDATE ... RETURNING on the project row in
 * the same transaction: concurrent creators queue on that row (Postgres row lock, SQLite's single writer), and a
 * creator that fails rolls its increment back, so numbers are unique and have no gaps.
 */
export async function createTask(ctx: DomainContext, principal: Principal, projectId: string, input: TaskFields): Promise<TaskView> {
  const { db } = ctx;
  const dueAt = input.dueAt ? parseInstant('body.dueAt', input.dueAt) : null;
  const labels = distinct(input.labels ?? []);
  return db.write(async (tx) => {
    const [project] = await nextNumber(tx, db.tables).execute({ projectId, orgId: principal.orgId });
    if (!project) throw projectNotFound(projectId);
    if (project.archived) throw new ConflictError(`project ${projectId} is archived; unarchive it (PATCH /v1/projects/:id {"archived": false}) to add tasks`);
    await checkAssignee(tx, db, principal.orgId, input.assigneeId);
    const [row] = await insertTask(tx, db.tables, dueAt !== null).execute({
      id: newId(),
      orgId: principal.orgId,
      projectId,
      number: project.taskSeq,
      title: input.title,
      titleSearch: input.title.toLowerCase(),
      description: input.description ?? null,
      status: input.status ?? 'todo',
      priority: input.priority ?? 'normal',
      assigneeId: input.assigneeId ?? null,
      labels,
      dueAt,
      now: new Date(),
    });
    await writeLabels(tx, db, row!, labels, []);
    const after = taskView(row!);
    await recordChange(ctx, tx, principal, { action: 'task.create', orgId: principal.orgId, resource: { type: 'task', id: after.id }, after });
    return after;
  });
}

const taskInOrg = prepared((q, { tasks: t }) =>
  q
    .select(shownTaskColumns(t))
    .from(t)
    .where(and(eq(t.id, slot('id')), eq(t.orgId, slot('orgId'))))
    .prepare(UNNAMED),
);

/**
 * The caller's task `id` as stored; a 404 when it is not in the caller's organization. At once, with no promise, where
 * the database answers the read at once (SQLite); the 404 (or a failed read) is a rejected promise either way, as
 * from an async function.
 */
export function findTask(db: Database, principal: Principal, id: string): ShownTask | Promise<ShownTask> {
  return readPrepared(db, taskInOrg, { id, orgId: principal.orgId }, (rows) => found(rows, id));
}

function found(rows: ShownTask[], id: string): ShownTask {
  if (!rows[0]) throw taskNotFound(id);
  return rows[0];
}

function stale(id: string, version: number): PreconditionFailedError {
  return new PreconditionFailedError(
    `task ${id} has changed (it is at version ${version}, ETag "${version}"); fetch it again, reapply your change and send the new ETag in If-Match`,
    {
      details: { currentVersion: version },
    },
  );
}

/**
 * The caller's task `id`, read locked (see locks.ts) for a change; a 404 when it is not in the caller's organization,
 * a 412 when `precondition` refuses its version.
 */
async function lockedTask(db: Database, tx: Queryable, principal: Principal, id: string, precondition: VersionCheck | undefined): Promise<Task> {
  const t = db.tables.tasks;
  const [current] = await locked(
    db,
    tx
      .select()
      .from(t)
      .where(and(eq(t.id, id), eq(t.orgId, principal.orgId))),
  );
  if (!current) throw taskNotFound(id);
  if (precondition && !precondition(current.version)) throw stale(id, current.version);
  return current;
}

/**
 * Applies a patch and bumps the version. The task row is read locked (see locks.ts), so the version the precondition
 * checked is still the one the UPDATE replaces: a concurrent writer waits, and then finds the new version.
 */
export async function updateTask(ctx: DomainContext, principal: Principal, id: string, patch: TaskPatch, precondition?: VersionCheck): Promise<TaskView> {
  const { db } = ctx;
  const t = db.tables.tasks;
  const { dueAt, title, labels, ...rest } = definedOnly(patch);
  const set = {
    ...rest,
    ...(title !== undefined ? { title, titleSearch: title.toLowerCase() } : {}),
    ...(labels !== undefined ? { labels: distinct(labels) } : {}),
    ...(dueAt !== undefined ? { dueAt: dueAt === null ? null : parseInstant('body.dueAt', dueAt) } : {}),
    version: sql`${t.version} + 1`,
  };
  return db.write(async (tx) => {
    // Locked: the labels diff, the precondition and the `before` of the change all hold until commit.
    const current = await lockedTask(db, tx, principal, id, precondition);
    await checkAssignee(tx, db, principal.orgId, patch.assigneeId);
    // Stamped after the lock, so updatedAt follows the order in which changes commit.
    const [row] = await tx
      .update(t)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(t.id, id))
      .returning();
    if (labels !== undefined) await writeLabels(tx, db, { id, projectId: current.projectId }, distinct(labels), current.labels);
    const after = taskView(row!);
    await recordChange(ctx, tx, principal, { action: 'task.update', orgId: principal.orgId, resource: { type: 'task', id }, before: taskView(current), after });
    return after;
  });
}

export async function deleteTask(ctx: DomainContext, principal: Principal, id: string, precondition?: VersionCheck): Promise<void> {
  const { db } = ctx;
  const t = db.tables.tasks;
  await db.write(async (tx) => {
    const current = await lockedTask(db, tx, principal, id, precondition);
    await tx.delete(t).where(eq(t.id, id));
    await recordChange(ctx, tx, principal, { action: 'task.delete', orgId: principal.orgId, resource: { type: 'task', id }, before: taskView(current) });
  });
}
