// The caller's own API tokens.
import { PageOf, PageQuery } from '../../domain/schemas/page.js';
import { IssuedToken, NewTokenInput, TokenView } from '../../domain/schemas/tokens.js';
import { createToken, listTokens, revokeToken } from '../../domain/tokens.js';
import { principalOf } from '../auth.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { errors, IdParams, noContent } from './schemas.js';

export async function tokenRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['tokens'];
  const access = guards.require({ permission: 'token:manage' });

  app.post(
    '/v1/tokens',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Another token for yourself; the secret is shown once',
        security: bearer,
        body: NewTokenInput,
        response: { 201: IssuedToken, ...errors(400, 401, 403, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await createToken(runtime.domain(request), principalOf(request), request.body)),
  );

  app.get(
    '/v1/tokens',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Your tokens, newest first, revoked and expired ones included',
        security: bearer,
        querystring: PageQuery,
        response: { 200: PageOf(TokenView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listTokens(runtime.db(), principalOf(request), request.query),
  );

  app.delete(
    '/v1/tokens/:id',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Revoke one of your tokens (idempotent)',
        security: bearer,
        params: IdParams,
        response: { ...noContent, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await revokeToken(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
