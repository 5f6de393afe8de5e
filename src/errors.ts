// The error catalogue. Every error the server answers with is one of these classes: a stable `code`, an HTTP
// status and an actionable message. The HTTP layer maps them in one place (server/error-handler.ts); anything
// else becomes one `internal` error, logged with the request id and never leaked.

export type ErrorDetails = Record<string, unknown> | Array<Record<string, unknown>>;

/**
 * What an error means beyond its message: whether the same attempt may succeed later (start-up retries those), and the
 * exit code the CLI stops with when it ends the process (2: fix the configuration; 1: anything else). main.ts reads
 * these, never a list of classes.
 */
export interface ErrorOutcome {
  readonly retryable: boolean;
  readonly exitCode: number;
}

export abstract class AppError extends Error implements ErrorOutcome {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly details: ErrorDetails | undefined;
  readonly retryable: boolean = false;
  readonly exitCode: number = 1;
  /**
   * What a caller who is not the operator is told (server/error-handler.ts): the message, unless it names what is the
   * operator's alone (database hosts and their errors, files, the cluster's state); the log and the operator always
   * get the message.
   */
  readonly publicMessage: string;
  constructor(message: string, options?: { details?: ErrorDetails; cause?: unknown; publicMessage?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
    this.publicMessage = options?.publicMessage ?? message;
  }
}

/**
 * The base of one catalogue entry: its errors answer with `code` and `status`, said once here. Each entry stays a
 * class of its own, so callers and the HTTP layer tell errors apart with `instanceof`.
 */
function catalogued<const Code extends string, const Status extends number>(code: Code, status: Status) {
  abstract class CataloguedError extends AppError {
    readonly code = code;
    readonly status = status;
  }
  return CataloguedError;
}

export class ValidationError extends catalogued('validation_failed', 400) {}
export class UnauthenticatedError extends catalogued('unauthenticated', 401) {}
export class ForbiddenError extends catalogued('forbidden', 403) {
  constructor(
    readonly permission: string,
    message = `this action needs the \`${permission}\` permission, which your role does not grant; ask an admin of the organization`,
  ) {
    super(message, { details: { permission } });
  }
}
export class NotFoundError extends catalogued('not_found', 404) {}
/** A path the server has, asked with a method it does not serve there; `allow` lists those it does (the Allow header). */
export class MethodNotAllowedError extends catalogued('method_not_allowed', 405) {
  readonly allow: string;
  constructor(message: string, allow: readonly string[] = []) {
    super(message);
    this.allow = allow.join(', ');
  }
}
export class ConflictError extends catalogued('conflict', 409) {}
export class PreconditionFailedError extends catalogued('precondition_failed', 412) {}
export class PayloadTooLargeError extends catalogued('payload_too_large', 413) {}
export class UnsupportedMediaTypeError extends catalogued('unsupported_media_type', 415) {}
/** Another client error from the HTTP layer (a request line too long, a timeout reading it...), with its status. */
export class BadRequestError extends AppError {
  readonly code = 'bad_request';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
/** A client that went over a rate limit (signups, failed authentications); `retryAfter` says when it may try again. */
export class TooManyRequestsError extends catalogued('rate_limited', 429) {
  constructor(
    message: string,
    /** Seconds until the limit lets this client through again. */
    readonly retryAfter: number,
  ) {
    super(message);
  }
}
export class UnavailableError extends catalogued('unavailable', 503) {
  /** Seconds a client should wait before retrying. */
  readonly retryAfter: number = 1;
  override readonly retryable: boolean = true;
}

/** An error class of the catalogue, whatever its constructor takes. */
export type AppErrorClass = abstract new (...args: never[]) => AppError;

/**
 * When the API answers with each error, in the order of the README's error table (made from this list, with each
 * class's code and status; test/unit/docs.test.ts keeps it current and checks that no class above is left out).
 */
export const ERROR_CATALOGUE: ReadonlyArray<{ readonly type: AppErrorClass; readonly when: string; readonly status?: string }> = [
  {
    type: ValidationError,
    when: 'the request is malformed: bad JSON, a missing, unknown or out-of-limit field, a bad cursor, a path that does not percent-decode, an `If-Match` that is not a quoted ETag (`details` names the field)',
  },
  { type: UnauthenticatedError, when: 'no bearer token, or one that is malformed, unknown, revoked, expired or of a removed member' },
  { type: ForbiddenError, when: 'your role lacks the permission the route needs (`details.permission` names it)' },
  { type: NotFoundError, when: "no such route, or no such resource in your organization (another organization's ids included)" },
  { type: MethodNotAllowedError, when: 'the path exists but not with this method (TRACE, OPTIONS, PUT on a listing...); `Allow` lists its methods' },
  { type: ConflictError, when: 'a taken slug, project key or member email; the owner demoted or removed; a task added to an archived project' },
  { type: PreconditionFailedError, when: '`If-Match` names a version the task has left (`details.currentVersion` says where it is)' },
  { type: PayloadTooLargeError, when: 'the body is over `BODY_LIMIT_BYTES`' },
  { type: UnsupportedMediaTypeError, when: 'a body that is not `application/json`' },
  { type: BadRequestError, status: '4xx', when: 'another client error of the HTTP layer, with its own status (408 request timeout, 431 headers too large...)' },
  {
    type: TooManyRequestsError,
    when: 'too many signups, or failed authentications, from your address (`SIGNUP_RATE_LIMIT`, `AUTH_FAILURE_RATE_LIMIT`; with `Retry-After`)',
  },
  {
    type: UnavailableError,
    when: 'the database is not reachable, busy beyond its timeouts, or the server is starting or stopping (with `Retry-After`); or the route needs a setting the server lacks (`AUDIT_KEY_FILE` for `/v1/audit/checkpoint`)',
  },
];

/** Raised at start-up for bad configuration; the CLI prints the message and exits 2. */
export class ConfigError extends Error implements ErrorOutcome {
  override name = 'ConfigError';
  readonly retryable: boolean = false;
  readonly exitCode: number = 2;
}

/**
 * Two modules of one build claim a slot the core has once (the database opener, the authorizer, the change recorder,
 * the security events, the clock), a command name or a migration tag. The build is wrong, not its configuration:
 * exit 1 at start, naming both modules.
 */
export class ModuleConflictError extends Error implements ErrorOutcome {
  override name = 'ModuleConflictError';
  readonly retryable = false;
  readonly exitCode = 1;
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} module conflicts:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The exit code an error ends the CLI with: its own `exitCode` (ErrorOutcome), else 1. */
export function exitCodeOf(err: unknown): number {
  const code = (err as Partial<ErrorOutcome> | null)?.exitCode;
  return typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1;
}

/** Whether trying the same again may succeed (a database still starting); errors that do not say are final. */
export function isRetryable(err: unknown): boolean {
  return (err as Partial<ErrorOutcome> | null)?.retryable === true;
}

/** Asking a build for something it was compiled without (a Postgres URL for the SQLite build, ...). */
export class VariantLacksError extends ConfigError {
  override name = 'VariantLacksError';
}

/**
 * A route declared against the server's conventions (a scoped guard without the `:id` it reads, an unknown route
 * option). Raised while routes register, so the server refuses to start rather than serve the route wrongly.
 */
export class RouteDeclarationError extends Error {
  override name = 'RouteDeclarationError';
  constructor(route: { readonly method: string | readonly string[]; readonly url: string }, problem: string) {
    super(`route ${[route.method].flat().join(',')} ${route.url} ${problem}`);
  }
}

/**
 * A library no longer behaves as the code that drives it expects (after an upgrade): the message names the library,
 * what it did not do and the file to update. A bug, answered as any internal error.
 */
export class DependencyContractError extends Error {
  override name = 'DependencyContractError';
}
