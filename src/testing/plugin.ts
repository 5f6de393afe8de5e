// Everything HTTP of the testing module, as one Fastify plugin on the core's decorators (server/decorators.ts): the
// test-only routes, under /testing and out of the OpenAPI document (they are no part of the API a client programs
// against, and exist only on a server started with --testing), and the clock on the operator's /healthz.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Instant } from '../domain/schemas/common.js';
import { CORE_PLUGIN } from '../server/decorators.js';
import type { MovableClock } from './clock.js';
import { emptyDatabase } from './reset.js';
import { applySeed } from './seed.js';
import { SeedSchema } from './seed-schema.js';
import { UnsupportedMediaTypeError } from '../errors.js';

/** The header that marks a request to /testing/* as a program's, not a cross-site page's (any value). */
export const TESTING_HEADER = 'x-flagship-testing';

/**
 * On every route that changes something. A web page can make a browser send a form or a bare POST anywhere, the local
 * test server included; it cannot send JSON or a custom header to another origin without the server's consent (CORS),
 * which this server never gives.
 */
async function programsOnly(request: FastifyRequest): Promise<void> {
  const json = /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');
  if (json || request.headers[TESTING_HEADER] !== undefined) return;
  throw new UnsupportedMediaTypeError(
    `${request.method} ${request.url.split('?')[0]} changes the test server; send a JSON body (Content-Type: application/json) or the ` +
      `${TESTING_HEADER} header, which a cross-site form cannot`,
  );
}

const clockView = (clock: MovableClock) => ({ now: clock.now().toISOString(), offsetMs: clock.offsetMs });
const clockResponse = { 200: Type.Object({ now: Instant, offsetMs: Type.Integer() }) };

function testingRoutes(fastify: FastifyInstance, clock: MovableClock): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/testing/seed', { onRequest: programsOnly, schema: { hide: true, body: SeedSchema } }, async (request, reply) =>
    reply.status(201).send(await applySeed(app.domainOf(request), request.body)),
  );

  app.post('/testing/reset', { onRequest: programsOnly, schema: { hide: true } }, async (request, reply) => {
    await emptyDatabase(app.domainOf(request).db);
    clock.real();
    return reply.status(204).send();
  });

  app.get('/testing/clock', { schema: { hide: true, response: clockResponse } }, async () => clockView(clock));

  app.put(
    '/testing/clock',
    { onRequest: programsOnly, schema: { hide: true, body: Type.Object({ at: Instant }, { additionalProperties: false }), response: clockResponse } },
    async (request) => {
      clock.set(new Date(request.body.at));
      return clockView(clock);
    },
  );

  app.post(
    '/testing/clock/advance',
    { onRequest: programsOnly, schema: { hide: true, body: Type.Object({ ms: Type.Integer() }, { additionalProperties: false }), response: clockResponse } },
    async (request) => {
      clock.advance(request.body.ms);
      return clockView(clock);
    },
  );

  app.delete('/testing/clock', { onRequest: programsOnly, schema: { hide: true, response: clockResponse } }, async () => {
    clock.real();
    return clockView(clock);
  });
}

export function testingPlugin(clock: MovableClock) {
  return fp(
    async (app: FastifyInstance) => {
      testingRoutes(app, clock);
      // A moved clock explains many a surprising 401; /healthz shows it.
      app.healthReports.add('testing', async () => ({ clockOffsetMs: clock.offsetMs, now: clock.now().toISOString() }));
    },
    { name: 'flagship-testing', dependencies: [CORE_PLUGIN], decorators: { fastify: ['domainOf', 'healthReports'] } },
  );
}
