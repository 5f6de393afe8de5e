// pg errors -> our error classes, by SQLSTATE. drizzle wraps driver errors in DrizzleQueryError (whose message holds
// the query and its parameters, which we never pass on), so the driver error is its `cause`.
import { AppError } from '../../errors.js';
import { STATEMENT_NAME } from '../prepared.js';
import {
  DatabaseMisconfiguredError,
  DatabaseRefusedError,
  DatabaseUnavailableError,
  ForeignKeyViolationError,
  NotNullViolationError,
  SerializationFailureError,
  UniqueViolationError,
  UnstorableValueError,
  type ConstraintInfo,
} from '../errors.js';

interface PgError {
  code?: string;
  message: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

function driverError(err: unknown): PgError | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    // Our own errors wrap the driver's (as `cause`), and their code and message are not the driver's.
    if (e instanceof AppError) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || NETWORK_CODES.has(code))) return e as PgError;
    const msg = (e as { message?: unknown }).message;
    if (
      typeof msg === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(msg)
    ) {
      return e as PgError;
    }
  }
  return undefined;
}

/** "Key (org_id, email)=(..., ...) already exists." -> [org_id, email]; the values are never kept. */
function info(e: PgError): ConstraintInfo {
  const cols = /^Key \(([^)]+)\)/
    .exec(e.detail ?? '')?.[1]
    ?.split(',')
    .map((s) => s.trim());
  return { constraint: e.constraint, table: e.table, columns: cols ?? (e.column ? [e.column] : undefined) };
}

/** The server refused a write because it is read-only (SQLSTATE 25006: a server in recovery, or read-only by setting). */
export function isReadOnly(err: unknown): boolean {
  return driverError(err)?.code === '25006';
}

/**
 * Whether `err` left the connection unusable: it is gone, or a query on it went unanswered past DB_QUERY_TIMEOUT_MS
 * (pg keeps waiting for that answer, so anything sent after it would wait too). Such a connection must be discarded,
 * not sent a ROLLBACK.
 */
export function connectionLost(err: unknown): boolean {
  const e = driverError(err);
  if (!e) return false;
  const code = e.code ?? '';
  return !code || NETWORK_CODES.has(code) || /^(08|57P0)/.test(code);
}

/** The setting of ours that sends each startup parameter a proxy may refuse. */
const STARTUP_PARAMETER_OWNERS: Readonly<Record<string, string>> = { statement_timeout: 'DB_STATEMENT_TIMEOUT_MS' };

/**
 * A host that does not resolve never will by waiting, nor will a proxy that refuses a startup parameter (PgBouncer
 * without it in ignore_startup_parameters) accept it next time (the server's refusals, class 28 and 3D000, are below).
 */
function misconfigured(e: PgError): string | undefined {
  if (e.code === 'ENOTFOUND') return `the PostgreSQL host does not resolve (${e.message}); check the host name in DATABASE_URL`;
  // 26000 (no such prepared statement) and 42P05 (one of that name exists), for one of our named statements: the
  // connection's statements met another server session, which only a pooler in transaction mode does. The name is
  // looked for alone, not the words around it, which the server writes in its lc_messages language.
  if ((e.code === '26000' || e.code === '42P05') && STATEMENT_NAME.test(e.message)) {
    return (
      `a named prepared statement of this server met a server session that ${e.code === '26000' ? 'lacks it' : 'already has one of that name'} (${e.code}: ${e.message}): ` +
      'a pooler in transaction mode (PgBouncer before 1.21, or with max_prepared_statements = 0) moves connections between server sessions; ' +
      "set DB_PREPARED_STATEMENTS=unnamed, or PgBouncer's max_prepared_statements"
    );
  }
  const refused = /unsupported startup parameter:\s*(\S+)/i.exec(e.message)?.[1];
  if (refused) {
    const ours = STARTUP_PARAMETER_OWNERS[refused];
    return (
      `a proxy in front of PostgreSQL (PgBouncer) refuses the startup parameter ${refused} (${e.message}); ` +
      `add it to PgBouncer's ignore_startup_parameters (ignore_startup_parameters = ${refused})` +
      (ours ? `, or set ${ours}=0 and bound queries in the proxy instead (PgBouncer's query_timeout)` : '')
    );
  }
  return undefined;
}

export function mapPostgresError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  // drizzle wraps whatever its client throws, our own refusals too (the bounded pool's): those pass through as they are.
  if ((err as { cause?: unknown })?.cause instanceof AppError) return (err as { cause: AppError }).cause;
  const e = driverError(err);
  if (!e) return err;
  const code = e.code ?? '';
  const wrong = misconfigured(e);
  if (wrong) return new DatabaseMisconfiguredError(wrong, e);
  if (code === '23505') return new UniqueViolationError(info(e), e);
  if (code === '23503') return new ForeignKeyViolationError(info(e), e);
  if (code === '23502') return new NotNullViolationError(info(e), e);
  if (code === '40001' || code === '40P01' || code === '55P03') return new SerializationFailureError(undefined, e);
  // Class 22, data exceptions, are raised by a value (a NUL byte, an untranslatable character, a number or date out
  // of range...). The API's schemas refuse such values first; this keeps one that slips through a 400, not a 500.
  if (code.startsWith('22')) return new UnstorableValueError(e.message, e);
  // Class 28, invalid authorization, and 3D000, no such database: the server answers, and will keep refusing.
  if (code.startsWith('28') || code === '3D000') {
    return new DatabaseRefusedError(`PostgreSQL refused the connection (${code}: ${e.message}); check the user, password and database name in DATABASE_URL`, {
      cause: e,
    });
  }
  if (code === '25006')
    return new DatabaseUnavailableError(
      'the database is read-only (a server in recovery, or one being demoted); retry shortly',
      e,
      'the database takes no writes just now; retry shortly',
    );
  if (code === '57014')
    return new DatabaseUnavailableError(
      'the query ran past the statement timeout (DB_STATEMENT_TIMEOUT_MS); retry, or raise the timeout',
      e,
      'the request took longer than the server allows a query; retry',
    );
  // Class 08 connection exceptions, 57P0x shutdown / cannot connect now, 53xxx insufficient resources.
  if (/^(08|57P0|53)/.test(code) || NETWORK_CODES.has(code) || !code) {
    // The driver's own words may name the host and port: the operator's alone.
    return new DatabaseUnavailableError(
      `the PostgreSQL server is unavailable (${code || e.message}); retry shortly`,
      e,
      `the PostgreSQL server is unavailable${code ? ` (${code})` : ''}; retry shortly`,
    );
  }
  return err;
}
