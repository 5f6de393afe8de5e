// What a guarded route declares it needs. Its own file, below both the guard (auth.ts) and the features that lend
// the guard to their routes, so neither has to import the other for it.
import type { Permission } from '../domain/authorizer.js';
import type { ScopeKind } from '../domain/scopes.js';

export interface Access {
  readonly permission: Permission;
  /**
   * What the route's `:id` names, when the route acts on one project, task or member; a scoped route without an `:id`
   * parameter is refused when it registers. A project-scoped route's own query must confine the project to the
   * caller's organization and answer 404 (every domain function does): the guard checks the project itself only for
   * a caller it refuses.
   */
  readonly scope?: ScopeKind;
}
