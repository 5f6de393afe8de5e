// Projects as the API shows them, and what creating or changing one takes.
import { Type, type Static } from '@sinclair/typebox';
import { Id, Instant, LIMITS, Text } from './common.js';

export const ProjectView = Type.Object(
  { id: Id, key: Type.String(), name: Type.String(), archived: Type.Boolean(), createdAt: Instant, updatedAt: Instant },
  { title: 'Project' },
);
export type ProjectView = Static<typeof ProjectView>;

const Key = Type.String({ pattern: '^[A-Z]{2,10}$', description: '2-10 upper-case letters, unique in the organization' });

export const NewProjectInput = Type.Object({ name: Text(LIMITS.name), key: Key }, { additionalProperties: false, title: 'ProjectInput' });
export type NewProjectInput = Static<typeof NewProjectInput>;

export const ProjectPatch = Type.Object(
  { name: Type.Optional(Text(LIMITS.name)), key: Type.Optional(Key), archived: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1, title: 'ProjectPatch' },
);
export type ProjectPatch = Static<typeof ProjectPatch>;
