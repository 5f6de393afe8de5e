// Comments on a task, oldest first.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Comment } from '../db/schema.js';
import type { Principal } from './authorizer.js';
import { recordOrgChange, type DomainContext } from './changes.js';
import { iso } from './instants.js';
import { locked } from './locks.js';
import { byInstant, keyset, type KeysetOrder } from './pagination.js';
import type { Page, PageRequest } from './schemas/page.js';
import type { CommentView, NewComment } from './schemas/comments.js';
import { taskNotFound } from './tasks.js';

export function commentView(row: Comment): CommentView {
  return { id: row.id, taskId: row.taskId, authorId: row.authorId, body: row.body, createdAt: iso(row.createdAt) };
}

export async function addComment(ctx: DomainContext, principal: Principal, taskId: string, input: NewComment): Promise<CommentView> {
  const { db } = ctx;
  const { tasks: t, comments: c } = db.tables;
  return db.write(async (tx) => {
    // Locked: the task cannot be deleted under the new comment, and comments on one task are stamped in commit
    // order, so a client paging oldest-first never has one land behind its cursor.
    const [task] = await locked(
      db,
      tx
        .select({ id: t.id })
        .from(t)
        .where(and(eq(t.id, taskId), eq(t.orgId, principal.orgId))),
    );
    if (!task) throw taskNotFound(taskId);
    const [row] = await tx.insert(c).values({ orgId: principal.orgId, taskId, authorId: principal.memberId, body: input.body }).returning();
    const after = commentView(row!);
    await recordOrgChange(ctx, tx, principal, 'comment.add', after.id, { after });
    return after;
  });
}

function oldestFirst(db: Database): KeysetOrder<Comment> {
  const c = db.tables.comments;
  return byInstant('createdAt', { at: c.createdAt, id: c.id }, 'asc', (r) => r.createdAt);
}

export async function listComments(db: Database, principal: Principal, taskId: string, page: PageRequest): Promise<Page<CommentView>> {
  const { tasks: t, comments: c } = db.tables;
  const order = oldestFirst(db);
  const k = keyset(order, page);
  return db.read(async (q) => {
    const [task] = await q
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.id, taskId), eq(t.orgId, principal.orgId)));
    if (!task) throw taskNotFound(taskId);
    const rows = await q
      .select()
      .from(c)
      .where(and(eq(c.orgId, principal.orgId), eq(c.taskId, taskId), k.where))
      .orderBy(...k.orderBy)
      .limit(k.fetch);
    return k.toPage(rows, commentView);
  });
}
