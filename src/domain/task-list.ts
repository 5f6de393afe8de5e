// Listing a project's tasks: filters, orderings and keyset pages. Every ordering ends on a unique key (the number,
// or a timestamp and the id), so pages stay stable while tasks are added.
import { and, eq, exists, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedByShape, rowLimit, slot, UNNAMED } from '../db/prepared.js';
import type { Tables } from '../db/schema.js';
import type { Principal } from './authorizer.js';
import { afterSlots, byInstant, keyset, orderBy, type KeysetOrder } from './pagination.js';
import type { Page } from './schemas/page.js';
import type { TaskQuery, TaskSort, TaskView } from './schemas/tasks.js';
import { confirmProject } from './scopes.js';
import { shownTaskColumns, taskView, type ShownTask } from './tasks.js';

function orderFor(tables: Tables, sort: TaskSort): KeysetOrder<ShownTask> {
  const t = tables.tasks;
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

/** What changes a listing's SQL: its ordering, whether it continues from a cursor, and which filters it has. */
interface ListShape {
  readonly sort: TaskSort;
  readonly cursor: boolean;
  /** How many statuses it filters on (each is a placeholder). */
  readonly statuses: number;
  readonly assignee: boolean;
  readonly label: boolean;
  readonly search: boolean;
}

/** At most 6 orderings x 2 x 5 x 2 x 2 x 2 shapes, each built on first use. */
const listQuery = preparedByShape(
  (s: ListShape) => `${s.sort}|${+s.cursor}|${s.statuses}|${+s.assignee}|${+s.label}|${+s.search}`,
  (q, tables, s) => {
    const { tasks: t, taskLabels: tl } = tables;
    const order = orderFor(tables, s.sort);
    const filters: SQL[] = [eq(t.orgId, slot('orgId')), eq(t.projectId, slot('projectId'))];
    if (s.cursor) filters.push(afterSlots(order));
    if (s.statuses > 0)
      filters.push(
        inArray(
          t.status,
          Array.from({ length: s.statuses }, (_, i) => slot(`status${i}`)),
        ),
      );
    if (s.assignee) filters.push(eq(t.assigneeId, slot('assigneeId')));
    if (s.label) {
      // EXISTS probes task_labels' primary key (task_id, label) once per candidate row, in the listing's own order,
      // so the plan stays an index walk that stops at the page size, whatever the table statistics say.
      filters.push(
        exists(
          q
            .select({ one: sql`1` })
            .from(tl)
            .where(and(eq(tl.taskId, t.id), eq(tl.label, slot('label')))),
        ),
      );
    }
    // titleSearch is kept lower-cased on write, so a plain LIKE is case-insensitive on every dialect (no ILIKE). The
    // pattern is cast rather than bound bare: SQLite reads a bare LIKE parameter while planning (for patterns with a
    // fixed prefix, which ours never have), so binding one made it compile the statement again on every run.
    if (s.search) filters.push(sql`${t.titleSearch} like cast(${slot('pattern')} as text) escape '\\'`);
    return q
      .select(shownTaskColumns(t))
      .from(t)
      .where(and(...filters))
      .orderBy(...orderBy(order))
      .limit(rowLimit(slot('limit')))
      .prepare(UNNAMED);
  },
);

export async function listTasks(db: Database, principal: Principal, projectId: string, query: TaskQuery): Promise<Page<TaskView>> {
  const sort = query.sort ?? 'number';
  const k = keyset(orderFor(db.tables, sort), query);
  const statuses = query.status ?? [];
  const shape: ListShape = {
    sort,
    cursor: query.cursor !== undefined,
    statuses: statuses.length,
    assignee: query.assigneeId !== undefined,
    label: query.label !== undefined,
    search: query.q !== undefined,
  };
  const values: Record<string, unknown> = { ...k.values, orgId: principal.orgId, projectId };
  statuses.forEach((s, i) => (values[`status${i}`] = s));
  if (query.assigneeId !== undefined) values.assigneeId = query.assigneeId;
  if (query.label !== undefined) values.label = query.label;
  if (query.q !== undefined) values.pattern = containsPattern(query.q);
  const rows = await db.read((q) => listQuery(q, db.tables, shape).execute(values));
  // The listing is confined to the caller's organization, so a project that is not theirs lists nothing; only an
  // empty page needs the project looked up, to answer 404 rather than an empty list.
  if (rows.length === 0) await confirmProject(db, principal, projectId);
  return k.toPage(rows, taskView);
}
