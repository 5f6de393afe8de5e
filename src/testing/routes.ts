// The test-only routes, under /testing and out of the OpenAPI document: they are no part of the API a client
// programs against, and exist only on a server started with --testing.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import type { DomainContext } from '../domain/changes.js';
import { Instant } from '../domain/schemas/common.js';
import type { MovableClock } from './clock.js';
import { emptyDatabase } from './reset.js';
import { applySeed } from './seed.js';
import { SeedSchema } from './seed-schema.js';

const clockView = (clock: MovableClock) => ({ now: clock.now().toISOString(), offsetMs: clock.offsetMs });
const clockResponse = { 200: Type.Object({ now: Instant, offsetMs: Type.Integer() }) };

export async function registerTestingRoutes(
  fastify: FastifyInstance,
  db: () => Database,
  domain: (request: FastifyRequest) => DomainContext,
  clock: MovableClock,
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/testing/seed', { schema: { hide: true, body: SeedSchema } }, async (request, reply) =>
    reply.status(201).send(await applySeed(domain(request), request.body)),
  );

  app.post('/testing/reset', { schema: { hide: true } }, async (_request, reply) => {
    await emptyDatabase(db());
    clock.real();
    return reply.status(204).send();
  });

  app.get('/testing/clock', { schema: { hide: true, response: clockResponse } }, async () => clockView(clock));

  app.put(
    '/testing/clock',
    { schema: { hide: true, body: Type.Object({ at: Instant }, { additionalProperties: false }), response: clockResponse } },
    async (request) => {
      clock.set(new Date(request.body.at));
      return clockView(clock);
    },
  );

  app.post(
    '/testing/clock/advance',
    { schema: { hide: true, body: Type.Object({ ms: Type.Integer() }, { additionalProperties: false }), response: clockResponse } },
    async (request) => {
      clock.advance(request.body.ms);
      return clockView(clock);
    },
  );

  app.delete('/testing/clock', { schema: { hide: true, response: clockResponse } }, async () => {
    clock.real();
    return clockView(clock);
  });
}
