// Named locks and notifications on every dialect: a lock keeps two writers of one key apart until commit (Postgres's
// advisory lock, SQLite's single writer); a notice reaches listeners at commit and never from a rolled-back
// transaction; SQLite has no notifications facet to call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { holdLock } from '../../src/domain/locks.js';
import { DIALECTS, openFresh } from '../support/dialects.js';
import { waitFor } from '../support/wait.js';

describe.each(DIALECTS)('lock, notify and listen on %s', (dialect) => {
  let db: Database;
  let location: string;

  beforeAll(async () => {
    ({ db, location } = await openFresh(dialect));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs transactions holding the same lock one after the other', async () => {
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const first = new Promise<void>((r) => (entered = r));
    const a = db.write(async (tx) => {
      await holdLock(db, tx, 'k');
      events.push('a in');
      entered();
      await held;
      events.push('a out');
    });
    await first;
    const b = db.write(async (tx) => {
      await holdLock(db, tx, 'k');
      events.push('b in');
    });
    // b cannot enter while a holds the lock; a leaves only when released. PostgreSQL shows b waiting on the lock;
    // SQLite has one writer, so b is queued behind a from the moment it asks.
    if (dialect === 'postgres') {
      const { queryOne } = await import('../support/postgres/sql.js');
      await waitFor('b waiting on the advisory lock', async () => {
        const row = await queryOne<{ n: number }>(location, "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
        return row.n > 0;
      });
    }
    expect(events).toEqual(['a in']);
    release();
    await Promise.all([a, b]);
    expect(events).toEqual(['a in', 'a out', 'b in']);
  });

  // Per-dialect expectations: Postgres delivers notices, SQLite has no LISTEN and says what to use instead.
  if (dialect === 'postgres')
    it('delivers a notice at commit, and none from a rollback', async () => {
      const heard: string[] = [];
      let connected!: () => void;
      const ready = new Promise<void>((r) => (connected = r));
      const notifications = db.notifications;
      if (!notifications) throw new Error('the Postgres Database has no notifications facet');
      const sub = await notifications.listen('flagship_test', { message: (p) => heard.push(p), connected: () => connected(), disconnected: () => undefined });
      try {
        await ready;
        await db.write((tx) => notifications.notify(tx, 'flagship_test', 'kept'));
        await db
          .write(async (tx) => {
            await notifications.notify(tx, 'flagship_test', 'lost');
            throw new Error('roll back');
          })
          .catch(() => undefined);
        await db.write((tx) => notifications.notify(tx, 'flagship_test', 'after'));
        await waitFor('two notices heard', () => heard.length >= 2, 10_000);
        expect(heard).toEqual(['kept', 'after']);
      } finally {
        await sub.close();
        await sub.close();
      }
    });

  if (dialect === 'sqlite')
    it('has no notifications and no locks to take: its single writer already serialises write transactions', () => {
      expect(db.notifications).toBeUndefined();
      expect(db.locks).toBeUndefined();
      expect(db.capabilities.concurrentWriters).toBe(false);
    });

  it('has named locks wherever writers run concurrently', () => {
    expect(db.locks !== undefined || !db.capabilities.concurrentWriters).toBe(true);
  });

  it('refuses to take a named lock on a Database with concurrent writers and no locks, instead of letting writers interleave', async () => {
    const unlocked: Database = { ...db, locks: undefined, capabilities: { ...db.capabilities, concurrentWriters: true } };
    await expect(db.write((tx) => holdLock(unlocked, tx, 'k'))).rejects.toThrow(/runs writers concurrently but offers no locks/);
  });
});
