// better-sqlite3 errors -> our error classes. drizzle wraps driver errors in DrizzleQueryError (whose message holds
// the query and its parameters, which we never pass on), so the driver error is its `cause`.
import { statSync } from 'node:fs';
import { AppError } from '../../errors.js';
import {
  DatabaseMisconfiguredError,
  DatabaseUnavailableError,
  ForeignKeyViolationError,
  NotNullViolationError,
  SerializationFailureError,
  UniqueViolationError,
  type ConstraintInfo,
} from '../errors.js';

interface SqliteError {
  code: string;
  message: string;
}

function driverError(err: unknown): SqliteError | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return e as SqliteError;
  }
  return undefined;
}

/** "UNIQUE constraint failed: members.org_id, members.email" -> table members, columns [org_id, email]. */
function constraintInfo(message: string): ConstraintInfo {
  const m = /constraint failed: (.+)$/i.exec(message);
  if (!m?.[1]) return {};
  const parts = m[1].split(',').map((s) => s.trim());
  const table = parts[0]?.includes('.') ? parts[0].split('.')[0] : undefined;
  return { table, columns: parts.map((p) => p.split('.').pop() ?? p) };
}

export function mapSqliteError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = driverError(err);
  if (!e) return err;
  switch (e.code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new UniqueViolationError(constraintInfo(e.message), e);
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      // SQLite does not say which key; the statement's table is the best we can name.
      return new ForeignKeyViolationError({}, e);
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new NotNullViolationError(constraintInfo(e.message), e);
  }
  // Storage faults come with extended codes (SQLITE_IOERR_WRITE on a full disk, SQLITE_READONLY_DBMOVED...): the
  // primary code decides.
  switch (/^SQLITE_[A-Z]+/.exec(e.code)?.[0]) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new SerializationFailureError('the SQLite database is locked by another process; retry, or stop the other writer', e);
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
    case 'SQLITE_FULL':
    case 'SQLITE_READONLY':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new DatabaseUnavailableError(`the SQLite database cannot be used (${e.code}: ${e.message})`, e, `the SQLite database cannot be used (${e.code})`);
    default:
      return err;
  }
}

/**
 * Why a SQLite file could not be opened. A directory, or a file that is not a SQLite database, never becomes one by
 * waiting: start-up stops with the message. Anything else (a lock, a disk briefly full) may pass and is retried.
 */
export function openError(file: string, err: unknown): DatabaseUnavailableError {
  const code = driverError(err)?.code;
  const reason = (err as Error).message;
  let isDirectory = false;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    // Missing or unreadable: SQLite's own message says which.
  }
  if (isDirectory)
    return new DatabaseMisconfiguredError(
      `the SQLite database ${file} is a directory; set DATABASE_URL to a file inside it, such as sqlite:${file.replace(/\/+$/, '')}/flagship.db`,
      err,
    );
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new DatabaseMisconfiguredError(
      `${file} is not a SQLite database (${reason}); set DATABASE_URL to the right file, or to a new path to start empty`,
      err,
    );
  }
  return new DatabaseUnavailableError(
    `cannot open the SQLite database at ${file}: ${reason}; check that the directory exists and is writable, or set DATABASE_URL to another file`,
    err,
    'the SQLite database cannot be opened; its operator has the reason in the server log',
  );
}
