// What only the SQLite adapter has to get right: its connection settings, the writer mutex, the reader connection.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { NOT_NOW } from '../../src/db/database.js';
import { DatabaseUnavailableError } from '../../src/db/errors.js';
import { Mutex } from '../../src/db/mutex.js';
import { prepared, readPrepared, slot, UNNAMED } from '../../src/db/prepared.js';
import { openSqlite } from '../../src/db/sqlite/driver.js';
import { openFresh } from '../support/dialects.js';

describe('SQLite adapter', () => {
  it('opens the file in WAL mode with foreign keys on', async () => {
    const { db, location } = await openFresh('sqlite');
    const probe = new BetterSqlite3(location, { readonly: true });
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
    await db.close();
  });

  it('on :memory: (one connection), a read never sees a write transaction that has not committed', async () => {
    const db = openSqlite({ file: ':memory:', busyTimeoutMs: 1000 });
    await db.admin.migrate();
    const t = db.tables;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    const writing = db.write(async (tx) => {
      await tx.insert(t.orgs).values({ slug: 'pending', name: 'Pending' });
      inserted();
      await gate;
      throw new Error('rolled back');
    });
    await insertedYet;
    const reading = db.read((q) => q.select().from(t.orgs));
    release();
    await expect(writing).rejects.toThrow('rolled back');
    expect(await reading).toEqual([]);
    await db.close();
  });

  it('serves reads from the committed state while a write transaction is open', async () => {
    const { db } = await openFresh('sqlite');
    const t = db.tables;
    await db.write((tx) => tx.insert(t.orgs).values({ slug: 'before', name: 'Before' }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writing = db.write(async (tx) => {
      await tx.update(t.orgs).set({ name: 'During' }).where(eq(t.orgs.slug, 'before'));
      await gate;
    });
    const [seen] = await db.read((q) => q.select({ name: t.orgs.name }).from(t.orgs).where(eq(t.orgs.slug, 'before')));
    release();
    await writing;
    expect(seen!.name).toBe('Before');
    const [after] = await db.read((q) => q.select({ name: t.orgs.name }).from(t.orgs).where(eq(t.orgs.slug, 'before')));
    expect(after!.name).toBe('During');
    await db.close();
  });

  it('works in memory', async () => {
    const db = openSqlite({ file: ':memory:', busyTimeoutMs: 100 });
    await db.admin.migrate();
    await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: 'mem', name: 'Mem' }));
    expect(await db.read((q) => q.select().from(db.tables.orgs))).toHaveLength(1);
    await db.close();
  });

  it('tells what is wrong when the file cannot be opened', () => {
    const blocker = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-blocked-')), 'a-file');
    writeFileSync(blocker, '');
    const attempt = () => openSqlite({ file: path.join(blocker, 'sub', 'x.db'), busyTimeoutMs: 100 });
    expect(attempt).toThrow(DatabaseUnavailableError);
    expect(attempt).toThrow(/cannot open the SQLite database at .*a-file\/sub\/x\.db: .*set DATABASE_URL to another file/);
  });
});

describe('SQLite readNow: a prepared read answered before the call returns', () => {
  const orgBySlug = prepared((q, { orgs }) =>
    q
      .select({ name: orgs.name })
      .from(orgs)
      .where(eq(orgs.slug, slot('slug')))
      .prepare(UNNAMED),
  );

  /** A write transaction that has changed `slug`'s name and waits, uncommitted, until `finish` is called. */
  async function pausedWrite(db: ReturnType<typeof openSqlite>, slug: string, name: string) {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (finish = r));
    let changed!: () => void;
    const changedYet = new Promise<void>((r) => (changed = r));
    const writing = db.write(async (tx) => {
      await tx.update(db.tables.orgs).set({ name }).where(eq(db.tables.orgs.slug, slug));
      changed();
      if (!(await decided)) throw new Error('rolled back');
    });
    await changedYet;
    return { finish, writing };
  }

  it('reads the committed state on the read connection, never an open transaction of another caller', async () => {
    const { db } = await openFresh('sqlite');
    const sqlite = db as ReturnType<typeof openSqlite>;
    await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: 'now', name: 'Before' }));
    const { finish, writing } = await pausedWrite(sqlite, 'now', 'During');
    expect(sqlite.readNow(orgBySlug, { slug: 'now' })).toEqual([{ name: 'Before' }]);
    // readPrepared, what the token lookup and a route's task go through, answers with the value itself: no promise.
    expect(readPrepared(db, orgBySlug, { slug: 'now' }, (rows) => rows.map((r) => r.name))).toEqual(['Before']);
    finish(true);
    await writing;
    expect(sqlite.readNow(orgBySlug, { slug: 'now' })).toEqual([{ name: 'During' }]);
    expect(sqlite.readNow(orgBySlug, { slug: 'missing' })).toEqual([]);
    await db.close();
  });

  it("inside a transaction reads that transaction's own uncommitted rows, as read() does", async () => {
    const { db } = await openFresh('sqlite');
    const sqlite = db as ReturnType<typeof openSqlite>;
    const seen = await db.write(async (tx) => {
      await tx.insert(db.tables.orgs).values({ slug: 'mine', name: 'Mine' });
      return { now: sqlite.readNow(orgBySlug, { slug: 'mine' }), helper: await readPrepared(db, orgBySlug, { slug: 'mine' }, (rows) => rows) };
    });
    expect(seen).toEqual({ now: [{ name: 'Mine' }], helper: [{ name: 'Mine' }] });
    await db.close();
  });

  it("on :memory: (one connection) answers nothing while another caller's transaction holds it, and readPrepared waits for the commit", async () => {
    const db = openSqlite({ file: ':memory:', busyTimeoutMs: 1000 });
    await db.admin.migrate();
    await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: 'mem', name: 'Before' }));
    expect(db.readNow(orgBySlug, { slug: 'mem' })).toEqual([{ name: 'Before' }]);
    const { finish, writing } = await pausedWrite(db, 'mem', 'Uncommitted');
    expect(db.readNow(orgBySlug, { slug: 'mem' })).toBe(NOT_NOW);
    const waiting = readPrepared(db, orgBySlug, { slug: 'mem' }, (rows) => rows);
    expect(waiting).toBeInstanceOf(Promise);
    finish(false);
    await expect(writing).rejects.toThrow('rolled back');
    expect(await waiting).toEqual([{ name: 'Before' }]);
    // Free again: answered at once, and the writer's connection is handed back (a write still goes through).
    expect(db.readNow(orgBySlug, { slug: 'mem' })).toEqual([{ name: 'Before' }]);
    await db.write((tx) => tx.update(db.tables.orgs).set({ name: 'After' }).where(eq(db.tables.orgs.slug, 'mem')));
    expect(db.readNow(orgBySlug, { slug: 'mem' })).toEqual([{ name: 'After' }]);
    await db.close();
  });

  it('answers nothing once closing, and readPrepared then gets the 503 every read gets', async () => {
    const { db } = await openFresh('sqlite');
    const sqlite = db as ReturnType<typeof openSqlite>;
    await db.close();
    expect(sqlite.readNow(orgBySlug, { slug: 'x' })).toBe(NOT_NOW);
    await expect(readPrepared(db, orgBySlug, { slug: 'x' }, (rows) => rows)).rejects.toThrow(DatabaseUnavailableError);
  });
});

describe('Mutex', () => {
  it('admits holders one at a time, in order', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        mutex.run(async () => {
          order.push(`${name}+`);
          await new Promise((r) => setImmediate(r));
          order.push(`${name}-`);
        }),
      ),
    );
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('throws when released twice', async () => {
    const release = await new Mutex().acquire();
    release();
    expect(() => release()).toThrow('mutex released twice');
  });
});
