// Request and reply types come from the route schemas alone. Fastify infers a handler's types through the TypeBox
// type provider, so changing a field of a schema changes the type of every handler using it, and code that no longer
// fits stops compiling. The `@ts-expect-error` lines are the proof: `tsc --noEmit` (the first step of npm test) fails
// the day one of them stops being an error.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Kind, Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { loadConfiguration } from '../../src/config/config.js';
import { TaskFields, TaskView, type TaskStatus } from '../../src/domain/schemas/tasks.js';
import { createEnterprise } from '../../src/enterprise/index.js';
import { moduleDeclarations } from '../../src/features.js';
import { enterpriseOptions } from '../../src/enterprise/options.js';
import { testingOptions } from '../../src/testing/options.js';
import type { Feature } from '../../src/features/feature.js';
import { createScaling } from '../../src/scaling/index.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp } from '../../src/server/app.js';
import { CORE_PLUGIN } from '../../src/server/decorators.js';
import { createLogger } from '../../src/server/logger.js';
import { Runtime } from '../../src/server/runtime.js';
import { validatorCompiler } from '../../src/server/validation.js';
import { createTesting } from '../../src/testing/index.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

function typedApp() {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  return app;
}

describe('route types inferred from the schemas', () => {
  it('a field whose schema changes changes the handler type, and the validation with it', async () => {
    const before = Type.Object({ estimate: Type.String() });
    const after = Type.Object({ estimate: Type.Integer({ minimum: 0 }) });
    const app = typedApp();
    app.post('/before', { schema: { body: before } }, async (request) => {
      expectTypeOf(request.body.estimate).toEqualTypeOf<string>();
      return { upper: request.body.estimate.toUpperCase() };
    });
    app.post('/after', { schema: { body: after } }, async (request) => {
      expectTypeOf(request.body.estimate).toEqualTypeOf<number>();
      // Checked by tsc only, never run: the code written for the string field does not compile against the integer one.
      // @ts-expect-error toUpperCase does not exist on type number
      const stale = () => request.body.estimate.toUpperCase();
      expect(stale).toBeTypeOf('function');
      return { doubled: request.body.estimate * 2 };
    });
    expect((await app.inject({ method: 'POST', url: '/before', payload: { estimate: 'soon' } })).json()).toEqual({ upper: 'SOON' });
    expect((await app.inject({ method: 'POST', url: '/after', payload: { estimate: 'soon' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/after', payload: { estimate: 3 } })).json()).toEqual({ doubled: 6 });
  });

  it("the API's own schemas type the body and the reply of a handler", async () => {
    const app = typedApp();
    app.post('/tasks', { schema: { body: TaskFields, response: { 201: TaskView } } }, async (request, reply) => {
      expectTypeOf(request.body.title).toEqualTypeOf<string>();
      expectTypeOf(request.body.status).toEqualTypeOf<TaskStatus | undefined>();
      expectTypeOf(request.body.labels).toEqualTypeOf<string[] | undefined>();
      // @ts-expect-error a status is one of the listed words, not any text
      const status: 'open' | undefined = request.body.status;
      // Checked by tsc only, never run: a reply must carry every field of TaskView.
      // @ts-expect-error the object lacks projectId, number, title...
      const partial = () => reply.status(201).send({ id: 'only an id' });
      expect(partial).toBeTypeOf('function');
      return reply.status(201).send({
        id: '00000000-0000-4000-8000-000000000000',
        projectId: '00000000-0000-4000-8000-000000000001',
        number: 1,
        title: request.body.title,
        description: request.body.description ?? null,
        status: status ?? 'todo',
        priority: 'normal',
        assigneeId: null,
        labels: request.body.labels ?? [],
        dueAt: null,
        version: 1,
        createdAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2030-01-01T00:00:00.000Z',
      });
    });
    const res = await app.inject({ method: 'POST', url: '/tasks', payload: { title: 'typed', labels: ['a'] } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ title: 'typed', labels: ['a'], status: 'todo' });
    expect((await app.inject({ method: 'POST', url: '/tasks', payload: { title: 'typed', status: 'open' } })).statusCode).toBe(400);
  });
});

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );

/** Why a route's types would not come from TypeBox schemas: a schema part that is not one, or a path parameter no schema types. */
function untyped(route: RouteOptions): string[] {
  const where = `${String(route.method)} ${route.url}`;
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const parts: Array<[string, unknown]> = [
    ...(['params', 'querystring', 'body', 'headers'] as const).flatMap((part): Array<[string, unknown]> =>
      schema[part] === undefined ? [] : [[part, schema[part]]],
    ),
    ...Object.entries((schema.response ?? {}) as Record<string, unknown>).map(([status, s]): [string, unknown] => [`response ${status}`, s]),
  ];
  const problems = parts.flatMap(([part, s]) => (typeof s === 'object' && s !== null && Kind in s ? [] : [`${where}: ${part} is not a TypeBox schema`]));
  const names = [...route.url.replaceAll('::', '').matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const typed = Object.keys(((schema.params ?? {}) as { properties?: object }).properties ?? {});
  for (const name of names) if (!typed.includes(name)) problems.push(`${where}: :${name} has no params schema`);
  return problems;
}

/** Every route an app with the given modules registers from the API on (the core's and each module's). */
async function routesOf(features: Feature[]): Promise<RouteOptions[]> {
  const { config } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }, {}, await moduleDeclarations());
  const routes: RouteOptions[] = [];
  const app = await buildApp({
    runtime: new Runtime(config, features),
    logger: createLogger('silent'),
    routes: async (fastify, runtime, guards) => {
      fastify.addHook('onRoute', (route) => void routes.push(route));
      await registerApi(fastify, runtime, guards);
    },
  });
  await app.close();
  return routes;
}

describe('one source for every route type', () => {
  it('every route of the core and of every module is typed by TypeBox schemas', async () => {
    const { config, settings } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }, {}, await moduleDeclarations());
    const logger = createLogger('silent');
    // Scaling only describes itself here (its routes); the database would be PostgreSQL.
    const features = [
      await createScaling({ config: undefined, logger }),
      await createEnterprise({ config, settings: settings.of(enterpriseOptions), logger }),
      await createTesting({ config, settings: settings.of(testingOptions), logger }),
    ];
    const routes = await routesOf(features);
    const urls = routes.map((r) => r.url);
    expect(urls).toEqual(
      expect.arrayContaining(['/v1/tasks/:id', '/v1/admin/pools', '/v1/roles/:id', '/v1/members/:id/grants', '/v1/audit', '/testing/clock']),
    );
    expect(routes.flatMap(untyped)).toEqual([]);
  });

  it("catches a module's route declared with plain JSON Schema or an untyped path parameter", async () => {
    const plain: Feature = {
      name: 'untyped-fixture',
      summary: 'untyped fixture',
      plugin: fp(
        async (app: FastifyInstance) => {
          app.post('/v1/fixture', { schema: { body: { type: 'object', properties: { name: { type: 'string' } } } } }, async () => 'ok');
          app.get('/v1/fixture/:id', async () => 'ok');
        },
        { name: 'untyped-fixture', dependencies: [CORE_PLUGIN] },
      ),
    };
    expect((await routesOf([plain])).flatMap(untyped)).toEqual([
      'POST /v1/fixture: body is not a TypeBox schema',
      'GET /v1/fixture/:id: :id has no params schema',
      'HEAD /v1/fixture/:id: :id has no params schema',
    ]);
  });

  it('no route in src/ asserts its handler generics (they are inferred from the schema)', () => {
    const asserted = sources(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\b\w+\.(get|post|put|patch|delete|head|options|all|route)\s*<\s*\{/g)].map(
        (m) => `${path.relative(SRC, file)}: ${m[0]}`,
      ),
    );
    expect(asserted).toEqual([]);
  });

  it('no handler in src/ casts what the schema types (request.params, query, body)', () => {
    const casts = sources(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\brequest\.(params|query|body)\s+as\b/g)].map((m) => `${path.relative(SRC, file)}: ${m[0]}`),
    );
    expect(casts).toEqual([]);
  });

  it('no interface in src/ restates a route schema', () => {
    // Every exported TypeBox schema under src/, the core's and the modules' (a schema made from the build's permissions
    // included).
    const schemas = sources(SRC).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/export const (\w+) =\s*(?:\([^)]*\) =>\s*)?Type\./g)].map((m) => m[1]!));
    expect(schemas).toEqual(
      expect.arrayContaining([
        'TaskView',
        'TaskFields',
        'MemberView',
        'SignupInput',
        'ErrorBody',
        'RoleView',
        'RoleInput',
        'GrantInput',
        'AuditFilters',
        'NodeReport',
      ]),
    );
    const restated = sources(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\binterface (\w+)/g)]
        .filter((m) => schemas.includes(m[1]!))
        .map((m) => `${path.relative(SRC, file)}: interface ${m[1]}`),
    );
    expect(restated).toEqual([]);
  });
});
