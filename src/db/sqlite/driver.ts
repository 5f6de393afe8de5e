// The SQLite adapter. better-sqlite3 is synchronous and drizzle's SQLite transactions refuse async callbacks, so the
// adapter owns the transaction boundary: one writer connection, an async mutex in front of it, and BEGIN IMMEDIATE /
// COMMIT / ROLLBACK as plain statements. The same async transaction code then runs on both dialects. Reads outside a
// transaction go to a second, read-only connection: in WAL mode it sees the last committed state and never waits.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Capabilities, Database, DatabaseHealth, Queryable } from '../database.js';
import { DatabaseUnavailableError } from '../errors.js';
import { runMigrations } from '../migrator.js';
import { Mutex } from '../mutex.js';
import type { Tables } from '../schema.js';
import { mapSqliteError } from './errors.js';
import { sqliteMigrationTarget, sqliteMigrations } from './migrate.js';
import { tables } from './schema.js';

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly onMigration?: (tag: string, ms: number) => void;
}

const capabilities: Capabilities = Object.freeze({
  concurrentWriters: false,
  rowLocks: false,
  advisoryLocks: false,
  listenNotify: false,
  walPositions: false,
});

function connect(file: string, busyTimeoutMs: number, readonly: boolean): BetterSqlite3.Database {
  try {
    if (!readonly && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const conn = new BetterSqlite3(file, { readonly, timeout: busyTimeoutMs });
    if (!readonly) {
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
    }
    conn.pragma('foreign_keys = ON');
    conn.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    return conn;
  } catch (err) {
    throw new DatabaseUnavailableError(`cannot open the SQLite database at ${file}: ${(err as Error).message}; check that the directory exists and is writable, or set DATABASE_URL to another file`, err);
  }
}

export function openSqlite(options: SqliteOptions): Database {
  const memory = options.file === ':memory:';
  const writer = connect(options.file, options.busyTimeoutMs, false);
  // A second connection on ':memory:' would be a different, empty database.
  const reader = memory ? undefined : connect(options.file, options.busyTimeoutMs, true);
  const drizzleOptions = { schema: tables, casing: 'snake_case' as const };
  // See src/db/schema.ts: the domain is typed against one builder surface shared by both dialects.
  const writeDb = drizzle(writer, drizzleOptions) as unknown as Queryable;
  const readDb = reader ? (drizzle(reader, drizzleOptions) as unknown as Queryable) : writeDb;
  // Compiled once: exec() parses its SQL on every call, and these run twice per write.
  const begin = writer.prepare('BEGIN IMMEDIATE');
  const commit = writer.prepare('COMMIT');
  const rollback = writer.prepare('ROLLBACK');
  const mutex = new Mutex();
  const inTransaction = new AsyncLocalStorage<{ depth: number }>();
  let closed: Promise<void> | undefined;

  const guard = () => {
    if (closed) throw new DatabaseUnavailableError('the database is closing; retry on another instance');
  };

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const outer = inTransaction.getStore();
    if (outer) {
      // Nested: a savepoint, so an inner failure undoes only the inner work.
      const name = `sp_${outer.depth + 1}`;
      writer.exec(`SAVEPOINT ${name}`);
      try {
        const result = await inTransaction.run({ depth: outer.depth + 1 }, () => fn(writeDb));
        writer.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        writer.exec(`ROLLBACK TO ${name}`);
        writer.exec(`RELEASE ${name}`);
        throw mapSqliteError(err);
      }
    }
    guard();
    return mutex.run(async () => {
      try {
        begin.run();
      } catch (err) {
        throw mapSqliteError(err);
      }
      try {
        const result = await inTransaction.run({ depth: 0 }, () => fn(writeDb));
        commit.run();
        return result;
      } catch (err) {
        if (writer.inTransaction) rollback.run();
        throw mapSqliteError(err);
      }
    });
  }

  return {
    dialect: 'sqlite',
    capabilities,
    tables: tables as unknown as Tables,
    transaction,
    write: transaction,
    async read(fn) {
      if (inTransaction.getStore()) return fn(writeDb);
      guard();
      // ':memory:' has no second connection: reading on the writer between another transaction's awaits would see
      // its uncommitted rows, so there reads queue behind writes instead.
      if (!reader) return mutex.run(async () => {
        try {
          return await fn(writeDb);
        } catch (err) {
          throw mapSqliteError(err);
        }
      });
      try {
        return await fn(readDb);
      } catch (err) {
        throw mapSqliteError(err);
      }
    },
    async verify() {
      (reader ?? writer).prepare('SELECT 1').get();
    },
    async migrate() {
      return mutex.run(async () => runMigrations(await sqliteMigrations(), sqliteMigrationTarget(writer), options.onMigration));
    },
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      try {
        (reader ?? writer).prepare('SELECT 1').get();
        return { ok: true, latencyMs: performance.now() - started, file: options.file, waitingWriters: mutex.waiting };
      } catch (err) {
        return { ok: false, latencyMs: performance.now() - started, detail: (err as Error).message };
      }
    },
    close() {
      // Waiting for the mutex lets the transactions already queued finish before the connections go.
      closed ??= mutex.run(async () => {
        reader?.close();
        writer.close();
      });
      return closed;
    },
  };
}
