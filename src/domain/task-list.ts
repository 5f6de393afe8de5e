// Listing a project's tasks: filters, orderings and keyset pages. Every ordering ends on a unique key (the number,
// or a timestamp and the id), so pages stay stable while tasks are added.
import { and, eq, exists, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Task } from '../db/schema.js';
import type { Principal } from './authorizer.js';
import { byInstant, keyset, type KeysetOrder } from './pagination.js';
import { projectNotFound } from './projects.js';
import type { Page } from './schemas/page.js';
import type { TaskQuery, TaskView } from './schemas/tasks.js';
import { taskView } from './tasks.js';

export const TASK_SORTS = ['number', '-number', 'createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

function orderFor(db: Database, sort: TaskSort): KeysetOrder<Task> {
  const t = db.tables.tasks;
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  switch (sort) {
    case 'number':
    case '-number':
      // Unique within a project: no tie-breaker needed.
      return { name: sort, column: t.number, kind: 'int', direction, key: (r) => ({ value: r.number, id: r.id }) };
    case 'createdAt':
    case '-createdAt':
      return byInstant(sort, { at: t.createdAt, id: t.id }, direction, (r) => r.createdAt);
    case 'updatedAt':
    case '-updatedAt':
      return byInstant(sort, { at: t.updatedAt, id: t.id }, direction, (r) => r.updatedAt);
  }
}

/** LIKE's wildcards in the search text match themselves. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listTasks(db: Database, principal: Principal, projectId: string, query: TaskQuery): Promise<Page<TaskView>> {
  const { projects: p, tasks: t, taskLabels: tl } = db.tables;
  const order = orderFor(db, query.sort ?? 'number');
  const k = keyset(order, query);
  return db.read(async (q) => {
    const [project] = await q.select({ id: p.id }).from(p).where(and(eq(p.id, projectId), eq(p.orgId, principal.orgId)));
    if (!project) throw projectNotFound(projectId);
    const filters: Array<SQL | undefined> = [eq(t.orgId, principal.orgId), eq(t.projectId, projectId), k.where];
    if (query.status?.length) filters.push(inArray(t.status, query.status));
    if (query.assigneeId !== undefined) filters.push(eq(t.assigneeId, query.assigneeId));
    if (query.label !== undefined) {
      // EXISTS probes task_labels' primary key (task_id, label) once per candidate row, in the listing's own order,
      // so the plan stays an index walk that stops at the page size, whatever the table statistics say.
      filters.push(exists(q.select({ one: sql`1` }).from(tl).where(and(eq(tl.taskId, t.id), eq(tl.label, query.label)))));
    }
    // titleSearch is kept lower-cased on write, so a plain LIKE is case-insensitive on every dialect (no ILIKE).
    if (query.q !== undefined) filters.push(sql`${t.titleSearch} like ${containsPattern(query.q)} escape '\\'`);
    const rows = await q.select().from(t).where(and(...filters)).orderBy(...k.orderBy).limit(k.fetch);
    return k.toPage(rows, taskView);
  });
}
