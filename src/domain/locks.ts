// Row locks for read-then-write inside a write transaction. On PostgreSQL, concurrent writers run side by side, so a
// row read to decide a change is locked until commit: the decision cannot go stale before the write lands. SQLite
// needs none: its single writer runs write transactions one at a time, so nothing changes under one.
// `for(...)` is a builder method SQLite's builders lack, so this is the one place that calls it, behind the capability
// (test/db/driver-imports.test.ts keeps it the one place).
import type { Database } from '../db/database.js';

export type LockStrength = 'update' | 'share';

/** `query` with FOR UPDATE (or FOR SHARE) where the dialect has row locks; `query` unchanged elsewhere. */
export function locked<Q extends { for(strength: LockStrength): unknown }>(db: Database, query: Q, strength: LockStrength = 'update'): Q {
  return db.capabilities.rowLocks ? (query.for(strength) as Q) : query;
}
