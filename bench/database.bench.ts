// The database layer against what a user would otherwise write by hand, side by side in one run (`npm run bench`):
// flagship's Database (async mutex + BEGIN IMMEDIATE on SQLite, pooled client + BEGIN on Postgres, error mapping)
// versus drizzle on the bare driver. vitest prints each pair's ratio ("x times faster than").
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import type { Database } from '../src/db/database.js';
import * as pgSchema from '../src/db/postgres/schema.js';
import * as sqliteSchema from '../src/db/sqlite/schema.js';
import { openFresh } from '../test/support/dialects.js';

const options = { iterations: 2000, warmupIterations: 200, time: 0 };

describe('sqlite: one-row write transaction', () => {
  let db: Database;
  let raw: ReturnType<typeof drizzleSqlite<typeof sqliteSchema.tables>>;
  let conn: BetterSqlite3.Database;
  beforeAll(async () => {
    ({ db } = await openFresh('sqlite'));
    // The bare baseline on its own file, migrated through our layer so both have the same schema and indexes.
    const setup = await openFresh('sqlite');
    await setup.db.close();
    conn = new BetterSqlite3(setup.location);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
    raw = drizzleSqlite(conn, { schema: sqliteSchema.tables, casing: 'snake_case' });
  });
  afterAll(async () => {
    await db.close();
    conn.close();
  });

  bench('flagship Database.write (async callback)', async () => {
    await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: randomUUID(), name: 'bench' }));
  }, options);

  bench('drizzle + better-sqlite3, sync transaction', () => {
    raw.transaction((tx) => {
      tx.insert(sqliteSchema.orgs).values({ slug: randomUUID(), name: 'bench' }).run();
    });
  }, options);
});

describe('sqlite: point read by primary key', () => {
  let db: Database;
  let raw: ReturnType<typeof drizzleSqlite<typeof sqliteSchema.tables>>;
  let conn: BetterSqlite3.Database;
  let id = '';
  beforeAll(async () => {
    const opened = await openFresh('sqlite');
    db = opened.db;
    const [org] = await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: 'read', name: 'read' }).returning());
    id = org!.id;
    conn = new BetterSqlite3(opened.location, { readonly: true });
    raw = drizzleSqlite(conn, { schema: sqliteSchema.tables, casing: 'snake_case' });
  });
  afterAll(async () => {
    await db.close();
    conn.close();
  });

  bench('flagship Database.read', async () => {
    await db.read((q) => q.select().from(db.tables.orgs).where(eq(db.tables.orgs.id, id)));
  }, options);

  bench('drizzle + better-sqlite3', () => {
    raw.select().from(sqliteSchema.orgs).where(eq(sqliteSchema.orgs.id, id)).all();
  }, options);
});

describe('postgres: one-row write transaction', () => {
  let db: Database;
  let pool: pg.Pool;
  let raw: ReturnType<typeof drizzlePg<typeof pgSchema.tables>>;
  beforeAll(async () => {
    const opened = await openFresh('postgres', { poolMax: 4 });
    db = opened.db;
    pool = new pg.Pool({ connectionString: opened.location, max: 4 });
    raw = drizzlePg({ client: pool, schema: pgSchema.tables, casing: 'snake_case' });
  });
  afterAll(async () => {
    await db.close();
    await pool.end();
  });

  bench('flagship Database.write', async () => {
    await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: randomUUID(), name: 'bench' }));
  }, { ...options, iterations: 500, warmupIterations: 50 });

  bench('drizzle + pg, db.transaction', async () => {
    await raw.transaction(async (tx) => {
      await tx.insert(pgSchema.orgs).values({ slug: randomUUID(), name: 'bench' });
    });
  }, { ...options, iterations: 500, warmupIterations: 50 });
});
