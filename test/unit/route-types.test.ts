// Request and reply types come from the route schemas alone. Fastify infers a handler's types through the TypeBox
// type provider, so changing a field of a schema changes the type of every handler using it, and code that no longer
// fits stops compiling. The `@ts-expect-error` lines are the proof: `tsc --noEmit` (the first step of npm test) fails
// the day one of them stops being an error.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TaskFields, TaskView, type TaskStatus } from '../../src/domain/schemas/tasks.js';
import { validatorCompiler } from '../../src/server/validation.js';

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

describe('one source for every route type', () => {
  const routeFiles = readdirSync(path.join(SRC, 'server/routes')).filter((f) => f.endsWith('.ts'));

  it.each(routeFiles)('%s asserts no route generics (they are inferred from the schema)', (file) => {
    const text = readFileSync(path.join(SRC, 'server/routes', file), 'utf8');
    expect(text).not.toMatch(/\bapp\.(get|post|put|patch|delete|route)\s*</);
  });

  it('no interface in src/ restates a route schema', () => {
    const schemaDir = path.join(SRC, 'domain/schemas');
    const schemaFiles = [...readdirSync(schemaDir).map((f) => path.join(schemaDir, f)), path.join(SRC, 'server/routes/schemas.ts')];
    const schemas = schemaFiles.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/export const (\w+) = Type\./g)].map((m) => m[1]!));
    expect(schemas).toEqual(expect.arrayContaining(['TaskView', 'TaskFields', 'MemberView', 'SignupInput', 'ErrorBody']));
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
      );
    const restated = sources(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\binterface (\w+)/g)]
        .filter((m) => schemas.includes(m[1]!))
        .map((m) => `${path.relative(SRC, file)}: interface ${m[1]}`),
    );
    expect(restated).toEqual([]);
  });
});
