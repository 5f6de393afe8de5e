// Members of the caller's organization and their roles. Giving, changing or taking away a role passes the one rule for
// handing out power (the domain asks the build's Authorizer inside the writing transaction).
import { addMember, changeRole, listMembers, removeMember } from '../../domain/members.js';
import { AddedMember, MemberView, NewMemberInput, RoleChange } from '../../domain/schemas/members.js';
import { PageOf, PageQuery } from '../../domain/schemas/page.js';
import { principalOf } from '../auth.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { errors, IdParams, noContent } from './schemas.js';

export async function memberRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['members'];

  app.post(
    '/v1/members',
    {
      preHandler: guards.require({ permission: 'member:manage' }),
      schema: {
        tags,
        summary: 'Add a member, with a role whose every permission you hold; their first token is shown once',
        security: bearer,
        body: NewMemberInput,
        response: { 201: AddedMember, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { member, token } = await addMember(runtime.domain(request), principalOf(request), request.body);
      return reply.status(201).send({ member, token: token.token });
    },
  );

  app.get(
    '/v1/members',
    {
      preHandler: guards.require({ permission: 'member:read' }),
      schema: {
        tags,
        summary: 'Current members, oldest first',
        security: bearer,
        querystring: PageQuery,
        response: { 200: PageOf(MemberView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listMembers(runtime.db(), principalOf(request), request.query),
  );

  app.patch(
    '/v1/members/:id',
    {
      preHandler: guards.require({ permission: 'member:manage', scope: 'member' }),
      schema: {
        tags,
        summary: "Change a member's role (not the owner's); you must hold every permission of the old and the new role",
        security: bearer,
        params: IdParams,
        body: RoleChange,
        response: { 200: MemberView, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
      },
    },
    async (request) => changeRole(runtime.domain(request), principalOf(request), request.params.id, request.body.role),
  );

  app.delete(
    '/v1/members/:id',
    {
      preHandler: guards.require({ permission: 'member:manage', scope: 'member' }),
      schema: {
        tags,
        summary: 'Remove a member (not the owner) holding nothing you do not hold; their tokens (and grants) stop working at once',
        security: bearer,
        params: IdParams,
        response: { ...noContent, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      await removeMember(runtime.domain(request), principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
