// What every route module receives: the runtime (for the database) and the guards (for authentication and the
// Authorizer).
import type { Guards } from '../auth.js';
import type { Runtime } from '../runtime.js';

export interface ApiContext {
  readonly runtime: Runtime;
  readonly guards: Guards;
}

/** OpenAPI: routes behind a bearer token. */
export const bearer = [{ bearerAuth: [] }];
