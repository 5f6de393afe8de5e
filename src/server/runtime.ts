// What the running server holds: the database once it is up, the loaded features, the authorizer, and the
// readiness state that /readyz reports. Routes ask it for the database, so a request that arrives before the
// database is ready, or while it is shutting down, gets a 503 rather than a crash.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { BuiltInRoleAuthorizer, type Authorizer } from '../domain/authorizer.js';
import { keepNoChanges, type ChangeRecorder, type DomainContext, type RequestMeta, type RoleCatalog } from '../domain/changes.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { permissionSet, type PermissionSet } from '../domain/permissions.js';
import { ignoreSecurityEvents, type SecurityEvents } from '../domain/security-events.js';
import type { FastifyRequest } from 'fastify';
import type { Feature } from '../features/feature.js';

export type ReadinessState = 'starting' | 'ready' | 'stopping';

export class Runtime {
  readonly startedAt = Date.now();
  state: ReadinessState = 'starting';
  /** Why the server is not ready, for /readyz. */
  reason = 'connecting to the database';
  /** The core's permissions and those the features register. */
  readonly permissions: PermissionSet;
  authorizer: Authorizer;
  /** Where every mutation reports itself (the enterprise audit trail replaces the core's no-op). */
  changes: ChangeRecorder = keepNoChanges;
  /** Where refused sign-ins and denied permissions report themselves. */
  securityEvents: SecurityEvents = ignoreSecurityEvents;
  /** "Now" for expiry decisions; a feature may supply one (the testing module's can be moved). */
  readonly clock: Clock;
  #db: Database | undefined;

  constructor(
    readonly config: Config,
    readonly features: readonly Feature[],
  ) {
    this.permissions = permissionSet(features.flatMap((f) => f.permissions ?? []));
    this.authorizer = new BuiltInRoleAuthorizer(this.permissions.builtInRoles);
    this.clock = features.find((f) => f.clock)?.clock ?? systemClock;
  }

  attach(db: Database): void {
    this.#db = db;
    for (const f of this.features) {
      if (f.authorizer) this.authorizer = f.authorizer(db, this.permissions);
      if (f.changeRecorder) this.changes = f.changeRecorder(db);
      if (f.securityEvents) this.securityEvents = f.securityEvents(db);
    }
  }

  /** The database, or a 503 while it is not ready. */
  db(): Database {
    if (this.state !== 'ready' || !this.#db) {
      throw new DatabaseUnavailableError(
        this.state === 'stopping' ? 'the server is shutting down; retry on another instance' : `the server is not ready yet (${this.reason}); retry shortly`,
      );
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

  get attached(): Database | undefined {
    return this.#db;
  }
}

/** Who asked, for audit records and logs. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { id: request.id, ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 512) : undefined };
}
