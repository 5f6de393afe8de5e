// Signing up (a new organization, its owner and a first token) and asking who you are.
import { signup, whoAmI } from '../../domain/orgs.js';
import { SignedUp, SignupInput, WhoAmI } from '../../domain/schemas/account.js';
import { principalOf } from '../auth.js';
import { bearer, type Api, type ApiContext } from './context.js';
import { errors } from './schemas.js';

export async function accountRoutes(app: Api, { runtime, guards }: ApiContext): Promise<void> {
  const tags = ['account'];

  app.post(
    '/v1/signup',
    {
      config: { limitedBy: 'signups' },
      schema: {
        tags,
        summary: 'Create an organization with its owner; the owner token is shown once',
        operationId: 'signup',
        body: SignupInput,
        response: { 201: SignedUp, ...errors(400, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await signup(runtime.domain(request), request.body)),
  );

  app.get(
    '/v1/me',
    {
      preHandler: guards.require({ permission: 'org:read' }),
      schema: {
        tags,
        summary: 'The caller: organization, member record and the token in use',
        security: bearer,
        response: { 200: WhoAmI, ...errors(401, 403, 503) },
      },
    },
    async (request) => whoAmI(runtime.db(), principalOf(request)),
  );
}
