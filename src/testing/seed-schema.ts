// The JSON Schema of a seed (the Seed type in start-flagship.ts), built from the API's own field schemas so a seed
// accepts exactly what the API would: the same limits, patterns and enums.
import { ROLES } from '../domain/authorizer.js';
import { SLUG } from '../server/routes/account.js';
import { key } from '../server/routes/projects.js';
import { LIMITS, nullableInstant, text } from '../server/routes/schemas.js';
import { fields as taskFields } from '../server/routes/tasks.js';

const email = { type: 'string', format: 'email', maxLength: LIMITS.email } as const;

const token = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: text(LIMITS.tokenName), expiresAt: nullableInstant },
} as const;

const member = {
  type: 'object',
  required: ['email', 'name', 'role'],
  additionalProperties: false,
  properties: { email, name: text(LIMITS.name), role: { type: 'string', enum: ROLES }, tokens: { type: 'array', maxItems: 100, items: token } },
} as const;

const { assigneeId: _byId, ...taskFieldsButAssignee } = taskFields;
const task = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: { ...taskFieldsButAssignee, assignee: { type: ['string', 'null'], format: 'email', maxLength: LIMITS.email, description: 'the email of a seeded member' } },
} as const;

const project = {
  type: 'object',
  required: ['name', 'key'],
  additionalProperties: false,
  properties: { name: text(LIMITS.name), key, archived: { type: 'boolean' }, tasks: { type: 'array', maxItems: 10_000, items: task } },
} as const;

export const seedSchema = {
  type: 'object',
  required: ['org', 'members'],
  additionalProperties: false,
  properties: {
    org: { type: 'object', required: ['name', 'slug'], additionalProperties: false, properties: { name: text(LIMITS.name), slug: { type: 'string', pattern: SLUG } } },
    members: { type: 'array', minItems: 1, maxItems: 1000, items: member },
    projects: { type: 'array', maxItems: 1000, items: project },
  },
} as const;
