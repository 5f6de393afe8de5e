import { MIGRATIONS_TABLE } from '../schema/column-kit.js';
import { loadMigrations, type Migration, type SqlFile, type MigrationTarget } from '../migrator.js';
import type { PgClient, PgPool } from './pool.js';
import journal from './migrations/meta/_journal.json' with { type: 'json' };

// Any fixed 64-bit key: every flagship instance that migrates the same database takes this lock, so two instances
// starting together apply each migration once.
const MIGRATION_LOCK = 7_265_312_004_451n;

/** The migrations generated into ./migrations, embedded in the bundle as text. */
export function postgresMigrations(): Promise<Migration[]> {
  return loadMigrations(journal, (tag) => import(`./migrations/${tag}.sql`) as Promise<SqlFile>);
}

async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export function postgresMigrationTarget(pool: PgPool): MigrationTarget {
  return {
    async ensureTable() {
      await inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
      });
    },
    async applied() {
      const { rows } = await pool.query<{ tag: string; hash: string }>(`SELECT tag, hash FROM ${MIGRATIONS_TABLE}`);
      return new Map(rows.map((r) => [r.tag, r.hash]));
    },
    apply(m) {
      // PostgreSQL DDL is transactional: a failing statement rolls back the whole migration.
      return inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
        const { rowCount } = await c.query(`SELECT 1 FROM ${MIGRATIONS_TABLE} WHERE tag = $1`, [m.tag]);
        if (rowCount) return false;
        for (const statement of m.statements) await c.query(statement);
        await c.query(`INSERT INTO ${MIGRATIONS_TABLE} (tag, hash) VALUES ($1, $2)`, [m.tag, m.hash]);
        return true;
      });
    },
  };
}
