// Comments on a task.
import { addComment, listComments } from '../../domain/comments.js';
import { CommentView, NewComment } from '../../domain/schemas/comments.js';
import { PageOf, PageQuery } from '../../domain/schemas/page.js';
import { principalOf } from '../auth.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { errors, IdParams } from './schemas.js';

export async function commentRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['comments'];

  app.post(
    '/v1/tasks/:id/comments',
    {
      preHandler: guards.require({ permission: 'comment:write', scope: 'task' }),
      schema: {
        tags,
        summary: 'Comment on a task',
        security: bearer,
        params: IdParams,
        body: NewComment,
        response: { 201: CommentView, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await addComment(runtime.domain(request), principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/tasks/:id/comments',
    {
      preHandler: guards.require({ permission: 'comment:read', scope: 'task' }),
      schema: {
        tags,
        summary: "A task's comments, oldest first",
        security: bearer,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: PageOf(CommentView), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listComments(runtime.db(), principalOf(request), request.params.id, request.query),
  );
}
