// The SQLite adapter. better-sqlite3 is synchronous and drizzle's SQLite transactions refuse async callbacks, so the
// transaction machine (../transactions.ts) owns the boundary: one writer connection, queued on the machine's mutex
// (SQLite has no concurrent writers), and BEGIN IMMEDIATE / COMMIT / ROLLBACK as plain statements. The same async
// transaction code then runs on both dialects. Reads outside a transaction go to a second, read-only connection: in
// WAL mode it sees the last committed state and never waits.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Capabilities, DatabaseHealth, OpenedDatabase, PreparedQuery, Queryable } from '../database.js';
import { runMigrations } from '../migrator.js';
import type { Tables } from '../schema.js';
import { TransactionMachine } from '../transactions.js';
import { mapSqliteError, openError } from './errors.js';
import { sqliteMigrationTarget, sqliteMigrations } from './migrate.js';
import { sqliteNativeBinding } from './native-addon.js';
import { WriteFaults } from './write-faults.js';
import { tables } from './schema.js';

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly onMigration?: (tag: string, ms: number) => void;
}

/**
 * The SQLite adapter's Database: the query contract and data_version. No `locks` (its one writer runs write
 * transactions one at a time, so a transaction already holds every lock there is) and no `notifications`: a caller
 * cannot reach LISTEN here, it does not type-check.
 */
export interface SqliteAdapter extends OpenedDatabase {
  readonly dataVersion: () => number;
  readonly readNow: NonNullable<OpenedDatabase['readNow']>;
  readonly locks?: never;
  readonly notifications?: never;
  readonly atCommit?: never;
}

/**
 * drizzle's prepared query on better-sqlite3 (a query of `prepared`, src/db/prepared.ts, on this adapter's handles):
 * better-sqlite3 answers synchronously, and `execute(...).sync()` hands back the rows at once, decoded as `execute`
 * would resolve them, without the promise.
 */
interface SyncPrepared<R> {
  execute(values?: Record<string, unknown>): { sync(): R };
}

const capabilities: Capabilities = Object.freeze({ concurrentWriters: false, rowLocks: false });

function connect(file: string, busyTimeoutMs: number, readonly: boolean, nativeBinding: object | undefined): BetterSqlite3.Database {
  // better-sqlite3 also takes the addon already loaded (its types only say a path), which lets us word load failures.
  const options = { readonly, timeout: busyTimeoutMs, ...(nativeBinding ? { nativeBinding } : {}) } as BetterSqlite3.Options;
  try {
    if (!readonly && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const conn = new BetterSqlite3(file, options);
    if (!readonly) {
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
    }
    conn.pragma('foreign_keys = ON');
    conn.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    // SQLite opens a file it may not write read-only without a word, and every write would fail until a restart.
    // Rewriting the header's user_version unchanged fails at once instead, so start-up reports it and retries.
    if (!readonly) conn.pragma(`user_version = ${Math.trunc(conn.pragma('user_version', { simple: true }) as number)}`);
    return conn;
  } catch (err) {
    throw openError(file, err);
  }
}

/**
 * drizzle's SQLite handle, typed as the domain's handle: its select/insert/update/delete builders take the same calls
 * as the Postgres ones the type names (src/db/schema.ts), which the row-type test and the conformance suite keep true.
 */
function handle(conn: BetterSqlite3.Database): Queryable {
  return drizzle(conn, { schema: tables, casing: 'snake_case' }) as unknown as Queryable;
}

export function openSqlite(options: SqliteOptions): SqliteAdapter {
  // Loaded before connecting: an addon this process cannot load is a final error, not an unavailable database.
  const binding = sqliteNativeBinding();
  const writer = connect(options.file, options.busyTimeoutMs, false, binding);
  // A second connection on ':memory:' would be a different, empty database: there reads hold the writer instead, so
  // they never see another transaction's uncommitted rows between its awaits.
  const reader = options.file === ':memory:' ? undefined : connect(options.file, options.busyTimeoutMs, true, binding);
  const writeDb = handle(writer);
  const controls = new Map<string, BetterSqlite3.Statement>();
  const machine = new TransactionMachine<BetterSqlite3.Database>(
    {
      // The machine's mutex (no concurrent writers) makes the one writer connection this caller's alone.
      acquire: () => writer,
      release: () => undefined,
      // Each statement compiled once: exec() parses its SQL on every call, and BEGIN IMMEDIATE and COMMIT run on every
      // write (the few savepoint names of nested transactions are kept too).
      control: (conn, statement) => {
        let compiled = controls.get(statement);
        if (!compiled) controls.set(statement, (compiled = conn.prepare(statement)));
        compiled.run();
      },
      // A failed COMMIT may have ended the transaction already.
      inTransaction: (conn) => conn.inTransaction,
      handle: () => writeDb,
      reader: reader ? handle(reader) : undefined,
      begin: 'BEGIN IMMEDIATE',
      mapError: mapSqliteError,
      close: async () => {
        reader?.close();
        writer.close();
      },
    },
    capabilities,
  );
  // On the writer: its own commits do not move it, so only other processes' do (the reader would see every commit).
  const dataVersion = writer.prepare('PRAGMA data_version').pluck();
  const faults = new WriteFaults();
  /** A write transaction whose failure or success says whether the file takes writes. */
  async function tracked<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      const result = await machine.transaction(fn);
      faults.clear();
      return result;
    } catch (err) {
      faults.note(err);
      throw err;
    }
  }

  return {
    dialect: 'sqlite',
    capabilities,
    tables: tables as unknown as Tables,
    transaction: tracked,
    write: tracked,
    read: (fn) => machine.read(fn),
    admin: {
      verify: () => machine.verify(async () => void (reader ?? writer).prepare('SELECT 1').get()),
      migrate: (extra = []) =>
        machine.exclusive(async (conn) => runMigrations([...(await sqliteMigrations()), ...extra], sqliteMigrationTarget(conn), options.onMigration)),
    },
    dataVersion: () => dataVersion.get() as number,
    readNow: <R>(query: PreparedQuery<R>, values: Readonly<Record<string, unknown>>) =>
      machine.readNow((q) => (query(q, tables as unknown as Tables) as unknown as SyncPrepared<R>).execute(values).sync()),
    async health(): Promise<DatabaseHealth> {
      const started = performance.now();
      try {
        (reader ?? writer).prepare('SELECT 1').get();
        if (faults.current) {
          try {
            await machine.exclusive(async (conn) => faults.probe(conn));
          } catch (err) {
            return {
              ok: false,
              latencyMs: performance.now() - started,
              file: options.file,
              detail: `writes are failing: ${(mapSqliteError(err) as Error).message}`,
            };
          }
        }
        return { ok: true, latencyMs: performance.now() - started, file: options.file, waitingWriters: machine.waiting };
      } catch (err) {
        return { ok: false, latencyMs: performance.now() - started, detail: (err as Error).message };
      }
    },
    close: () => machine.close(),
  };
}
