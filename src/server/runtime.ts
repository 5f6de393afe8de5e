// What the running server holds: the database once it is up, the loaded features, the authorizer, and the
// readiness state that /readyz reports. Routes ask it for the database, so a request that arrives before the
// database is ready, or while it is shutting down, gets a 503 rather than a crash.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { DatabaseUnavailableError } from '../db/errors.js';
import { BuiltInRoleAuthorizer, type Authorizer, type Permission } from '../domain/authorizer.js';
import { keepNoChanges, type ChangeRecorder, type DomainContext } from '../domain/changes.js';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Feature } from '../features/feature.js';

export type ReadinessState = 'starting' | 'ready' | 'stopping';

export class Runtime {
  readonly startedAt = Date.now();
  state: ReadinessState = 'starting';
  /** Why the server is not ready, for /readyz. */
  reason = 'connecting to the database';
  authorizer: Authorizer = new BuiltInRoleAuthorizer();
  /** Where every mutation reports itself (the enterprise audit trail replaces the core's no-op). */
  changes: ChangeRecorder = keepNoChanges;
  /** The API's guard for a permission, once the API is registered; features' routes are guarded by it too. */
  requireAccess: ((permission: Permission) => preHandlerAsyncHookHandler) | undefined;
  #db: Database | undefined;

  constructor(
    readonly config: Config,
    readonly features: readonly Feature[],
  ) {}

  attach(db: Database): void {
    this.#db = db;
    for (const f of this.features) {
      if (f.authorizer) this.authorizer = f.authorizer(db);
      if (f.changeRecorder) this.changes = f.changeRecorder(db);
    }
  }

  /** The database, or a 503 while it is not ready. */
  db(): Database {
    if (this.state !== 'ready' || !this.#db) {
      throw new DatabaseUnavailableError(this.state === 'stopping' ? 'the server is shutting down; retry on another instance' : `the server is not ready yet (${this.reason}); retry shortly`);
    }
    return this.#db;
  }

  /** What a domain write needs for this request: the database (or a 503), the recorder and who is asking. */
  domain(request: FastifyRequest): DomainContext {
    return { db: this.db(), changes: this.changes, request: { id: request.id, ip: request.ip }, tokenLifetimeMs: this.config.tokenLifetimeDays * 86_400_000 };
  }

  get attached(): Database | undefined {
    return this.#db;
  }
}
