// Members of the caller's organization and their built-in roles.
import type { FastifyInstance } from 'fastify';
import { ASSIGNABLE_ROLES, addMember, changeRole, listMembers, removeMember, type AssignableRole, type NewMemberInput } from '../../domain/members.js';
import type { PageRequest } from '../../domain/pagination.js';
import { principalOf } from '../auth.js';
import { bearer, type ApiContext } from './context.js';
import { errors, idParams, LIMITS, memberView, noContent, page, pageOnlyQuery, text } from './schemas.js';

export const role = { type: 'string', enum: ASSIGNABLE_ROLES } as const;

export async function memberRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['members'];

  app.post<{ Body: NewMemberInput }>(
    '/v1/members',
    {
      preHandler: guards.require({ permission: 'member:manage' }),
      schema: {
        tags,
        summary: 'Add a member; their first token is shown once',
        security: bearer,
        body: {
          type: 'object',
          required: ['email', 'name', 'role'],
          additionalProperties: false,
          properties: { email: { type: 'string', format: 'email', maxLength: LIMITS.email }, name: text(LIMITS.name), role },
        },
        response: { 201: { type: 'object', properties: { member: memberView, token: { type: 'string' } } }, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { member, token } = await addMember(runtime.domain(request), principalOf(request), request.body);
      return reply.status(201).send({ member, token: token.token });
    },
  );

  app.get<{ Querystring: PageRequest }>(
    '/v1/members',
    {
      preHandler: guards.require({ permission: 'member:read' }),
      schema: {
        tags,
        summary: 'Current members, oldest first',
        security: bearer,
        querystring: pageOnlyQuery,
        response: { 200: page(memberView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listMembers(runtime.db(), principalOf(request), request.query),
  );

  app.patch<{ Params: { id: string }; Body: { role: AssignableRole } }>(
    '/v1/members/:id',
    {
      preHandler: guards.require({ permission: 'member:manage' }),
      schema: {
        tags,
        summary: "Change a member's role (not the owner's)",
        security: bearer,
        params: idParams,
        body: { type: 'object', required: ['role'], additionalProperties: false, properties: { role } },
        response: { 200: memberView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) => changeRole(runtime.domain(request), principalOf(request), request.params.id, request.body.role),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/members/:id',
    {
      preHandler: guards.require({ permission: 'member:manage' }),
      schema: { tags, summary: 'Remove a member (not the owner); their tokens stop working at once', security: bearer, params: idParams, response: { ...noContent, ...errors(400, 401, 403, 404, 409, 503) } },
    },
    async (request, reply) => {
      await removeMember(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
