// Tasks of a project: numbered, filtered and paged listings, and versioned reads and writes (ETag / If-Match).
import type { FastifyInstance } from 'fastify';
import { TASK_SORTS, listTasks, type TaskQuery } from '../../domain/task-list.js';
import { MAX_LABELS, TASK_PRIORITIES, TASK_STATUSES, createTask, deleteTask, taskView as viewOf, updateTask, type TaskFields, type TaskPatch } from '../../domain/tasks.js';
import { principalOf, scopedTaskOf } from '../auth.js';
import { etagOf, ifMatch, noneMatch } from '../preconditions.js';
import { bearer, type ApiContext } from './context.js';
import { errors, id, idParams, LIMITS, noContent, nullableInstant, page, pageQuery, SAFE_TEXT, taskView, text } from './schemas.js';

const status = { type: 'string', enum: TASK_STATUSES } as const;
const label = text(LIMITS.label);
const fields = {
  title: text(LIMITS.title),
  description: { type: ['string', 'null'], maxLength: LIMITS.description, pattern: SAFE_TEXT },
  status,
  priority: { type: 'string', enum: TASK_PRIORITIES },
  assigneeId: { type: ['string', 'null'], format: 'uuid' },
  labels: { type: 'array', maxItems: MAX_LABELS, uniqueItems: true, items: label },
  dueAt: nullableInstant,
} as const;

const ifMatchHeader = {
  type: 'object',
  properties: { 'if-match': { type: 'string', description: 'the ETag from GET; the write is refused with 412 if the task changed since' } },
} as const;

export async function taskRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['tasks'];

  app.post<{ Params: { id: string }; Body: TaskFields }>(
    '/v1/projects/:id/tasks',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'project' }),
      schema: {
        tags,
        summary: "Create a task with the project's next number",
        security: bearer,
        params: idParams,
        body: { type: 'object', required: ['title'], additionalProperties: false, properties: fields },
        response: { 201: taskView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const task = await createTask(runtime.domain(request), principalOf(request), request.params.id, request.body);
      return reply.status(201).header('etag', etagOf(task.version)).send(task);
    },
  );

  app.get<{ Params: { id: string }; Querystring: TaskQuery }>(
    '/v1/projects/:id/tasks',
    {
      preHandler: guards.require({ permission: 'task:read', scope: 'project' }),
      schema: {
        tags,
        summary: 'Tasks of a project, filtered, sorted and paged',
        security: bearer,
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQuery,
            status: { type: 'array', items: status, maxItems: TASK_STATUSES.length, description: 'one or more statuses (repeat the parameter)' },
            assigneeId: id,
            label,
            q: { ...text(LIMITS.search), description: 'case-insensitive substring of the title' },
            sort: { type: 'string', enum: TASK_SORTS, description: 'default number; a leading - sorts descending' },
          },
        },
        response: { 200: page(taskView), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listTasks(runtime.db(), principalOf(request), request.params.id, request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:read', scope: 'task' }),
      schema: { tags, summary: 'One task, with its version as ETag', security: bearer, params: idParams, response: { 200: taskView, 304: { type: 'null' }, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request, reply) => {
      // The guard read the task to authorize on its project; that read is the answer.
      const task = viewOf(scopedTaskOf(request));
      reply.header('etag', etagOf(task.version));
      if (noneMatch(request.headers['if-none-match'], task.version)) return reply.status(304).send();
      return task;
    },
  );

  app.patch<{ Params: { id: string }; Body: TaskPatch; Headers: { 'if-match'?: string } }>(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'task' }),
      schema: {
        tags,
        summary: 'Change a task; with If-Match only if it is still at that version',
        security: bearer,
        params: idParams,
        headers: ifMatchHeader,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: fields },
        response: { 200: taskView, ...errors(400, 401, 403, 404, 412, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const task = await updateTask(runtime.domain(request), principalOf(request), request.params.id, request.body, ifMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(task.version)).send(task);
    },
  );

  app.delete<{ Params: { id: string }; Headers: { 'if-match'?: string } }>(
    '/v1/tasks/:id',
    {
      preHandler: guards.require({ permission: 'task:write', scope: 'task' }),
      schema: { tags, summary: 'Delete a task (with If-Match, only at that version)', security: bearer, params: idParams, headers: ifMatchHeader, response: { ...noContent, ...errors(400, 401, 403, 404, 412, 503) } },
    },
    async (request, reply) => {
      await deleteTask(runtime.domain(request), principalOf(request), request.params.id, ifMatch(request.headers['if-match']));
      return reply.status(204).send();
    },
  );
}
