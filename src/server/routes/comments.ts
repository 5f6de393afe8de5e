// Comments on a task.
import type { FastifyInstance } from 'fastify';
import { addComment, listComments } from '../../domain/comments.js';
import type { PageRequest } from '../../domain/pagination.js';
import { principalOf } from '../auth.js';
import { bearer, type ApiContext } from './context.js';
import { commentView, errors, idParams, LIMITS, page, pageOnlyQuery, text } from './schemas.js';

export async function commentRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['comments'];

  app.post<{ Params: { id: string }; Body: { body: string } }>(
    '/v1/tasks/:id/comments',
    {
      preHandler: guards.require({ permission: 'comment:write', scope: 'task' }),
      schema: {
        tags,
        summary: 'Comment on a task',
        security: bearer,
        params: idParams,
        body: { type: 'object', required: ['body'], additionalProperties: false, properties: { body: text(LIMITS.comment) } },
        response: { 201: commentView, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await addComment(runtime.domain(request), principalOf(request), request.params.id, request.body)),
  );

  app.get<{ Params: { id: string }; Querystring: PageRequest }>(
    '/v1/tasks/:id/comments',
    {
      preHandler: guards.require({ permission: 'comment:read', scope: 'task' }),
      schema: {
        tags,
        summary: "A task's comments, oldest first",
        security: bearer,
        params: idParams,
        querystring: pageOnlyQuery,
        response: { 200: page(commentView), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listComments(runtime.db(), principalOf(request), request.params.id, request.query),
  );
}
