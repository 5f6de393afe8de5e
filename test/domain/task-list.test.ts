// Keyset pages over equal sort values, on both dialects: rows sharing a timestamp are ordered by id, so a page
// boundary falling among them neither repeats nor skips a row. Equal stamps are written directly; over HTTP they
// would depend on timing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { keepNoChanges } from '../../src/domain/changes.js';
import { signup } from '../../src/domain/orgs.js';
import { createProject } from '../../src/domain/projects.js';
import { listTasks } from '../../src/domain/task-list.js';
import type { TaskSort } from '../../src/domain/schemas/tasks.js';
import type { Principal } from '../../src/domain/authorizer.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

describe.each(DIALECTS)('task pages over equal timestamps on %s', (dialect) => {
  let db: Database;
  let principal: Principal;
  let projectId: string;
  const at = new Date('2030-05-06T07:08:09.123Z');

  beforeAll(async () => {
    ({ db } = await openFresh(dialect));
    const ctx = { db, changes: keepNoChanges };
    const made = await signup(ctx, { org: { name: 'Ties', slug: 'ties' }, user: { email: 't@ties.example', name: 'T' } });
    principal = { orgId: made.org.id, memberId: made.user.id, role: 'owner', tokenId: 'none' };
    projectId = (await createProject(ctx, principal, { name: 'Ties', key: 'TIE' })).id;
    const t = db.tables.tasks;
    await db.write((tx) =>
      tx.insert(t).values(
        Array.from({ length: 25 }, (_, i) => ({
          orgId: principal.orgId,
          projectId,
          number: i + 1,
          title: `tie ${i}`,
          titleSearch: `tie ${i}`,
          status: 'todo',
          priority: 'normal',
          createdAt: at,
          updatedAt: at,
        })),
      ),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  it.each(['createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as TaskSort[])('sort=%s lists all 25 once, in id order among equals', async (sort) => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTasks(db, principal, projectId, { sort, limit: 4, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(25);
    const ids = [...seen].sort();
    expect(seen).toEqual(sort.startsWith('-') ? ids.reverse() : ids);
  });
});
