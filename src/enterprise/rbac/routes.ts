// /v1/roles, /v1/members/:id/grants and /v1/members/:id/permissions, on the typed instance and guarded by the core's
// guards (the requireAccess decorator, server/decorators.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearer } from '../../server/routes/context.js';
import { errors, IdParams, noContent } from '../../server/routes/schemas.js';
import { ROLE_MANAGE } from '../permissions.js';
import { explainPermissions, listGrants, replaceGrants } from './grants.js';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './roles.js';
import { GrantsInput, MemberGrants, MemberPermissions, RoleInput, RoleList, RolePatch, RoleView } from './schemas.js';
import type { RbacStore } from './store.js';

export async function rbacRoutes(
  fastify: FastifyInstance,
  store: (request: FastifyRequest) => RbacStore,
  changed: (orgId: string) => Promise<void>,
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['roles'];
  const manage = app.requireAccess({ permission: ROLE_MANAGE });
  // Another organization's role is a 404 whatever the caller may do, as on the core's routes: the role is confined to
  // the caller's organization before any permission is checked (the caller is authenticated on arrival).
  const roleInOrg = async (request: FastifyRequest, id: string): Promise<void> => {
    await getRole(store(request), app.principalOf(request), id);
  };
  const onMember = (permission: string) => app.requireAccess({ permission, scope: 'member' });
  const roleInput = RoleInput(app.permissions.all);
  const rolePatch = RolePatch(app.permissions.all);

  app.get(
    '/v1/roles',
    {
      preHandler: app.requireAccess({ permission: 'member:read' }),
      schema: {
        tags,
        summary: 'The built-in roles and the custom roles of the organization',
        security: bearer,
        response: { 200: RoleList, ...errors(401, 403, 503) },
      },
    },
    async (request) => listRoles(store(request), app.principalOf(request)),
  );

  app.post(
    '/v1/roles',
    {
      preHandler: manage,
      schema: {
        tags,
        summary: 'Create a custom role from permissions and inherited roles (a cycle is a 400 naming it)',
        security: bearer,
        body: roleInput,
        response: { 201: RoleView, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const principal = app.principalOf(request);
      const role = await createRole(app.domainOf(request), store(request), principal, request.body);
      await changed(principal.orgId);
      return reply.status(201).send(role);
    },
  );

  app.get(
    '/v1/roles/:id',
    {
      preHandler: [async (request) => roleInOrg(request, request.params.id), app.requireAccess({ permission: 'member:read' })],
      schema: { tags, summary: 'One custom role', security: bearer, params: IdParams, response: { 200: RoleView, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request) => getRole(store(request), app.principalOf(request), request.params.id),
  );

  app.patch(
    '/v1/roles/:id',
    {
      preHandler: [async (request) => roleInOrg(request, request.params.id), manage],
      schema: {
        tags,
        summary: "Change a custom role's permissions, inherited roles or description (its name stays); enforced on the next request everywhere",
        security: bearer,
        params: IdParams,
        body: rolePatch,
        response: { 200: RoleView, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request) => {
      const principal = app.principalOf(request);
      const role = await updateRole(app.domainOf(request), store(request), principal, request.params.id, request.body);
      await changed(principal.orgId);
      return role;
    },
  );

  app.delete(
    '/v1/roles/:id',
    {
      preHandler: [async (request) => roleInOrg(request, request.params.id), manage],
      schema: {
        tags,
        summary: 'Delete a custom role nobody holds (409 naming who still does)',
        security: bearer,
        params: IdParams,
        response: { ...noContent, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const principal = app.principalOf(request);
      await deleteRole(app.domainOf(request), store(request), principal, request.params.id);
      await changed(principal.orgId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/members/:id/grants',
    {
      preHandler: onMember('member:read'),
      schema: {
        tags,
        summary: "A member's grants: roles beyond their own, org-wide or on one project",
        security: bearer,
        params: IdParams,
        response: { 200: MemberGrants, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listGrants(app.domainOf(request), store(request), app.principalOf(request), request.params.id),
  );

  app.put(
    '/v1/members/:id/grants',
    {
      preHandler: onMember(ROLE_MANAGE),
      schema: {
        tags,
        summary: "Replace a member's grants; a revoked grant is enforced on the next request everywhere",
        security: bearer,
        params: IdParams,
        body: GrantsInput,
        response: { 200: MemberGrants, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request) => {
      const principal = app.principalOf(request);
      const grants = await replaceGrants(app.domainOf(request), store(request), principal, request.params.id, request.body.grants);
      await changed(principal.orgId);
      return grants;
    },
  );

  app.get(
    '/v1/members/:id/permissions',
    {
      preHandler: onMember('member:read'),
      schema: {
        tags,
        summary: "A member's effective permissions, each with the roles and grants it comes from",
        security: bearer,
        params: IdParams,
        response: { 200: MemberPermissions, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => explainPermissions(app.domainOf(request), store(request), app.principalOf(request), request.params.id),
  );
}
