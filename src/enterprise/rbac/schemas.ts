// The shapes of /v1/roles and /v1/members/:id/grants|permissions, as TypeBox schemas: the routes validate and
// document with them, and roles.ts and grants.ts take their types from them (Static), so one change changes both.
// Role bodies name permissions, which are only known once every module has added its own: their schemas are made
// from the build's permission list, their types do not depend on it.
import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, LIMITS, NullableInstant, NullableString, SAFE_TEXT, StringEnum } from '../../domain/schemas/common.js';

export const ROLE_NAME = '^[a-z][a-z0-9_-]*$';
const RoleName = Type.String({ minLength: 1, maxLength: 64, pattern: ROLE_NAME });

export const RoleView = Type.Object(
  {
    id: NullableString({ description: 'null for a built-in role' }),
    name: Type.String(),
    description: NullableString(),
    builtIn: Type.Boolean(),
    permissions: Type.Array(Type.String()),
    inherits: Type.Array(Type.String()),
    createdAt: NullableInstant,
    updatedAt: NullableInstant,
  },
  { title: 'Role' },
);
export type RoleView = Static<typeof RoleView>;

export const RoleList = Type.Object({ items: Type.Optional(Type.Array(RoleView)) }, { title: 'RoleList' });

/** The fields a role is defined by, each permission one of `permissions` (every permission of the build). */
function definition(permissions: readonly string[]) {
  const permission = StringEnum(permissions, { minLength: 1, maxLength: 64 });
  return {
    description: Type.Optional(NullableString({ maxLength: LIMITS.description, pattern: SAFE_TEXT })),
    permissions: Type.Optional(Type.Array(permission, { maxItems: 100, uniqueItems: true })),
    inherits: Type.Optional(Type.Array(RoleName, { maxItems: 50, uniqueItems: true })),
  };
}

export const RoleInput = (permissions: readonly string[]) =>
  Type.Object({ name: RoleName, ...definition(permissions) }, { title: 'RoleInput', additionalProperties: false });
export type RoleInput = Static<ReturnType<typeof RoleInput>>;

/** What a PATCH may change: anything but the name, at least one field. */
export const RolePatch = (permissions: readonly string[]) =>
  Type.Object(definition(permissions), { title: 'RolePatch', additionalProperties: false, minProperties: 1 });
export type RolePatch = Static<ReturnType<typeof RolePatch>>;

export const GrantView = Type.Object({ id: Id, role: Type.String(), projectId: NullableString(), createdAt: Instant }, { title: 'Grant' });
export type GrantView = Static<typeof GrantView>;

export const MemberGrants = Type.Object({ memberId: Id, grants: Type.Array(GrantView) }, { title: 'MemberGrants' });

export const GrantInput = Type.Object(
  { role: RoleName, projectId: Type.Optional(NullableString({ format: 'uuid', description: 'absent or null: the whole organization' })) },
  { additionalProperties: false },
);
export type GrantInput = Static<typeof GrantInput>;

export const GrantsInput = Type.Object({ grants: Type.Array(GrantInput, { maxItems: 100 }) }, { title: 'GrantsInput', additionalProperties: false });

const PermissionSource = Type.Object(
  {
    via: Type.Optional(StringEnum(['member-role', 'grant'])),
    grantId: Type.Optional(Id),
    role: Type.Optional(Type.String()),
    path: Type.Optional(Type.Array(Type.String(), { description: 'the granted role, then each inherited role down to the one naming the permission' })),
  },
  { title: 'PermissionSource' },
);

export const MemberPermissions = Type.Object(
  {
    memberId: Id,
    role: Type.String(),
    permissions: Type.Array(
      Type.Object({
        permission: Type.Optional(Type.String()),
        projectId: Type.Optional(NullableString({ description: 'null: on the whole organization' })),
        sources: Type.Optional(Type.Array(PermissionSource)),
      }),
    ),
  },
  { title: 'MemberPermissions' },
);
