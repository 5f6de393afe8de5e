// Authentication and authorization for API routes. Every protected route declares the permission it needs (and,
// for routes on a project or task, which `:id` scopes it); the guard resolves the bearer token, confines the
// resource to the caller's organization (a 404 before any 403, so another organization's ids are never confirmed),
// then asks the one Authorizer. A module may swap the Authorizer, never this flow.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import type { Database } from '../db/database.js';
import type { ShownTask } from '../domain/tasks.js';
import { RefusedTokenError, authenticate, touchToken } from '../domain/authentication.js';
import type { Permission, Principal } from '../domain/authorizer.js';
import { confirmMember, confirmProject, scopedTask } from '../domain/scopes.js';
import { ForbiddenError, RouteDeclarationError, UnauthenticatedError } from '../errors.js';
import type { Access } from './access.js';
import type { AuthFailureLimiter } from './rate-limits.js';
import { callerOf } from './request-log.js';
import { bearerSecret, hookList } from './route-hooks.js';
import { requestMeta, type Runtime } from './runtime.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The task a route scoped to a task acts on, as the guard read it. */
    scopedTask: ShownTask | undefined;
  }
}

function bearerOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined) {
    throw new UnauthenticatedError('this route needs `Authorization: Bearer <token>`; a token comes from POST /v1/signup, POST /v1/members or POST /v1/tokens');
  }
  const secret = bearerSecret(header);
  if (secret === undefined) throw new UnauthenticatedError('the Authorization header must be `Bearer <token>`');
  return secret;
}

/** The names of a route path's parameters, as find-my-way reads them (`/v1/tasks/:id` has `id`; `::` is a colon). */
function parametersOf(url: string): string[] {
  return [...url.replaceAll('::', '').matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** The route's `:id`, which a scoped guard reads (registration makes sure a scoped route has one). */
function idParameterOf(request: FastifyRequest): string | undefined {
  const params: unknown = request.params;
  return typeof params === 'object' && params !== null && 'id' in params && typeof params.id === 'string' ? params.id : undefined;
}

const routeOf = (request: FastifyRequest): string => `${request.method} ${request.routeOptions.url ?? request.url}`;

/** The task of a route guarded with `scope: 'task'`, confined to the caller's organization. */
export function scopedTaskOf(request: FastifyRequest): ShownTask {
  if (!request.scopedTask) throw new Error(`route ${request.routeOptions.url} is not scoped to a task but asks for it`);
  return request.scopedTask;
}

/** The caller of a guarded route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} has no guard but asks for the caller`);
  return request.principal;
}

export class Guards {
  /** Tokens whose lastUsedAt this instance wrote recently (see touchToken). */
  readonly #recentlyTouched = new Map<string, number>();
  /** When the caller's token was last used, from authentication to the preHandler that records this use. */
  readonly #lastUsed = new WeakMap<FastifyRequest, Date | null>();

  constructor(
    private readonly runtime: Runtime,
    /** Counts failed authentications per client; one over its limit is refused before its token is looked at. */
    private readonly failures: AuthFailureLimiter,
  ) {}

  /**
   * The route's own query confines the project and answers 404 when it is not the caller's, so a caller who is
   * allowed costs no query here. A refused caller must still get a 404 for a project that is not theirs, never a 403
   * that would confirm it exists: the project is checked then, and its 404 wins.
   */
  async #authorizeOnProject(db: Database, principal: Principal, permission: Permission, projectId: string): Promise<void> {
    try {
      await this.runtime.authorizer.authorize(principal, permission, { projectId });
    } catch (err) {
      if (err instanceof ForbiddenError) await confirmProject(db, principal, projectId);
      throw err;
    }
  }

  /** The authorization steps that `require` made, with what each needs, so `register` knows the guarded routes. */
  readonly #authorizers = new WeakMap<preHandlerAsyncHookHandler, Access>();

  /**
   * Every guarded route authenticates its caller when the request arrives (onRequest), before its body is read or
   * validated: an anonymous caller learns nothing but 401, whatever it sent. Authorization stays in the route's
   * preHandler, inside the request scope a module opens once the body is parsed (a module's plugin).
   *
   * A route whose guard is scoped reads the scope's id from its `:id` parameter; one without that parameter would be
   * authorized across the whole organization, so it is refused here and the server does not start.
   */
  register(app: FastifyInstance): void {
    const authenticate: onRequestAsyncHookHandler = (request, reply) => this.#authenticate(request, reply);
    app.addHook('onRoute', (route) => {
      const handlers = hookList(route.preHandler);
      const accesses = handlers.flatMap((h) => this.#authorizers.get(h as preHandlerAsyncHookHandler) ?? []);
      if (accesses.length === 0) return;
      for (const { scope } of accesses) {
        if (scope !== undefined && !parametersOf(route.url).includes('id')) {
          throw new RouteDeclarationError(
            route,
            `is guarded with scope '${scope}' but has no :id parameter, which is where the guard reads the ${scope} from; put the ${scope}'s id in the path as :id or drop the scope`,
          );
        }
      }
      const own = hookList(route.onRequest);
      route.onRequest = [...own, authenticate];
    });
  }

  async #authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Each step awaited only when it has something pending: on SQLite, with no failed authentication lately, none has.
    const admitted = this.failures.admit(request);
    if (admitted) await admitted;
    let caller;
    let failed = false;
    try {
      const found = authenticate(this.runtime.db(), bearerOf(request), this.runtime.clock.now());
      caller = found instanceof Promise ? await found : found;
    } catch (err) {
      if (err instanceof UnauthenticatedError) {
        reply.header('www-authenticate', 'Bearer');
        failed = true;
        const counted = this.failures.settle(request, true);
        if (counted) await counted;
        // A request with no Authorization header attempted no sign-in; one that presented a token did.
        if (request.headers.authorization !== undefined) {
          const subject = err instanceof RefusedTokenError ? err.subject : undefined;
          await this.#report(request, () =>
            this.runtime.securityEvents.signInFailed({ reason: err.message, subject, route: routeOf(request) }, requestMeta(request)),
          );
        }
      }
      throw err;
    } finally {
      // Every admitted attempt is settled once, a failed one above (counted before the audit record is written); one
      // that did not fail has nothing to wait for.
      if (!failed) void this.failures.settle(request, false);
    }
    const { lastUsedAt, ...principal } = caller;
    // The request's log line (request-log.ts) and error lines say who made it; a module's request scope learns it
    // once it opens.
    request.principal = principal;
    this.#lastUsed.set(request, lastUsedAt);
  }

  /** The preHandler for a route needing `access`; the caller was authenticated when the request arrived (`register`). */
  require(access: Access): preHandlerAsyncHookHandler {
    const authorize: preHandlerAsyncHookHandler = async (request: FastifyRequest) => {
      const principal = principalOf(request);
      const db = this.runtime.db();
      const id = idParameterOf(request);
      // Registration refuses such a route (`register`); should one slip past, it fails closed rather than authorize
      // across the organization.
      if (access.scope !== undefined && id === undefined) throw new Error(`route ${routeOf(request)} is scoped to a ${access.scope} but has no :id`);
      let projectId: string | undefined;
      try {
        if (access.scope === 'task' && id !== undefined) {
          const scoped = scopedTask(db, principal, id);
          const task = scoped instanceof Promise ? await scoped : scoped;
          request.scopedTask = task;
          projectId = task.projectId;
          await this.runtime.authorizer.authorize(principal, access.permission, { projectId });
        } else if (access.scope === 'project' && id !== undefined) {
          projectId = id;
          await this.#authorizeOnProject(db, principal, access.permission, id);
        } else {
          // A member route confines the member before any permission is checked (not a hot path).
          if (access.scope === 'member' && id !== undefined) await confirmMember(db, principal, id);
          await this.runtime.authorizer.authorize(principal, access.permission);
        }
      } catch (err) {
        if (err instanceof ForbiddenError) {
          await this.#report(request, () =>
            this.runtime.securityEvents.denied({ principal, permission: access.permission, projectId, route: routeOf(request) }, requestMeta(request)),
          );
        }
        throw err;
      }
      // Written here, inside the modules' request scope, like every other write of the request: a write started
      // before the scope opened would run, and hand its pooled connection on, outside it.
      const lastUsedAt = this.#lastUsed.get(request);
      if (lastUsedAt !== undefined) {
        touchToken(db, principal.tokenId, lastUsedAt, this.#recentlyTouched)?.catch((err: unknown) => {
          request.log.debug({ err, ...callerOf(request) }, 'could not record token use');
        });
      }
    };
    this.#authorizers.set(authorize, access);
    return authorize;
  }

  /** The refusal stands whatever happens to its record; a record that cannot be written is logged loudly. */
  async #report(request: FastifyRequest, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      request.log.error({ err }, 'could not record a refused request');
    }
  }
}
