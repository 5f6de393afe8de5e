// Tasks of a project: numbered, filtered and paged listings, and versioned reads and writes (ETag / If-Match).
import { Type } from '@sinclair/typebox';
import { PageOf } from '../../domain/schemas/page.js';
import { TaskFields, TaskPatch, TaskQuery, TaskView } from '../../domain/schemas/tasks.js';
import { listTasks } from '../../domain/task-list.js';
import { createTask, deleteTask, taskView as viewOf, updateTask } from '../../domain/tasks.js';
import { principalOf, scopedTaskOf } from '../auth.js';
import { etagOf, IF_MATCH_PATTERN, ifMatch, noneMatch } from '../preconditions.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { Empty, errors, IdParams, noContent } from './schemas.js';

const IfMatchHeader = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      pattern: IF_MATCH_PATTERN,
      description: 'the ETag from GET, in its double quotes ("3"), or *; the write is refused with 412 if the task changed since',
    }),
  ),
});

const IfNoneMatchHeader = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'an ETag from an earlier GET; a 304 without a body when the task is still at that version' })),
});

export async function taskRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['tasks'];

  app.post(
    '/v1/projects/:id/tasks',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'project' }),
      schema: {
        tags,
        summary: "Create a task with the project's next number",
        security: bearer,
        params: IdParams,
        body: TaskFields,
        response: { 201: TaskView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const task = await createTask(runtime.domain(request), principalOf(request), request.params.id, request.body);
      return reply.status(201).header('etag', etagOf(task.version)).send(task);
    },
  );

  app.get(
    '/v1/projects/:id/tasks',
    {
      preHandler: guards.require({ permission: 'task:read', scope: 'project' }),
      schema: {
        tags,
        summary: 'Tasks of a project, filtered, sorted and paged',
        security: bearer,
        params: IdParams,
        querystring: TaskQuery,
        response: { 200: PageOf(TaskView), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listTasks(runtime.db(), principalOf(request), request.params.id, request.query),
  );

  app.get(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:read', scope: 'task' }),
      schema: {
        tags,
        summary: 'One task, with its version as ETag',
        security: bearer,
        params: IdParams,
        headers: IfNoneMatchHeader,
        response: { 200: TaskView, 304: Empty, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      // The guard read the task to authorize on its project; that read is the answer.
      const task = viewOf(scopedTaskOf(request));
      reply.header('etag', etagOf(task.version));
      if (noneMatch(request.headers['if-none-match'], task.version)) return reply.status(304).send();
      return task;
    },
  );

  app.patch(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'task' }),
      schema: {
        tags,
        summary: 'Change a task; with If-Match only if it is still at that version',
        security: bearer,
        params: IdParams,
        headers: IfMatchHeader,
        body: TaskPatch,
        response: { 200: TaskView, ...errors(400, 401, 403, 404, 412, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const task = await updateTask(runtime.domain(request), principalOf(request), request.params.id, request.body, ifMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(task.version)).send(task);
    },
  );

  app.delete(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'task' }),
      schema: {
        tags,
        summary: 'Delete a task (with If-Match, only at that version)',
        security: bearer,
        params: IdParams,
        headers: IfMatchHeader,
        response: { ...noContent, ...errors(400, 401, 403, 404, 412, 503) },
      },
    },
    async (request, reply) => {
      await deleteTask(runtime.domain(request), principalOf(request), request.params.id, ifMatch(request.headers['if-match']));
      return reply.status(204).send();
    },
  );
}
