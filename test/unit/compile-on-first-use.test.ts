// Route validators and response serializers are compiled when a route first uses them, not when it is declared (a
// server starts without compiling every schema), and once compiled they behave as the eager ones did: the same
// coercion of query strings (a lone value becomes an array of one, written back to the request), the same error
// naming the field, the same serialization that leaves out what the schema does not declare.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Ajv } from 'ajv';
import Fastify, { type RouteOptions } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfiguration } from '../../src/config/config.js';
import { createEnterprise } from '../../src/enterprise/index.js';
import { moduleDeclarations } from '../../src/features.js';
import { testingOptions } from '../../src/testing/options.js';
import { createScaling } from '../../src/scaling/index.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import { Runtime } from '../../src/server/runtime.js';
import { serializersOnFirstUse } from '../../src/server/serialization.js';
import { validatorCompiler } from '../../src/server/validation.js';
import { createTesting } from '../../src/testing/index.js';

function app() {
  const instance = Fastify({ schemaController: { compilersFactory: { buildSerializer: serializersOnFirstUse() } } });
  instance.setValidatorCompiler(validatorCompiler());
  return instance;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('validators compiled on first use', () => {
  it('compiles none while routes are declared and the app starts, then one per route part as requests arrive', async () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const server = app();
    for (let i = 0; i < 20; i++) {
      server.post(`/r${i}`, { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }, async (req) => req.body);
    }
    await server.ready();
    expect(compile).not.toHaveBeenCalled();

    const bad = await server.inject({ method: 'POST', url: '/r3', payload: { n: 'one' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/body\/n must be integer/);
    expect(compile).toHaveBeenCalledTimes(1);
    // The second request reuses the compiled validator; the same body passes or fails the same way.
    expect((await server.inject({ method: 'POST', url: '/r3', payload: { n: 2 } })).json()).toEqual({ n: 2 });
    expect((await server.inject({ method: 'POST', url: '/r3', payload: { n: 'two' } })).statusCode).toBe(400);
    expect(compile).toHaveBeenCalledTimes(1);
    await server.close();
  });

  it('coerces a query string as before: a lone value is an array of one, and a number is a number', async () => {
    const server = app();
    const querystring = { type: 'object', properties: { status: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer' } } };
    server.get('/q', { schema: { querystring } }, async (req) => req.query);
    for (let i = 0; i < 2; i++) {
      expect((await server.inject({ method: 'GET', url: '/q?status=todo&limit=5' })).json()).toEqual({ status: ['todo'], limit: 5 });
    }
    expect((await server.inject({ method: 'GET', url: '/q?limit=five' })).statusCode).toBe(400);
    await server.close();
  });

  it('keeps the validator usable outside Fastify: the answer and its errors', () => {
    const validate = validatorCompiler()({ schema: { type: 'string', format: 'email' }, httpPart: 'body', method: 'POST', url: '/' });
    expect(validate('ann@acme.example')).toBe(true);
    expect(validate('0@com')).toBe(false);
    expect((validate as unknown as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/format "email"/);
  });
});

describe('serializers compiled on first use', () => {
  it('starts with a response schema that cannot compile and fails only the route that uses it', async () => {
    const server = app();
    server.get('/broken', { schema: { response: { 200: { $ref: 'nowhere#/missing' } } } }, async () => ({ a: 1 }));
    server.get('/fine', { schema: { response: { 200: { type: 'object', properties: { a: { type: 'string' } } } } } }, async () => ({ a: 'x', secret: 'y' }));
    await server.ready();
    expect((await server.inject({ method: 'GET', url: '/broken' })).statusCode).toBe(500);
    // What the schema does not declare is left out, on the first answer and on the next.
    for (let i = 0; i < 2; i++) expect((await server.inject({ method: 'GET', url: '/fine' })).body).toBe('{"a":"x"}');
    await server.close();
  });
});

// Compiled on first use, a schema mistake would surface at a request instead of at start: here every route of every
// module compiles each of its request validators and response serializers, so the mistake fails this test instead.
describe('every route schema compiles', () => {
  it('for the core, testing, scaling and enterprise routes: each validator and each response serializer', async () => {
    const { config, settings } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }, {}, await moduleDeclarations());
    const logger = createLogger('silent');
    const features = [
      await createTesting({ config, settings: settings.of(testingOptions), logger }),
      await createScaling({ config: undefined, logger }),
      await createEnterprise({ config, logger }),
    ];
    const routes: RouteOptions[] = [];
    const server = await buildApp({
      runtime: new Runtime(config, features),
      logger,
      routes: async (instance, runtime, guards) => {
        instance.addHook('onRoute', (route) => void routes.push(route));
        await registerApi(instance, runtime, guards);
      },
    });
    await server.ready();
    const validators = validatorCompiler();
    const serializers = SerializerSelector()({}, {});
    let compiled = 0;
    for (const { method, url, schema } of routes) {
      if (!schema) continue;
      const where = `${String(method)} ${url}`;
      for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
        const partSchema = schema[part];
        if (partSchema === undefined) continue;
        const validate = validators({ schema: partSchema, httpPart: part, method: String(method), url });
        // The first call compiles; a schema ajv refuses throws here, naming the route.
        expect(() => validate(undefined), `${where} ${part}`).not.toThrow();
        compiled++;
      }
      for (const [status, response] of Object.entries((schema.response ?? {}) as Record<string, { content?: Record<string, { schema: unknown }> }>)) {
        const forms = response.content ? Object.values(response.content).map((c) => c.schema) : [response];
        for (const s of forms) {
          expect(() => serializers({ schema: s, method: String(method), url, httpStatus: status }), `${where} ${status}`).not.toThrow();
          compiled++;
        }
      }
    }
    expect(compiled).toBeGreaterThan(50);
    await server.close();
  });
});
