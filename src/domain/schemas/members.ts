// Members as the API shows them, and what adding one or changing a role takes.
import { Type, type Static } from '@sinclair/typebox';
import { ASSIGNABLE_ROLES } from '../members.js';
import { Email, Id, Instant, LIMITS, StringEnum, Text } from './common.js';

export const MemberView = Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Type.String(), createdAt: Instant });
export type MemberView = Static<typeof MemberView>;

const Role = StringEnum(ASSIGNABLE_ROLES);

export const NewMemberInput = Type.Object({ email: Email, name: Text(LIMITS.name), role: Role }, { additionalProperties: false });
export type NewMemberInput = Static<typeof NewMemberInput>;

export const RoleChange = Type.Object({ role: Role }, { additionalProperties: false });

/** A new member with their first token's secret, which is shown only here. */
export const AddedMember = Type.Object({ member: MemberView, token: Type.String() });
