// The domain's query handle offers only what both dialects share. Checked by `tsc --noEmit` (part of `npm test`): each
// `@ts-expect-error` below fails the type check if the call it marks starts to compile, which is what happens when
// the handle is widened back to drizzle's Postgres database (whose extra methods SQLite's handle does not have).
// Code that runs only on Postgres asks for that handle by name: postgresHandle(q) (src/db/postgres/handle.ts).
import { eq, sql } from 'drizzle-orm';
import { statement, type Database, type ListenHandlers } from '../../src/db/database.js';
import type { PostgresAdapter } from '../../src/db/postgres/driver.js';
import type { SqliteAdapter } from '../../src/db/sqlite/driver.js';

/** Domain-style functions: what every dialect runs. */
export function shared(db: Database) {
  const { orgs } = db.tables;
  return db.write(async (tx) => {
    await tx.insert(orgs).values({ slug: 's', name: 'S' });
    await tx.update(orgs).set({ name: 'T' }).where(eq(orgs.slug, 's'));
    const rows = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.slug, 's'));
    await tx.delete(orgs).where(eq(orgs.slug, 's'));
    return rows;
  });
}

/** Postgres-only query methods: none of these may compile in code written for both dialects. */
export function postgresOnly(db: Database) {
  const { orgs } = db.tables;
  return db.read(async (q) => {
    // @ts-expect-error `execute` runs raw SQL through the Postgres driver; SQLite's handle has no such method.
    await q.execute(sql`select 1`);
    // @ts-expect-error DISTINCT ON is Postgres syntax.
    await q.selectDistinctOn([orgs.slug]).from(orgs);
    // @ts-expect-error drizzle's own transactions bypass the Database contract (and refuse async callbacks on SQLite).
    await q.transaction(async () => undefined);
  });
}

const handlers: ListenHandlers = { message: () => undefined, connected: () => undefined, disconnected: () => undefined };

/**
 * What only some dialects can do is a facet, checked by type: code written for every dialect narrows before using it,
 * LISTEN on SQLite does not compile, and the query contract carries no start-up work.
 */
export async function facets(db: Database, sqlite: SqliteAdapter, postgres: PostgresAdapter) {
  // @ts-expect-error `notifications` may be absent (SQLite): narrow first.
  await db.notifications.listen('c', handlers);
  if (db.notifications) await db.notifications.listen('c', handlers);
  // @ts-expect-error SQLite has no LISTEN/NOTIFY, not even behind `?.`.
  await sqlite.notifications?.listen('c', handlers);
  // @ts-expect-error SQLite has no named locks: its single writer already serialises (holdLock knows).
  await sqlite.write((tx) => sqlite.locks?.lock(tx, 'k'));
  // @ts-expect-error SQLite sends nothing with its COMMIT: its statements run in process, in the transaction.
  await sqlite.write(async (tx) => sqlite.atCommit?.add(tx, statement`SELECT 1`));
  // @ts-expect-error `atCommit` may be absent (SQLite): narrow first.
  await db.write(async (tx) => db.atCommit.add(tx, statement`SELECT 1`));
  // @ts-expect-error PostgreSQL has no data_version.
  postgres.dataVersion?.();
  // Where a dialect has a facet, its own adapter type says so: no narrowing needed.
  await postgres.notifications.listen('c', handlers);
  await postgres.write((tx) => postgres.locks.lock(tx, 'k'));
  await postgres.write(async (tx) => postgres.atCommit.add(tx, statement`SELECT 1`));
  sqlite.dataVersion();
  // @ts-expect-error migrating is start-up's (OpenedDatabase.admin), not the query contract's.
  await db.admin.migrate();
  await sqlite.admin.migrate();
  // @ts-expect-error capabilities say how the contract runs; what a dialect can do besides is a facet, not a flag.
  return db.capabilities.listenNotify;
}
