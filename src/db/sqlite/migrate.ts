import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS_TABLE } from '../schema/column-kit.js';
import { loadMigrations, type Migration, type SqlFile, type MigrationTarget } from '../migrator.js';
import journal from './migrations/meta/_journal.json' with { type: 'json' };

/** The migrations generated into ./migrations, embedded in the bundle as text. */
export function sqliteMigrations(): Promise<Migration[]> {
  return loadMigrations(journal, (tag) => import(`./migrations/${tag}.sql`) as Promise<SqlFile>);
}

/** Runs on the writer connection, which the caller holds (the adapter's mutex), so no one else is writing. */
export function sqliteMigrationTarget(conn: BetterSqlite3.Database): MigrationTarget {
  return {
    async ensureTable() {
      conn.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag TEXT PRIMARY KEY, hash TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    },
    async applied() {
      const rows = conn.prepare(`SELECT tag, hash FROM ${MIGRATIONS_TABLE}`).all() as Array<{ tag: string; hash: string }>;
      return new Map(rows.map((r) => [r.tag, r.hash]));
    },
    async apply(m) {
      // SQLite DDL is transactional: a failing statement rolls back the whole migration.
      conn.exec('BEGIN IMMEDIATE');
      try {
        for (const statement of m.statements) conn.exec(statement);
        conn.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (tag, hash, applied_at) VALUES (?, ?, ?)`).run(m.tag, m.hash, Date.now());
        conn.exec('COMMIT');
        return true;
      } catch (err) {
        conn.exec('ROLLBACK');
        throw err;
      }
    },
  };
}
