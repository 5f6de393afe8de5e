// Row locks and named locks for read-then-write inside a write transaction. On PostgreSQL, concurrent writers run
// side by side, so a row read to decide a change is locked until commit, and writers of one key queue on an advisory
// lock: the decision cannot go stale before the write lands. SQLite needs neither: its single writer runs write
// transactions one at a time, so nothing changes under one.
// `for(...)` is a builder method SQLite's builders lack, so this is the one place that calls it, behind the capability
// (test/db/driver-imports.test.ts keeps it the one place).
import type { Database, Queryable } from '../db/database.js';

export type LockStrength = 'update' | 'share';

/** `query` with FOR UPDATE (or FOR SHARE) where the dialect has row locks; `query` unchanged elsewhere. */
export function locked<Q extends { for(strength: LockStrength): unknown }>(db: Database, query: Q, strength: LockStrength = 'update'): Q {
  return db.capabilities.rowLocks ? (query.for(strength) as Q) : query;
}

/**
 * Holds the lock named `key` until the transaction of `tx` ends (call it inside `write`/`transaction` only), so
 * writers taking the same key run one after the other, across processes too: the dialect's named lock where it has
 * `locks`, and nothing to take where a single writer already runs write transactions one at a time. A dialect with
 * concurrent writers and no locks would let such writers interleave unseen, so it is refused.
 */
export function holdLock(db: Database, tx: Queryable, key: string): Promise<void> {
  if (db.locks) return db.locks.lock(tx, key);
  if (db.capabilities.concurrentWriters) {
    return Promise.reject(new TypeError(`the ${db.dialect} Database runs writers concurrently but offers no locks; give it a \`locks\` facet`));
  }
  return Promise.resolve();
}
