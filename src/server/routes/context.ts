// What every route module receives: the Fastify instance typed by the route schemas, the runtime (for the database)
// and the guards (for authentication and the Authorizer).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Guards } from '../auth.js';
import type { Runtime } from '../runtime.js';

/** Fastify with TypeBox as type provider: a route's request and reply types are inferred from its schema. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiContext {
  readonly runtime: Runtime;
  readonly guards: Guards;
}

/** OpenAPI: routes behind a bearer token. */
export const bearer = [{ bearerAuth: [] }];
