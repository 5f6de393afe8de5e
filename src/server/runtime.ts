// What the running server holds: the database once it is up, the loaded features, the authorizer, and the
// readiness state that /readyz reports. Routes ask it for the database, so a request that arrives before the
// database is ready, or while it is shutting down, gets a 503 rather than a crash. It owns its state: only its
// transitions move it (starting -> ready <-> degraded -> stopping, or starting -> stopping), and everything else reads
// getters. Whether a ready server's database still answers is asked of the database itself at each /readyz
// (readiness.ts), which moves a ready server to degraded while it does not, and back once it answers again.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { AS_IS, DatabaseUnavailableError } from '../db/errors.js';
import { BuiltInRoleAuthorizer, type Authorizer } from '../domain/authorizer.js';
import { keepNoChanges, type ChangeRecorder, type DomainContext, type RequestMeta, type RoleCatalog } from '../domain/changes.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { permissionSet, type PermissionSet } from '../domain/permissions.js';
import { ignoreSecurityEvents, type SecurityEvents } from '../domain/security-events.js';
import type { FastifyRequest } from 'fastify';
import type { Feature } from '../features/feature.js';

/** What a request is told once the server is shutting down, by the runtime and by the HTTP layer alike. */
export const SHUTTING_DOWN = 'the server is shutting down; retry on another instance';

export type ReadinessState = 'starting' | 'ready' | 'degraded' | 'stopping';

/** A transition the lifecycle does not have (ready twice, a database attached after shutdown began): a bug. */
export class LifecycleError extends Error {
  override name = 'LifecycleError';
}

export class Runtime {
  readonly startedAt = Date.now();
  /** The core's permissions and those the features register. */
  readonly permissions: PermissionSet;
  /** "Now" for expiry decisions; a feature may supply one (a test clock can be moved). */
  readonly clock: Clock;
  #state: ReadinessState = 'starting';
  #reason = 'connecting to the database';
  #authorizer: Authorizer;
  #changes: ChangeRecorder = keepNoChanges;
  #securityEvents: SecurityEvents = ignoreSecurityEvents;
  #db: Database | undefined;

  constructor(
    readonly config: Config,
    readonly features: readonly Feature[],
  ) {
    this.permissions = permissionSet(features.flatMap((f) => f.permissions ?? []));
    this.#authorizer = new BuiltInRoleAuthorizer(this.permissions.builtInRoles);
    // The loader has checked that at most one feature supplies each of these.
    this.clock = features.find((f) => f.clock)?.clock ?? systemClock;
  }

  get state(): ReadinessState {
    return this.#state;
  }

  /** Why the server is not ready, for /readyz; empty once it is. */
  get reason(): string {
    return this.#reason;
  }

  get authorizer(): Authorizer {
    return this.#authorizer;
  }

  /** Where every mutation reports itself (a feature's audit trail replaces the core's no-op). */
  get changes(): ChangeRecorder {
    return this.#changes;
  }

  /** Where refused sign-ins and denied permissions report themselves. */
  get securityEvents(): SecurityEvents {
    return this.#securityEvents;
  }

  /** The database once attached, whatever the state (readiness and shutdown use it; routes ask db()). */
  get attached(): Database | undefined {
    return this.#db;
  }

  /** Starting: says why the server is not ready yet (a database still unreachable), for /readyz. */
  waiting(reason: string): void {
    if (this.#state !== 'starting') throw new LifecycleError(`the server is ${this.#state}, not starting; a start-up reason cannot be set now`);
    this.#reason = reason;
  }

  /** Starting: the database is up; the features' authorizer, change recorder and security events are made on it. */
  attach(db: Database): void {
    if (this.#state !== 'starting' || this.#db) throw new LifecycleError(`a database is attached once, while starting (the server is ${this.#state})`);
    this.#db = db;
    for (const f of this.features) {
      if (f.authorizer) this.#authorizer = f.authorizer(db, this.permissions);
      if (f.changeRecorder) this.#changes = f.changeRecorder(db);
      if (f.securityEvents) this.#securityEvents = f.securityEvents(db);
    }
  }

  /**
   * Starting -> ready, once a database is attached. Returns false, changing nothing, when shutdown began meanwhile
   * (a signal during start-up), so the caller does not announce a server that is stopping.
   */
  markReady(): boolean {
    if (this.#state === 'stopping') return false;
    if (this.#state !== 'starting' || !this.#db)
      throw new LifecycleError(`only a starting server with its database attached becomes ready (it is ${this.#state})`);
    this.#state = 'ready';
    this.#reason = '';
    return true;
  }

  /**
   * Ready -> degraded: the database stopped answering after the server was ready. Routes still try it (each failure
   * is its own 503), /readyz answers 503 with `reason`. Ignored in any other state (starting has its own reason;
   * stopping stays stopping).
   */
  markDegraded(reason: string): void {
    if (this.#state !== 'ready' && this.#state !== 'degraded') return;
    this.#state = 'degraded';
    this.#reason = reason;
  }

  /** Degraded -> ready: the database answers again. Ignored in any other state. */
  markRecovered(): void {
    if (this.#state !== 'degraded') return;
    this.#state = 'ready';
    this.#reason = '';
  }

  /** Any state -> stopping: routes answer 503 from now on. Idempotent. */
  markStopping(): void {
    this.#state = 'stopping';
  }

  /** The database, or a 503 while it is not ready (a degraded server still tries its database). */
  db(): Database {
    if ((this.#state !== 'ready' && this.#state !== 'degraded') || !this.#db) {
      throw this.state === 'stopping'
        ? new DatabaseUnavailableError(SHUTTING_DOWN, undefined, AS_IS)
        : // The reason is start-up's last failure, which names the database's hosts and their errors.
          new DatabaseUnavailableError(`the server is not ready yet (${this.reason}); retry shortly`, undefined, 'the server is not ready yet; retry shortly');
    }
    return this.#db;
  }

  /** What a domain write needs for this request (none at start-up): the database (or a 503), the recorder and who is asking. */
  domain(request?: FastifyRequest): DomainContext {
    const { authorizer } = this;
    const roles: RoleCatalog = authorizer;
    return {
      db: this.db(),
      changes: this.changes,
      clock: this.clock,
      request: request ? requestMeta(request) : undefined,
      roles,
      tokenLifetimeMs: this.config.tokenLifetimeDays * 86_400_000,
    };
  }
}

/** Who asked, for audit records and logs. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { id: request.id, ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 512) : undefined };
}
