// Projects of the caller's organization.
import { createProject, deleteProject, getProject, listProjects, updateProject } from '../../domain/projects.js';
import { PageOf, PageQuery } from '../../domain/schemas/page.js';
import { NewProjectInput, ProjectPatch, ProjectView } from '../../domain/schemas/projects.js';
import { principalOf } from '../auth.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { errors, IdParams, noContent } from './schemas.js';

export async function projectRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['projects'];

  app.post(
    '/v1/projects',
    {
      preHandler: guards.require({ permission: 'project:write' }),
      schema: {
        tags,
        summary: 'Create a project',
        security: bearer,
        body: NewProjectInput,
        response: { 201: ProjectView, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await createProject(runtime.domain(request), principalOf(request), request.body)),
  );

  app.get(
    '/v1/projects',
    {
      preHandler: guards.require({ permission: 'project:read' }),
      schema: {
        tags,
        summary: 'Projects, by key',
        security: bearer,
        querystring: PageQuery,
        response: { 200: PageOf(ProjectView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listProjects(runtime.db(), principalOf(request), request.query),
  );

  app.get(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:read', scope: 'project' }),
      schema: { tags, summary: 'One project', security: bearer, params: IdParams, response: { 200: ProjectView, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request) => getProject(runtime.db(), principalOf(request), request.params.id),
  );

  app.patch(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:write', scope: 'project' }),
      schema: {
        tags,
        summary: 'Rename, re-key or archive a project',
        security: bearer,
        params: IdParams,
        body: ProjectPatch,
        response: { 200: ProjectView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) => updateProject(runtime.domain(request), principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/projects/:id',
    {
      preHandler: guards.require({ permission: 'project:write', scope: 'project' }),
      schema: {
        tags,
        summary: 'Delete a project with its tasks and comments',
        security: bearer,
        params: IdParams,
        response: { ...noContent, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await deleteProject(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
