// The domain's query handle offers only what both dialects share. Checked by `tsc --noEmit` (part of `npm test`): each
// `@ts-expect-error` below fails the type check if the call it marks starts to compile, which is what happens when
// the handle is widened back to drizzle's Postgres database (whose extra methods SQLite's handle does not have).
// Code that runs only on Postgres asks for that handle by name: postgresHandle(q) (src/db/postgres/handle.ts).
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/database.js';

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
