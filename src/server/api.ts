// The /v1 API: every route with its schema, its declared permission, and the OpenAPI document generated from those
// schemas at /v1/openapi.json.
// Only the plugin's types (a route schema's `hide`, `tags`...): the plugin itself is loaded on the first request for
// the document (openapi/on-first-request.ts).
import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { variant } from '../variant.js';
import { openApiOnFirstRequest } from './openapi/on-first-request.js';
import type { Guards } from './auth.js';
import { accountRoutes } from './routes/account.js';
import { commentRoutes } from './routes/comments.js';
import type { ApiContext } from './routes/context.js';
import { memberRoutes } from './routes/members.js';
import { projectRoutes } from './routes/projects.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import type { Runtime } from './runtime.js';

export async function registerApi(fastify: FastifyInstance, runtime: Runtime, guards: Guards): Promise<void> {
  // The same instance, typed so that each route's handler types are inferred from its schema.
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest('principal', undefined);
  app.decorateRequest('scopedTask', undefined);
  // Before the routes: it records them as they are declared. The document is made on its first request.
  const document = openApiOnFirstRequest(app, async () => {
    const { finishDocument, transformRoute } = await import('./openapi/document.js');
    return {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'flagship',
          version: variant.version,
          description: 'Organizations, members, tokens, projects, tasks and comments.',
          license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
        },
        servers: [{ url: '/', description: 'the server that serves this document' }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from signup, POST /v1/members or POST /v1/tokens' } },
        },
      },
      hideUntagged: true,
      transform: transformRoute,
      // Finished in one pass, then what the modules add to every operation (a header they read or set; decorators.ts).
      transformObject: (documentObject) =>
        fastify.apiDocument.extend(
          finishDocument(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as Record<string, unknown>),
        ),
    };
  });

  const ctx: ApiContext = { runtime, guards };
  await accountRoutes(app, ctx);
  await memberRoutes(app, ctx);
  await tokenRoutes(app, ctx);
  await projectRoutes(app, ctx);
  await taskRoutes(app, ctx);
  await commentRoutes(app, ctx);

  app.get('/v1/openapi.json', { schema: { hide: true } }, document);
}
