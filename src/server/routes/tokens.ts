// The caller's own API tokens.
import type { FastifyInstance } from 'fastify';
import type { PageRequest } from '../../domain/pagination.js';
import { createToken, listTokens, revokeToken, type NewTokenInput } from '../../domain/tokens.js';
import { principalOf } from '../auth.js';
import { bearer, type ApiContext } from './context.js';
import { errors, idParams, LIMITS, noContent, nullableInstant, page, pageOnlyQuery, text, tokenView } from './schemas.js';

export async function tokenRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['tokens'];
  const access = guards.require({ permission: 'token:manage' });

  app.post<{ Body: NewTokenInput }>(
    '/v1/tokens',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Another token for yourself; the secret is shown once',
        security: bearer,
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: text(LIMITS.tokenName), expiresAt: nullableInstant } },
        response: { 201: { type: 'object', properties: { ...tokenView.properties, token: { type: 'string' } } }, ...errors(400, 401, 403, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await createToken(runtime.domain(request), principalOf(request), request.body)),
  );

  app.get<{ Querystring: PageRequest }>(
    '/v1/tokens',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Your tokens, newest first, revoked and expired ones included',
        security: bearer,
        querystring: pageOnlyQuery,
        response: { 200: page(tokenView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listTokens(runtime.db(), principalOf(request), request.query),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/tokens/:id',
    {
      preHandler: access,
      schema: { tags, summary: 'Revoke one of your tokens (idempotent)', security: bearer, params: idParams, response: { ...noContent, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request, reply) => {
      await revokeToken(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
