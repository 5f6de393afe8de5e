// Database errors in our own terms. Each dialect's errors.ts maps driver errors onto these at the boundary, keeping
// the driver error as `cause`, so the server answers 400 / 409 / 503 the same way on every dialect.
import { ConfigError, ConflictError, UnavailableError, ValidationError, type ErrorOutcome } from '../errors.js';

export interface ConstraintInfo {
  /** Constraint or index name, when the driver reports it. */
  constraint?: string | undefined;
  /** Table, when known. */
  table?: string | undefined;
  /** Columns involved, when known. */
  columns?: string[] | undefined;
}

function describe(info: ConstraintInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (info.constraint) out.constraint = info.constraint;
  if (info.table) out.table = info.table;
  if (info.columns?.length) out.columns = info.columns;
  return out;
}

export class UniqueViolationError extends ConflictError {
  constructor(
    readonly info: ConstraintInfo,
    cause?: unknown,
  ) {
    super(`a record with the same ${info.columns?.join(', ') ?? 'key'} already exists${info.table ? ` in ${info.table}` : ''}; choose another value`, {
      details: describe(info),
      cause,
    });
  }
}

export class ForeignKeyViolationError extends ConflictError {
  constructor(
    readonly info: ConstraintInfo,
    cause?: unknown,
  ) {
    super(
      `the record refers to ${info.table ? `a ${info.table} row` : 'a row'} that does not exist, or is still referred to by others${info.constraint ? ` (${info.constraint})` : ''}`,
      { details: describe(info), cause },
    );
  }
}

export class NotNullViolationError extends ValidationError {
  constructor(
    readonly info: ConstraintInfo,
    cause?: unknown,
  ) {
    super(`${info.columns?.join(', ') ?? 'a required column'} must not be empty`, { details: describe(info), cause });
  }
}

/**
 * A value the database cannot store as given (PostgreSQL: a NUL character in text, a character the encoding lacks,
 * a number or date out of range). The API refuses these in its schemas; this keeps a caller that skips them from
 * turning bad input into a 500.
 */
export class UnstorableValueError extends ValidationError {
  constructor(reason: string, cause?: unknown) {
    super(`a value cannot be stored: ${reason}; remove NUL characters and keep numbers and dates in range`, { cause });
  }
}

/** A concurrent transaction won (Postgres serialization failure or deadlock, SQLite busy). Safe to retry. */
export class SerializationFailureError extends UnavailableError {
  constructor(message = 'the database was busy with a conflicting change; retry the request', cause?: unknown) {
    super(message, { cause });
  }
}

/** Given as the public message of an error whose message names nothing of the operator's: everyone is told it. */
export const AS_IS = Symbol('the message as it is');

/**
 * The database cannot be reached or refuses work (down, in recovery, read-only, pool exhausted). Its message is apt to
 * name what is the operator's alone (hosts and their errors, files, the pool, settings), so each one says what a caller
 * who is not the operator is told: `shown`, or `AS_IS` for a message that names none of it.
 */
export class DatabaseUnavailableError extends UnavailableError {
  constructor(message: string, cause: unknown, shown: string | typeof AS_IS) {
    super(message, { cause, ...(shown === AS_IS ? {} : { publicMessage: shown }) });
  }
}

/**
 * The database DATABASE_URL names can never work as configured, though a request meeting it is still a 503 (the
 * server cannot serve it): a file that is not a SQLite database, a directory, a host name that does not resolve.
 * Start-up does not retry it: it exits with the message, since only the operator can fix it.
 */
export class DatabaseMisconfiguredError extends DatabaseUnavailableError {
  override readonly retryable: boolean = false;
  override readonly exitCode: number = 2;
  constructor(message: string, cause?: unknown) {
    super(message, cause, 'the server cannot use its database as it is configured; its operator has the reason in the server log');
  }
}

/**
 * The database will not serve us as configured (credentials refused, no such database, ...). Not retryable: fix the
 * configuration. The CLI prints the message and exits 2.
 */
export class DatabaseRefusedError extends Error implements ErrorOutcome {
  override name = 'DatabaseRefusedError';
  readonly retryable: boolean = false;
  readonly exitCode: number = 2;
}

/** DATABASE_URL names a server that can never take writes (one in recovery). */
export class PrimaryRequiredError extends DatabaseRefusedError {
  override name = 'PrimaryRequiredError';
}

/**
 * The SQLite addon shipped beside a bundle cannot be loaded by this process (another platform, CPU, C library or Node
 * ABI than it was built for, or a damaged file). Not retryable: the message says which build to run instead.
 */
export class NativeAddonError extends ConfigError {
  override name = 'NativeAddonError';
}
