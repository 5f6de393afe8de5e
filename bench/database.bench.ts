// The database layer against what a user would otherwise write by hand, side by side in one run (`npm run bench`):
// flagship's Database (async mutex + BEGIN IMMEDIATE on SQLite, pooled client + BEGIN on Postgres, error mapping)
// versus drizzle on the bare driver. vitest prints each pair's ratio ("x times faster than").
//
// Setup is at module level: vitest's bench mode does not run beforeAll/afterAll hooks, and the worker's exit
// releases the connections.
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { describe } from 'vitest';
import * as pgSchema from '../src/db/postgres/schema.js';
import * as sqliteSchema from '../src/db/sqlite/schema.js';
import { DIALECTS, openFresh } from '../test/support/dialects.js';
import { interleaved } from './interleaved.js';

// BENCH_QUICK (npm run bench -- --quick): a tenth of the iterations, for a run that only checks the wiring.
const scale = process.env.BENCH_QUICK ? 0.1 : 1;
const options = { iterations: 2000 * scale, warmupIterations: 200 * scale, time: 0 };
const pgOptions = { iterations: 500 * scale, warmupIterations: 50 * scale, time: 0 };

/** A bare drizzle on its own file, migrated through our layer so both sides have the same schema and indexes. */
async function bareSqlite(readonly: boolean) {
  const setup = await openFresh('sqlite');
  await setup.db.close();
  const conn = new BetterSqlite3(setup.location, { readonly });
  if (!readonly) {
    // The settings a careful user would pick, and the ones our adapter uses.
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('foreign_keys = ON');
  }
  return { conn, db: drizzleSqlite(conn, { schema: sqliteSchema.tables, casing: 'snake_case' }), location: setup.location };
}

const sqliteWrite = (await openFresh('sqlite')).db;
const sqliteWriteBare = (await bareSqlite(false)).db;
const sqliteWriteRaw = (await bareSqlite(false)).conn;
const rawInsertOrg = sqliteWriteRaw.prepare('INSERT INTO orgs (id, slug, name, created_at) VALUES (?, ?, ?, ?)');
const rawWriteTx = sqliteWriteRaw.transaction((slug: string) => rawInsertOrg.run(randomUUID(), slug, 'bench', Date.now()));

describe('sqlite: one-row write transaction', () => {
  interleaved([
    [
      'flagship Database.write (async callback)',
      async () => {
        await sqliteWrite.write((tx) => tx.insert(sqliteWrite.tables.orgs).values({ slug: randomUUID(), name: 'bench' }));
      },
      options,
    ],

    [
      'drizzle + better-sqlite3, sync transaction',
      () => {
        sqliteWriteBare.transaction((tx) => {
          tx.insert(sqliteSchema.orgs).values({ slug: randomUUID(), name: 'bench' }).run();
        });
      },
      options,
    ],

    [
      'raw better-sqlite3, prepared statement in a sync transaction',
      () => {
        rawWriteTx(randomUUID());
      },
      options,
    ],
  ]);
});

const sqliteRead = await openFresh('sqlite');
const [readOrg] = await sqliteRead.db.write((tx) => tx.insert(sqliteRead.db.tables.orgs).values({ slug: 'read', name: 'read' }).returning());
const sqliteReadBare = drizzleSqlite(new BetterSqlite3(sqliteRead.location, { readonly: true }), { schema: sqliteSchema.tables, casing: 'snake_case' });
const rawReadOrg = new BetterSqlite3(sqliteRead.location, { readonly: true }).prepare('SELECT id, slug, name, created_at FROM orgs WHERE id = ?');

describe('sqlite: point read by primary key', () => {
  const orgs = sqliteRead.db.tables.orgs;
  interleaved([
    [
      'flagship Database.read',
      async () => {
        await sqliteRead.db.read((q) => q.select().from(orgs).where(eq(orgs.id, readOrg!.id)));
      },
      options,
    ],

    [
      'drizzle + better-sqlite3',
      () => {
        sqliteReadBare.select().from(sqliteSchema.orgs).where(eq(sqliteSchema.orgs.id, readOrg!.id)).all();
      },
      options,
    ],

    [
      'raw better-sqlite3, prepared statement',
      () => {
        rawReadOrg.all(readOrg!.id);
      },
      options,
    ],
  ]);
});

if (DIALECTS.includes('postgres')) {
  const opened = await openFresh('postgres', { poolMax: 4 });
  const pool = new pg.Pool({ connectionString: opened.location, max: 4 });
  const bare = drizzlePg({ client: pool, schema: pgSchema.tables, casing: 'snake_case' });
  const db = opened.db;

  describe('postgres: one-row write transaction', () => {
    interleaved([
      [
        'flagship Database.write',
        async () => {
          await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: randomUUID(), name: 'bench' }));
        },
        pgOptions,
      ],

      [
        'drizzle + pg, db.transaction',
        async () => {
          await bare.transaction(async (tx) => {
            await tx.insert(pgSchema.orgs).values({ slug: randomUUID(), name: 'bench' });
          });
        },
        pgOptions,
      ],

      [
        'raw pg, BEGIN/INSERT/COMMIT on a pooled client',
        async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query('INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)', [randomUUID(), randomUUID(), 'bench', new Date()]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        },
        pgOptions,
      ],
    ]);
  });

  const [pgOrg] = await db.write((tx) => tx.insert(db.tables.orgs).values({ slug: 'read', name: 'read' }).returning());

  describe('postgres: point read by primary key', () => {
    const orgs = db.tables.orgs;
    interleaved([
      [
        'flagship Database.read',
        async () => {
          await db.read((q) => q.select().from(orgs).where(eq(orgs.id, pgOrg!.id)));
        },
        pgOptions,
      ],

      [
        'drizzle + pg',
        async () => {
          await bare.select().from(pgSchema.orgs).where(eq(pgSchema.orgs.id, pgOrg!.id));
        },
        pgOptions,
      ],

      [
        'raw pg, pool.query',
        async () => {
          await pool.query('SELECT id, slug, name, created_at FROM orgs WHERE id = $1', [pgOrg!.id]);
        },
        pgOptions,
      ],
    ]);
  });

  describe('postgres: 16 concurrent one-row write transactions on a pool of 4', () => {
    interleaved([
      [
        'flagship Database.write',
        async () => {
          await Promise.all(Array.from({ length: 16 }, () => db.write((tx) => tx.insert(db.tables.orgs).values({ slug: randomUUID(), name: 'bench' }))));
        },
        { ...pgOptions, iterations: 400 * scale, warmupIterations: 20 * scale },
      ],

      [
        'drizzle + pg, db.transaction',
        async () => {
          await Promise.all(
            Array.from({ length: 16 }, () =>
              bare.transaction(async (tx) => {
                await tx.insert(pgSchema.orgs).values({ slug: randomUUID(), name: 'bench' });
              }),
            ),
          );
        },
        { ...pgOptions, iterations: 400 * scale, warmupIterations: 20 * scale },
      ],
    ]);
  });
}
