// The RBAC cache on SQLite, in process, with two Databases on one file as two server processes would have: the
// writer's data_version moves only on the other's commits, a request's first decision reads it, and only an
// organization whose version row moved loses its cached decisions. (Two real processes: rbac.test.ts.)
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openSqlite } from '../../src/db/sqlite/driver.js';
import type { Principal } from '../../src/domain/authorizer.js';
import { permissionSet } from '../../src/domain/permissions.js';
import { ENTERPRISE_PERMISSIONS } from '../../src/enterprise/permissions.js';
import { RbacAuthorizer } from '../../src/enterprise/rbac/authorizer.js';
import { dataVersionFreshness } from '../../src/enterprise/rbac/sqlite/data-version-freshness.js';
import { stamp, type RbacStore } from '../../src/enterprise/rbac/store.js';
import { enterpriseSchema } from '../../src/enterprise/tables.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

const opened: Database[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

/** Two Databases on one fresh file, with the module's schema; `reads` counts the first one's reads. */
async function twoOnOneFile() {
  const { db: first, location } = await openFresh('sqlite');
  const schema = await enterpriseSchema('sqlite');
  await first.admin.migrate(await schema.migrations());
  const second = openSqlite({ file: location, busyTimeoutMs: 5000 });
  opened.push(first, second);
  const permissions = permissionSet(ENTERPRISE_PERMISSIONS);
  const counted = { reads: 0 };
  // The same database, its reads counted: a version row or a member's roles and grants, each one read.
  const db: Database = Object.create(first, {
    read: { value: (fn: Parameters<Database['read']>[0], options: Parameters<Database['read']>[1]) => ((counted.reads += 1), first.read(fn, options)) },
  });
  const store: RbacStore = { db, tables: schema.tables, permissions };
  const other: RbacStore = { db: second, tables: schema.tables, permissions };
  const authorizer = new RbacAuthorizer(store, Promise.resolve(dataVersionFreshness(store, () => first.dataVersion!())));
  return { first, second, store, other, authorizer, counted };
}

const member = (orgId: string): Principal => ({ orgId, memberId: `m-${orgId}`, role: 'member', tokenId: 't' });

describe.runIf(DIALECTS.includes('sqlite'))('SQLite: the RBAC cache kept fresh by data_version', () => {
  it("data_version moves on another connection's commit, never on the writer's own", async () => {
    const { first, store, other } = await twoOnOneFile();
    expect(first.dataVersion).toBeTypeOf('function');
    const before = first.dataVersion!();
    await first.write((tx) => stamp(tx, store, 'own'));
    expect(first.dataVersion!()).toBe(before);
    await other.db.write((tx) => stamp(tx, other, 'theirs'));
    expect(first.dataVersion!()).not.toBe(before);
  });

  it("a request's first decision reads data_version; only a moved version row costs the cache", async () => {
    const { authorizer, other, counted } = await twoOnOneFile();
    authorizer.requestStarted();
    await authorizer.authorize(member('a'), 'task:read');
    await authorizer.authorize(member('b'), 'task:read');
    const warm = counted.reads;

    // Nothing committed elsewhere: every decision from cache, without a query.
    authorizer.requestStarted();
    await authorizer.authorize(member('a'), 'task:read');
    await authorizer.authorize(member('b'), 'task:read');
    expect(counted.reads).toBe(warm);

    // The other process changes organization b: the next request reads each organization's version row once, and
    // only b's decision is computed again.
    await other.db.write((tx) => stamp(tx, other, 'b'));
    authorizer.requestStarted();
    await authorizer.authorize(member('a'), 'task:read');
    expect(counted.reads).toBe(warm + 1);
    await authorizer.authorize(member('b'), 'task:read');
    expect(counted.reads).toBe(warm + 3);
    await authorizer.authorize(member('b'), 'task:read');
    expect(counted.reads).toBe(warm + 3);
  });
});
