// One suite, every dialect: the Database contract must behave the same on SQLite and on a real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedDatabase, Queryable } from '../../src/db/database.js';
import { DatabaseUnavailableError, ForeignKeyViolationError, NotNullViolationError, UniqueViolationError, UnstorableValueError } from '../../src/db/errors.js';
import { locked } from '../../src/domain/locks.js';
import { DIALECTS, openFresh } from '../support/dialects.js';
import { waitFor } from '../support/wait.js';

describe.each(DIALECTS)('Database conformance on %s', (dialect) => {
  let db: OpenedDatabase;

  beforeAll(async () => {
    ({ db } = await openFresh(dialect));
  });
  afterAll(async () => {
    await db?.close();
  });

  const newOrg = (slug = `org-${randomUUID().slice(0, 8)}`) => ({ slug, name: `Org ${slug}` });

  async function makeProject(): Promise<{ orgId: string; projectId: string }> {
    const t = db.tables;
    return db.write(async (tx) => {
      const [org] = await tx.insert(t.orgs).values(newOrg()).returning();
      const [project] = await tx.insert(t.projects).values({ orgId: org!.id, key: 'ABC', name: 'A project' }).returning();
      return { orgId: org!.id, projectId: project!.id };
    });
  }

  it('creates, reads, updates and deletes', async () => {
    const t = db.tables;
    const [created] = await db.write((tx) => tx.insert(t.orgs).values(newOrg('crud')).returning());
    expect(created).toMatchObject({ slug: 'crud', name: 'Org crud' });
    expect(created!.createdAt).toBeInstanceOf(Date);
    const read = await db.read((q) => q.select().from(t.orgs).where(eq(t.orgs.id, created!.id)));
    expect(read).toEqual([created]);
    const [updated] = await db.write((tx) => tx.update(t.orgs).set({ name: 'Renamed' }).where(eq(t.orgs.id, created!.id)).returning());
    expect(updated!.name).toBe('Renamed');
    const deleted = await db.write((tx) => tx.delete(t.orgs).where(eq(t.orgs.id, created!.id)).returning());
    expect(deleted).toHaveLength(1);
    expect(await db.read((q) => q.select().from(t.orgs).where(eq(t.orgs.id, created!.id)))).toEqual([]);
  });

  it('commits a transaction as a whole', async () => {
    const t = db.tables;
    const slugs = ['commit-a', 'commit-b'];
    await db.transaction(async (tx) => {
      for (const slug of slugs) await tx.insert(t.orgs).values(newOrg(slug));
    });
    const rows = await db.read((q) =>
      q
        .select({ slug: t.orgs.slug })
        .from(t.orgs)
        .where(sql`${t.orgs.slug} in ('commit-a', 'commit-b')`),
    );
    expect(rows.map((r) => r.slug).sort()).toEqual(slugs);
  });

  it('rolls back everything when the callback throws, and rethrows', async () => {
    const t = db.tables;
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(t.orgs).values(newOrg('rollback-1'));
        await tx.insert(t.orgs).values(newOrg('rollback-2'));
        throw boom;
      }),
    ).rejects.toBe(boom);
    const rows = await db.read((q) =>
      q
        .select()
        .from(t.orgs)
        .where(sql`${t.orgs.slug} like 'rollback-%'`),
    );
    expect(rows).toEqual([]);
  });

  it('runs a nested transaction as a savepoint: an inner failure undoes only the inner work', async () => {
    const t = db.tables;
    await db.transaction(async (tx) => {
      await tx.insert(t.orgs).values(newOrg('outer-kept'));
      await expect(
        db.transaction(async (inner) => {
          await inner.insert(t.orgs).values(newOrg('inner-undone'));
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await db.transaction(async (inner) => {
        await inner.insert(t.orgs).values(newOrg('inner-kept'));
      });
    });
    const slugs = (await db.read((q) => q.select({ slug: t.orgs.slug }).from(t.orgs))).map((r) => r.slug);
    expect(slugs).toContain('outer-kept');
    expect(slugs).toContain('inner-kept');
    expect(slugs).not.toContain('inner-undone');
  });

  it('never commits a transaction whose inner savepoint could not be rolled back', async () => {
    const t = db.tables;
    // Releases the savepoint behind the machine's back, so that its ROLLBACK TO fails: the raw statement goes through
    // the driver's own method, which the domain's handle rightly lacks.
    const releaseBehindItsBack = (tx: Queryable) => {
      const raw = tx as unknown as { run?(q: SQL): unknown; execute?(q: SQL): Promise<unknown> };
      return dialect === 'sqlite' ? raw.run!(sql.raw('RELEASE SAVEPOINT sp_1')) : raw.execute!(sql.raw('RELEASE SAVEPOINT sp_1'));
    };
    const outcome = db
      .transaction(async (tx) => {
        await tx.insert(t.orgs).values(newOrg('undo-outer'));
        await db
          .transaction(async (inner) => {
            await inner.insert(t.orgs).values(newOrg('undo-inner'));
            await releaseBehindItsBack(inner);
            throw new Error('inner failed');
          })
          .catch(() => undefined);
      })
      .catch((e: unknown) => e);
    expect(await outcome).toBeInstanceOf(Error);
    const slugs = (await db.read((q) => q.select({ slug: t.orgs.slug }).from(t.orgs))).map((r) => r.slug);
    expect(slugs).not.toContain('undo-inner');
    expect(slugs).not.toContain('undo-outer');
  });

  it('reads its own uncommitted writes inside a transaction, and others do not see them until commit', async () => {
    const t = db.tables;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let insideSaw = 0;
    let inside = false;
    const writer = db.transaction(async (tx) => {
      await tx.insert(t.orgs).values(newOrg('isolation'));
      insideSaw = (await db.read((q) => q.select().from(t.orgs).where(eq(t.orgs.slug, 'isolation')))).length;
      inside = true;
      await gate;
    });
    await waitFor('the writer inside its transaction, its row written', () => inside);
    const outsideSaw = (await db.read((q) => q.select().from(t.orgs).where(eq(t.orgs.slug, 'isolation')))).length;
    release();
    await writer;
    expect(insideSaw).toBe(1);
    expect(outsideSaw).toBe(0);
  });

  it('loses no update under 50 concurrent read-modify-write increments', async () => {
    const t = db.tables;
    const { projectId } = await makeProject();
    await Promise.all(
      Array.from({ length: 50 }, () =>
        db.transaction(async (tx) => {
          // Where the dialect has concurrent writers, the row lock is what serialises them; SQLite has one writer.
          const [row] = await locked(db, tx.select({ seq: t.projects.taskSeq }).from(t.projects).where(eq(t.projects.id, projectId)));
          await tx
            .update(t.projects)
            .set({ taskSeq: row!.seq + 1 })
            .where(eq(t.projects.id, projectId));
        }),
      ),
    );
    const [after] = await db.read((q) => q.select({ seq: t.projects.taskSeq }).from(t.projects).where(eq(t.projects.id, projectId)));
    expect(after!.seq).toBe(50);
  });

  it('hands out gap-free sequence numbers to concurrent transactions', async () => {
    const t = db.tables;
    const { orgId, projectId } = await makeProject();
    const numbers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        db.transaction(async (tx) => {
          const [p] = await tx
            .update(t.projects)
            .set({ taskSeq: sql`${t.projects.taskSeq} + 1` })
            .where(eq(t.projects.id, projectId))
            .returning({ seq: t.projects.taskSeq });
          await tx.insert(t.tasks).values({ orgId, projectId, number: p!.seq, title: `t${i}`, titleSearch: `t${i}`, status: 'todo', priority: 'normal' });
          return p!.seq;
        }),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('maps a unique violation to UniqueViolationError naming the columns (409)', async () => {
    const t = db.tables;
    await db.write((tx) => tx.insert(t.orgs).values(newOrg('dup')));
    const err = await db.write((tx) => tx.insert(t.orgs).values(newOrg('dup'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UniqueViolationError);
    expect((err as UniqueViolationError).status).toBe(409);
    expect((err as UniqueViolationError).info.columns).toEqual(['slug']);
    expect((err as Error).message).not.toContain('dup');
  });

  it('maps a foreign key violation to ForeignKeyViolationError (409)', async () => {
    const t = db.tables;
    const err = await db
      .write((tx) => tx.insert(t.members).values({ orgId: 'no-such-org', email: 'a@b.c', name: 'A', role: 'member' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignKeyViolationError);
    expect((err as ForeignKeyViolationError).status).toBe(409);
  });

  it('maps a not-null violation to NotNullViolationError naming the column (400)', async () => {
    const t = db.tables;
    const err = await db.write((tx) => tx.insert(t.orgs).values({ slug: 'nn', name: null as unknown as string })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotNullViolationError);
    expect((err as NotNullViolationError).info.columns).toEqual(['name']);
  });

  it('stores a NUL character in text where the dialect can, and refuses it as a 400 where it cannot', async () => {
    const t = db.tables;
    const name = 'before\u0000after';
    const result = await db.write((tx) => tx.insert(t.orgs).values({ slug: 'nul', name }).returning()).catch((e: unknown) => e);
    const [read] = await db.read((q) => q.select().from(t.orgs).where(eq(t.orgs.slug, 'nul')));
    if (dialect === 'sqlite') {
      // SQLite text holds any code point.
      expect(result).toEqual([expect.objectContaining({ name })]);
      expect(read!.name).toBe(name);
    } else {
      // PostgreSQL text cannot hold U+0000: the driver's error becomes ours, never a 500.
      expect(result).toBeInstanceOf(UnstorableValueError);
      expect((result as UnstorableValueError).status).toBe(400);
      expect((result as Error).message).toMatch(/NUL/);
      expect(read).toBeUndefined();
    }
  });

  it('round-trips unicode and large values unchanged', async () => {
    const t = db.tables;
    const { orgId, projectId } = await makeProject();
    const title = 'Ünïcödé ✓ 日本語 עברית 👩‍👩‍👧‍👦 e\u0301 \u{1F600}';
    const description = 'x'.repeat(1024 * 1024) + '🚀';
    const [row] = await db.write((tx) =>
      tx
        .insert(t.tasks)
        .values({ orgId, projectId, number: 1, title, titleSearch: title.toLowerCase(), description, status: 'todo', priority: 'normal' })
        .returning(),
    );
    const [read] = await db.read((q) => q.select().from(t.tasks).where(eq(t.tasks.id, row!.id)));
    expect(read!.title).toBe(title);
    expect(read!.description).toBe(description);
  });

  it('keeps milliseconds and the instant of timestamps, whatever zone they were written in', async () => {
    const t = db.tables;
    const { orgId, projectId } = await makeProject();
    const instants = [
      new Date('2024-02-29T23:59:59.123Z'),
      new Date('2030-06-01T08:15:00.999+05:30'),
      new Date('1999-12-31T23:59:59.001-08:00'),
      // The ends of the storable range, and years below 100 that Date's own text parser would turn into 19xx.
      new Date('0001-01-01T00:00:00.000Z'),
      new Date('0013-01-01T00:00:59.000Z'),
      new Date('0099-06-01T12:00:00.000Z'),
      new Date('9999-12-31T23:59:59.999Z'),
    ];
    for (const [i, dueAt] of instants.entries()) {
      await db.write((tx) =>
        tx.insert(t.tasks).values({ orgId, projectId, number: i + 1, title: `d${i}`, titleSearch: `d${i}`, status: 'todo', priority: 'normal', dueAt }),
      );
    }
    const rows = await db.read((q) => q.select({ number: t.tasks.number, dueAt: t.tasks.dueAt }).from(t.tasks).where(eq(t.tasks.projectId, projectId)));
    const byNumber = new Map(rows.map((r) => [r.number, r.dueAt]));
    instants.forEach((d, i) => expect(byNumber.get(i + 1)?.toISOString()).toBe(d.toISOString()));
  });

  it('round-trips booleans and JSON', async () => {
    const t = db.tables;
    const { orgId, projectId } = await makeProject();
    await db.write((tx) => tx.update(t.projects).set({ archived: true }).where(eq(t.projects.id, projectId)));
    const [p] = await db.read((q) => q.select({ archived: t.projects.archived }).from(t.projects).where(eq(t.projects.id, projectId)));
    expect(p!.archived).toBe(true);
    const labels = ['bug', 'ü-label', 'with "quotes"', 'emoji 🐛', ''];
    const [task] = await db.write((tx) =>
      tx.insert(t.tasks).values({ orgId, projectId, number: 9, title: 'j', titleSearch: 'j', status: 'todo', priority: 'low', labels }).returning(),
    );
    const [read] = await db.read((q) => q.select({ labels: t.tasks.labels }).from(t.tasks).where(eq(t.tasks.id, task!.id)));
    expect(read!.labels).toEqual(labels);
    const [fresh] = await db.read((q) =>
      q
        .select({ labels: t.tasks.labels, archived: t.projects.archived })
        .from(t.tasks)
        .innerJoin(t.projects, eq(t.projects.id, t.tasks.projectId))
        .where(eq(t.tasks.id, task!.id)),
    );
    expect(fresh).toEqual({ labels, archived: true });
  });

  it('applies migrations once: a second run finds nothing to do', async () => {
    const report = await db.admin.migrate();
    expect(report).toEqual({ applied: [], alreadyApplied: 1 });
  });

  it('reports health with what the dialect can tell', async () => {
    const health = await db.health();
    expect(health).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(health.detail).toBeUndefined();
    // SQLite names its file and queued writers; Postgres its pool, which /metrics reads.
    if (dialect === 'sqlite') expect(health).toMatchObject({ file: expect.any(String), waitingWriters: 0 });
    else expect(health).toMatchObject({ pool: { total: expect.any(Number), idle: expect.any(Number), waiting: 0 } });
  });

  it('verify() accepts a database fit to serve', async () => {
    await expect(db.admin.verify()).resolves.toBeUndefined();
  });
});

describe.each(DIALECTS)('Database lifecycle on %s', (dialect) => {
  it('close() waits for a transaction in progress, is idempotent, and refuses work afterwards', async () => {
    const { db } = await openFresh(dialect);
    const t = db.tables;
    let finished = false;
    let started!: () => void;
    const inTransaction = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = db.transaction(async (tx) => {
      started();
      await gate;
      await tx.insert(t.orgs).values({ slug: 'late', name: 'Late' });
      finished = true;
    });
    await inTransaction;
    // Closed while the transaction is open: it must still commit its last statement, and close() wait for it.
    const closing = db.close();
    const again = db.close();
    release();
    await Promise.all([closing, again, slow]);
    expect(finished).toBe(true);
    await expect(db.transaction(async () => undefined)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(db.read(async () => undefined)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    // verify() speaks our error classes, never the driver's, and health() says the database cannot answer.
    await expect(db.admin.verify()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(await db.health()).toMatchObject({ ok: false, detail: expect.any(String) });
  });
});
