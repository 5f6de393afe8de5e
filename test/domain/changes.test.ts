// The change seam, on both dialects: every domain mutation reports one change, inside its own transaction, with the
// actor and the request; and a recorder that fails takes the change down with it (what the audit trail relies on).
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/database.js';
import type { Principal } from '../../src/domain/authorizer.js';
import type { ChangeRecorder, DomainContext, RecordedChange } from '../../src/domain/changes.js';
import { addComment } from '../../src/domain/comments.js';
import { addMember, changeRole, removeMember } from '../../src/domain/members.js';
import { signup } from '../../src/domain/orgs.js';
import { createProject, deleteProject, updateProject } from '../../src/domain/projects.js';
import { createTask, deleteTask, updateTask } from '../../src/domain/tasks.js';
import { createToken, revokeToken } from '../../src/domain/tokens.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

class Recording implements ChangeRecorder {
  readonly seen: Array<RecordedChange & { visibleInTx: boolean }> = [];
  failNext = false;
  constructor(private readonly db: () => Database) {}
  async record(tx: Queryable, change: RecordedChange): Promise<void> {
    // The recorder runs inside the change's transaction: a created or updated row is already visible through tx.
    const t = this.db().tables;
    const table = { org: t.orgs, member: t.members, token: t.tokens, project: t.projects, task: t.tasks, comment: t.comments }[change.resource.type]!;
    const rows = await tx.select({ id: table.id }).from(table).where(eq(table.id, change.resource.id));
    this.seen.push({ ...change, visibleInTx: rows.length === 1 });
    if (this.failNext) {
      this.failNext = false;
      throw new Error('recorder failed');
    }
  }
}

describe.each(DIALECTS)('domain changes on %s', (dialect) => {
  let db: Database;
  let recorder: Recording;
  let ctx: DomainContext;
  let owner: Principal;

  beforeAll(async () => {
    ({ db } = await openFresh(dialect));
    recorder = new Recording(() => db);
    ctx = { db, changes: recorder, request: { id: 'req-1', ip: '192.0.2.1' } };
    const made = await signup(ctx, { org: { name: 'Audited', slug: 'audited' }, user: { email: 'o@audited.example', name: 'O' } });
    owner = { orgId: made.org.id, memberId: made.user.id, role: 'owner', tokenId: recorder.seen[0]!.actor!.tokenId };
  });
  afterAll(async () => {
    await db?.close();
  });

  it('signup is recorded with the new owner as actor', () => {
    expect(recorder.seen[0]).toMatchObject({
      action: 'org.create',
      orgId: owner.orgId,
      resource: { type: 'org', id: owner.orgId },
      actor: { memberId: owner.memberId, role: 'owner' },
      request: { id: 'req-1', ip: '192.0.2.1' },
      visibleInTx: true,
    });
  });

  it('every mutation reports one change, with before and after, from inside its transaction', async () => {
    const start = recorder.seen.length;
    const { member } = await addMember(ctx, owner, { email: 'm@audited.example', name: 'M', role: 'viewer' });
    await changeRole(ctx, owner, member.id, 'member');
    const token = await createToken(ctx, owner, { name: 'ci' });
    await revokeToken(ctx, owner, token.id);
    await revokeToken(ctx, owner, token.id); // already revoked: no change, nothing recorded
    const project = await createProject(ctx, owner, { name: 'P', key: 'PA' });
    await updateProject(ctx, owner, project.id, { name: 'P2' });
    const task = await createTask(ctx, owner, project.id, { title: 'T' });
    await updateTask(ctx, owner, task.id, { status: 'done' });
    const comment = await addComment(ctx, owner, task.id, { body: 'c' });
    await deleteTask(ctx, owner, task.id);
    await deleteProject(ctx, owner, project.id);
    await removeMember(ctx, owner, member.id);

    const changes = recorder.seen.slice(start);
    expect(changes.map((c) => c.action)).toEqual([
      'member.add',
      'member.role',
      'token.create',
      'token.revoke',
      'project.create',
      'project.update',
      'task.create',
      'task.update',
      'comment.add',
      'task.delete',
      'project.delete',
      'member.remove',
    ]);
    for (const c of changes) expect(c).toMatchObject({ orgId: owner.orgId, actor: owner, request: { id: 'req-1' } });
    // Through tx: created and updated rows are there, deleted ones already gone, a removed member's row kept (soft delete).
    expect(changes.map((c) => c.visibleInTx)).toEqual([true, true, true, true, true, true, true, true, true, false, false, true]);
    expect(changes.find((c) => c.action === 'member.role')).toMatchObject({ before: { role: 'viewer' }, after: { role: 'member' } });
    expect(changes.find((c) => c.action === 'task.update')).toMatchObject({ before: { status: 'todo', version: 1 }, after: { status: 'done', version: 2 } });
    expect(changes.find((c) => c.action === 'comment.add')).toMatchObject({ resource: { id: comment.id } });
    // A token's secret never reaches the recorder.
    expect(JSON.stringify(changes.find((c) => c.action === 'token.create'))).not.toContain(token.token);
  });

  it('stores a token only as the SHA-256 of its secret', async () => {
    const issued = await createToken(ctx, owner, { name: 'hashed' });
    const t = db.tables.tokens;
    const [row] = await db.read((q) => q.select().from(t).where(eq(t.id, issued.id)));
    expect(row!.hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(issued.token.slice(3));
  });

  it('a failing recorder rolls the change back: no task, and its number is not used up', async () => {
    const project = await createProject(ctx, owner, { name: 'R', key: 'RB' });
    recorder.failNext = true;
    await expect(createTask(ctx, owner, project.id, { title: 'lost' })).rejects.toThrow('recorder failed');
    const t = db.tables.tasks;
    expect(await db.read((q) => q.select().from(t).where(eq(t.projectId, project.id)))).toEqual([]);
    expect((await createTask(ctx, owner, project.id, { title: 'kept' })).number).toBe(1);

    const { member } = await addMember(ctx, owner, { email: 'stay@audited.example', name: 'S', role: 'viewer' });
    recorder.failNext = true;
    await expect(removeMember(ctx, owner, member.id)).rejects.toThrow('recorder failed');
    const m = db.tables.members;
    const [still] = await db.read((q) => q.select().from(m).where(eq(m.id, member.id)));
    expect(still!.active).toBe(true);
  });
});
