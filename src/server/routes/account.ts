// Signing up (a new organization, its owner and a first token) and asking who you are.
import type { FastifyInstance } from 'fastify';
import { signup, whoAmI, type SignupInput } from '../../domain/orgs.js';
import { principalOf } from '../auth.js';
import { bearer, type ApiContext } from './context.js';
import { LIMITS, errors, memberView, orgView, text, tokenView } from './schemas.js';

export const SLUG = '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$';

const signupBody = {
  type: 'object',
  required: ['org', 'user'],
  additionalProperties: false,
  properties: {
    org: {
      type: 'object',
      required: ['name', 'slug'],
      additionalProperties: false,
      properties: {
        name: text(LIMITS.name),
        slug: { type: 'string', pattern: SLUG, description: 'lower-case letters, digits and inner hyphens, at most 40' },
      },
    },
    user: {
      type: 'object',
      required: ['email', 'name'],
      additionalProperties: false,
      properties: { email: { type: 'string', format: 'email', maxLength: LIMITS.email }, name: text(LIMITS.name) },
    },
  },
} as const;

export async function accountRoutes(app: FastifyInstance, { runtime, guards }: ApiContext): Promise<void> {
  app.post<{ Body: SignupInput }>(
    '/v1/signup',
    {
      schema: {
        tags: ['account'],
        summary: 'Create an organization with its owner; the owner token is shown once',
        body: signupBody,
        response: {
          201: { type: 'object', required: ['org', 'user', 'token'], properties: { org: orgView, user: memberView, token: { type: 'string' } } },
          ...errors(400, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await signup(runtime.domain(request), request.body)),
  );

  app.get(
    '/v1/me',
    {
      preHandler: guards.require({ permission: 'org:read' }),
      schema: {
        tags: ['account'],
        summary: 'The caller: organization, member record and the token in use',
        security: bearer,
        response: { 200: { type: 'object', properties: { org: orgView, user: memberView, token: tokenView } }, ...errors(401, 403, 503) },
      },
    },
    async (request) => whoAmI(runtime.db(), principalOf(request)),
  );
}
