// Projects of the caller's organization.
import type { FastifyInstance } from 'fastify';
import type { PageRequest } from '../../domain/pagination.js';
import { createProject, deleteProject, getProject, listProjects, updateProject, type NewProjectInput, type ProjectPatch } from '../../domain/projects.js';
import { principalOf } from '../auth.js';
import { bearer, type ApiContext } from './context.js';
import { errors, idParams, LIMITS, noContent, page, pageOnlyQuery, projectView, text } from './schemas.js';

export const key = { type: 'string', pattern: '^[A-Z]{2,10}$', description: '2-10 upper-case letters, unique in the organization' } as const;

export async function projectRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['projects'];

  app.post<{ Body: NewProjectInput }>(
    '/v1/projects',
    {
      preHandler: guards.require({ permission: 'project:write' }),
      schema: {
        tags,
        summary: 'Create a project',
        security: bearer,
        body: { type: 'object', required: ['name', 'key'], additionalProperties: false, properties: { name: text(LIMITS.name), key } },
        response: { 201: projectView, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await createProject(runtime.domain(request), principalOf(request), request.body)),
  );

  app.get<{ Querystring: PageRequest }>(
    '/v1/projects',
    {
      preHandler: guards.require({ permission: 'project:read' }),
      schema: {
        tags,
        summary: 'Projects, by key',
        security: bearer,
        querystring: pageOnlyQuery,
        response: { 200: page(projectView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listProjects(runtime.db(), principalOf(request), request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:read', scope: 'project' }),
      schema: { tags, summary: 'One project', security: bearer, params: idParams, response: { 200: projectView, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request) => getProject(runtime.db(), principalOf(request), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: ProjectPatch }>(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:write', scope: 'project' }),
      schema: {
        tags,
        summary: 'Rename, re-key or archive a project',
        security: bearer,
        params: idParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: text(LIMITS.name), key, archived: { type: 'boolean' } } },
        response: { 200: projectView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) => updateProject(runtime.domain(request), principalOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:write', scope: 'project' }),
      schema: { tags, summary: 'Delete a project with its tasks and comments', security: bearer, params: idParams, response: { ...noContent, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request, reply) => {
      await deleteProject(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
