// /v1/roles, /v1/members/:id/grants and /v1/members/:id/permissions, guarded by the core's guards (RouteHost).
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { RouteHost } from '../../features/feature.js';
import { bearer } from '../../server/routes/context.js';
import { Id as id, LIMITS, SAFE_TEXT } from '../../domain/schemas/common.js';
import { errors, IdParams as idParams, noContent } from '../../server/routes/schemas.js';
import { ROLE_MANAGE } from '../permissions.js';
import { explainPermissions, listGrants, replaceGrants, type GrantInput } from './grants.js';
import { createRole, deleteRole, getRole, listRoles, updateRole, type RoleInput, type RolePatch } from './roles.js';
import type { RbacStore } from './store.js';

export const ROLE_NAME = '^[a-z][a-z0-9_-]*$';
const roleName = { type: 'string', minLength: 1, maxLength: 64, pattern: ROLE_NAME } as const;
const instantOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

const roleView = {
  type: 'object',
  title: 'Role',
  required: ['id', 'name', 'description', 'builtIn', 'permissions', 'inherits', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: ['string', 'null'], description: 'null for a built-in role' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    builtIn: { type: 'boolean' },
    permissions: { type: 'array', items: { type: 'string' } },
    inherits: { type: 'array', items: { type: 'string' } },
    createdAt: instantOrNull,
    updatedAt: instantOrNull,
  },
} as const;

const grantView = {
  type: 'object',
  title: 'Grant',
  required: ['id', 'role', 'projectId', 'createdAt'],
  properties: { id, role: { type: 'string' }, projectId: { type: ['string', 'null'] }, createdAt: { type: 'string', format: 'date-time' } },
} as const;
const grantsView = {
  type: 'object',
  title: 'MemberGrants',
  required: ['memberId', 'grants'],
  properties: { memberId: id, grants: { type: 'array', items: grantView } },
} as const;

const source = {
  type: 'object',
  title: 'PermissionSource',
  properties: {
    via: { type: 'string', enum: ['member-role', 'grant'] },
    grantId: id,
    role: { type: 'string' },
    path: { type: 'array', items: { type: 'string' }, description: 'the granted role, then each inherited role down to the one naming the permission' },
  },
} as const;
const permissionsView = {
  type: 'object',
  title: 'MemberPermissions',
  required: ['memberId', 'role', 'permissions'],
  properties: {
    memberId: id,
    role: { type: 'string' },
    permissions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          permission: { type: 'string' },
          projectId: { type: ['string', 'null'], description: 'null: on the whole organization' },
          sources: { type: 'array', items: source },
        },
      },
    },
  },
} as const;

export async function rbacRoutes(app: FastifyInstance, host: RouteHost, store: () => RbacStore, changed: (orgId: string) => Promise<void>): Promise<void> {
  const tags = ['roles'];
  const permission = { type: 'string', minLength: 1, maxLength: 64, enum: host.permissions.all } as const;
  const definition = {
    description: { type: ['string', 'null'], maxLength: LIMITS.description, pattern: SAFE_TEXT },
    permissions: { type: 'array', maxItems: 100, uniqueItems: true, items: permission },
    inherits: { type: 'array', maxItems: 50, uniqueItems: true, items: roleName },
  } as const;
  const manage = host.require({ permission: ROLE_MANAGE });
  // Another organization's id is a 404 for every caller, as on the core's routes: a refusal never confirms it exists.
  // Another organization's role is a 404 whatever the caller may do, as on the core's routes: the role is confined to
  // the caller's organization before any permission is checked (the caller is authenticated on arrival).
  const roleInOrg: preHandlerAsyncHookHandler = async (request) => {
    await getRole(store(), host.principalOf(request), (request.params as { id: string }).id);
  };
  const onRole = (guard: preHandlerAsyncHookHandler): preHandlerAsyncHookHandler[] => [roleInOrg, guard];
  const onMember = (permission: string) => host.require({ permission, scope: 'member' });

  app.get(
    '/v1/roles',
    {
      preHandler: host.require({ permission: 'member:read' }),
      schema: {
        tags,
        summary: 'The built-in roles and the custom roles of the organization',
        security: bearer,
        response: { 200: { type: 'object', title: 'RoleList', properties: { items: { type: 'array', items: roleView } } }, ...errors(401, 403, 503) },
      },
    },
    async (request) => listRoles(store(), host.principalOf(request)),
  );

  app.post<{ Body: RoleInput }>(
    '/v1/roles',
    {
      preHandler: manage,
      schema: {
        tags,
        summary: 'Create a custom role from permissions and inherited roles (a cycle is a 400 naming it)',
        security: bearer,
        body: { type: 'object', title: 'RoleInput', required: ['name'], additionalProperties: false, properties: { name: roleName, ...definition } },
        response: { 201: roleView, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const principal = host.principalOf(request);
      const role = await createRole(host.domain(request), store(), principal, request.body);
      await changed(principal.orgId);
      return reply.status(201).send(role);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/roles/:id',
    {
      preHandler: onRole(host.require({ permission: 'member:read' })),
      schema: { tags, summary: 'One custom role', security: bearer, params: idParams, response: { 200: roleView, ...errors(400, 401, 403, 404, 503) } },
    },
    async (request) => getRole(store(), host.principalOf(request), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: RolePatch }>(
    '/v1/roles/:id',
    {
      preHandler: onRole(manage),
      schema: {
        tags,
        summary: "Change a custom role's permissions, inherited roles or description (its name stays); enforced on the next request everywhere",
        security: bearer,
        params: idParams,
        body: { type: 'object', title: 'RolePatch', additionalProperties: false, minProperties: 1, properties: definition },
        response: { 200: roleView, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request) => {
      const principal = host.principalOf(request);
      const role = await updateRole(host.domain(request), store(), principal, request.params.id, request.body);
      await changed(principal.orgId);
      return role;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/roles/:id',
    {
      preHandler: onRole(manage),
      schema: {
        tags,
        summary: 'Delete a custom role nobody holds (409 naming who still does)',
        security: bearer,
        params: idParams,
        response: { ...noContent, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const principal = host.principalOf(request);
      await deleteRole(host.domain(request), store(), principal, request.params.id);
      await changed(principal.orgId);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/members/:id/grants',
    {
      preHandler: onMember('member:read'),
      schema: {
        tags,
        summary: "A member's grants: roles beyond their own, org-wide or on one project",
        security: bearer,
        params: idParams,
        response: { 200: grantsView, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => listGrants(host.domain(request), store(), host.principalOf(request), request.params.id),
  );

  app.put<{ Params: { id: string }; Body: { grants: GrantInput[] } }>(
    '/v1/members/:id/grants',
    {
      preHandler: onMember(ROLE_MANAGE),
      schema: {
        tags,
        summary: "Replace a member's grants; a revoked grant is enforced on the next request everywhere",
        security: bearer,
        params: idParams,
        body: {
          type: 'object',
          title: 'GrantsInput',
          required: ['grants'],
          additionalProperties: false,
          properties: {
            grants: {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                required: ['role'],
                additionalProperties: false,
                properties: { role: roleName, projectId: { type: ['string', 'null'], format: 'uuid', description: 'absent or null: the whole organization' } },
              },
            },
          },
        },
        response: { 200: grantsView, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    async (request) => {
      const principal = host.principalOf(request);
      const grants = await replaceGrants(host.domain(request), store(), principal, request.params.id, request.body.grants);
      await changed(principal.orgId);
      return grants;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/members/:id/permissions',
    {
      preHandler: onMember('member:read'),
      schema: {
        tags,
        summary: "A member's effective permissions, each with the roles and grants it comes from",
        security: bearer,
        params: idParams,
        response: { 200: permissionsView, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => explainPermissions(host.domain(request), store(), host.principalOf(request), request.params.id),
  );
}
