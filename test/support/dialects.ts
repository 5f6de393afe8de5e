// The dialects the conformance suite runs on: every one by default, narrowed with DIALECTS=sqlite (or postgres).
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { OpenedDatabase as AdministeredDatabase } from '../../src/db/database.js';
import BetterSqlite3 from 'better-sqlite3';
import type { MigrationTarget } from '../../src/db/migrator.js';
import { openPostgres } from '../../src/db/postgres/driver.js';
import { postgresMigrationTarget } from '../../src/db/postgres/migrate.js';
import { createPool } from '../../src/db/postgres/pool.js';
import { sqliteMigrationTarget } from '../../src/db/sqlite/migrate.js';
import { openSqlite } from '../../src/db/sqlite/driver.js';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = (process.env.DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as DialectName[];

export interface OpenedDatabase {
  db: AdministeredDatabase;
  /** SQLite: the file; Postgres: the URL of this test's own database. */
  location: string;
}

/** A fresh, migrated database of the given dialect, private to the caller. */
export async function openFresh(dialect: DialectName, options: { poolMax?: number } = {}): Promise<OpenedDatabase> {
  let opened: OpenedDatabase;
  if (dialect === 'sqlite') {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-sqlite-')), 'test.db');
    opened = { db: openSqlite({ file, busyTimeoutMs: 5000 }), location: file };
  } else {
    // Loaded on demand, so DIALECTS=sqlite runs without starting any PostgreSQL.
    const { createDatabase } = await import('./postgres/index.js');
    const url = await createDatabase(inject('pg'), `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
    opened = {
      db: openPostgres({
        url,
        max: options.poolMax ?? 20,
        connectionTimeoutMs: 10_000,
        idleTimeoutMs: 10_000,
        statementTimeoutMs: 30_000,
        maxLifetimeSeconds: 0,
        applicationName: 'flagship-test',
      }),
      location: url,
    };
  }
  await opened.db.admin.migrate();
  return opened;
}

export interface RawMigrationAccess {
  target: MigrationTarget;
  tableExists(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The dialect's migration target on its own connection, to run hand-made migrations against a test database. */
export async function migrationAccess(dialect: DialectName, location: string): Promise<RawMigrationAccess> {
  if (dialect === 'sqlite') {
    const conn = new BetterSqlite3(location);
    return {
      target: sqliteMigrationTarget(conn),
      tableExists: async (name) => conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined,
      close: async () => void conn.close(),
    };
  }
  const pool = createPool(
    { url: location, max: 2, connectionTimeoutMs: 10_000, idleTimeoutMs: 1000, statementTimeoutMs: 0, maxLifetimeSeconds: 0, applicationName: 'flagship-test' },
    () => undefined,
  );
  return {
    target: postgresMigrationTarget(pool),
    tableExists: async (name) => (await pool.query('SELECT to_regclass($1) AS r', [name])).rows[0]?.r !== null,
    close: () => pool.end(),
  };
}
