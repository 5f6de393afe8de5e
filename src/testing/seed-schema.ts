// The schema of a seed (POST /testing/seed and --seed), made of the API's own request schemas, so a seed accepts
// exactly what the API would: the same limits, patterns and enums. Its type is the Seed of start-flagship.ts, which
// may import nothing (it ships on its own as testing.mjs); `SeedFits` below fails to compile if the two drift.
import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../domain/authorizer.js';
import { SignupInput } from '../domain/schemas/account.js';
import { LIMITS, NullableString, StringEnum } from '../domain/schemas/common.js';
import { NewMemberInput } from '../domain/schemas/members.js';
import { NewProjectInput } from '../domain/schemas/projects.js';
import { TaskFields } from '../domain/schemas/tasks.js';
import { NewTokenInput } from '../domain/schemas/tokens.js';
import type { Seed } from './start-flagship.js';

const SeedMember = Type.Object(
  {
    email: NewMemberInput.properties.email,
    name: NewMemberInput.properties.name,
    // The owner too: the API gives that role only at signup, which the seed does for this member.
    role: StringEnum(ROLES),
    tokens: Type.Optional(Type.Array(NewTokenInput, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const { assigneeId: _byId, ...taskFields } = TaskFields.properties;
const SeedTask = Type.Object(
  { ...taskFields, assignee: Type.Optional(NullableString({ format: 'email', maxLength: LIMITS.email, description: 'the email of a seeded member' })) },
  { additionalProperties: false },
);

const SeedProject = Type.Object(
  { ...NewProjectInput.properties, archived: Type.Optional(Type.Boolean()), tasks: Type.Optional(Type.Array(SeedTask, { maxItems: 10_000 })) },
  { additionalProperties: false },
);

export const SeedSchema = Type.Object(
  {
    org: SignupInput.properties.org,
    members: Type.Array(SeedMember, { minItems: 1, maxItems: 1000 }),
    projects: Type.Optional(Type.Array(SeedProject, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

/** Every body the schema accepts is a Seed (a compile-time check; the opposite way differs only in readonly). */
export type SeedFits = Static<typeof SeedSchema> extends Seed ? true : never;
const seedFits: SeedFits = true;
void seedFits;
