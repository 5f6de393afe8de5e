// Members as the API shows them, and what adding one or changing a role takes.
import { Type, type Static } from '@sinclair/typebox';
import { Email, Id, Instant, LIMITS, Text } from './common.js';

export const MemberView = Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Type.String(), createdAt: Instant }, { title: 'Member' });
export type MemberView = Static<typeof MemberView>;

/**
 * A built-in role (admin, member, viewer) or, where the build has custom roles, one of the organization's: the
 * domain checks the name against the organization inside the writing transaction.
 */
const Role = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z][a-z0-9_-]*$',
  description: 'admin, member, viewer, or a custom role of the organization',
});

export const NewMemberInput = Type.Object({ email: Email, name: Text(LIMITS.name), role: Role }, { additionalProperties: false, title: 'MemberInput' });
export type NewMemberInput = Static<typeof NewMemberInput>;

export const RoleChange = Type.Object({ role: Role }, { additionalProperties: false, title: 'RoleChange' });

/** A new member with their first token's secret, which is shown only here. */
export const AddedMember = Type.Object({ member: MemberView, token: Type.String() }, { title: 'AddedMember' });
