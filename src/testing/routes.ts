// The test-only routes, under /testing and out of the OpenAPI document: they are no part of the API a client
// programs against, and exist only on a server started with --testing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import type { DomainContext } from '../domain/changes.js';
import { instant } from '../server/routes/schemas.js';
import type { MovableClock } from './clock.js';
import { emptyDatabase } from './reset.js';
import { applySeed } from './seed.js';
import { seedSchema } from './seed-schema.js';
import type { Seed } from './start-flagship.js';

const clockView = (clock: MovableClock) => ({ now: clock.now().toISOString(), offsetMs: clock.offsetMs });
const clockResponse = { 200: { type: 'object', required: ['now', 'offsetMs'], properties: { now: instant, offsetMs: { type: 'integer' } } } } as const;

export async function registerTestingRoutes(app: FastifyInstance, db: () => Database, domain: (request: FastifyRequest) => DomainContext, clock: MovableClock): Promise<void> {
  app.post<{ Body: Seed }>('/testing/seed', { schema: { hide: true, body: seedSchema } }, async (request, reply) => reply.status(201).send(await applySeed(domain(request), request.body)));

  app.post('/testing/reset', { schema: { hide: true } }, async (_request, reply) => {
    await emptyDatabase(db());
    clock.real();
    return reply.status(204).send();
  });

  app.get('/testing/clock', { schema: { hide: true, response: clockResponse } }, async () => clockView(clock));

  app.put<{ Body: { at: string } }>(
    '/testing/clock',
    { schema: { hide: true, body: { type: 'object', required: ['at'], additionalProperties: false, properties: { at: instant } }, response: clockResponse } },
    async (request) => {
      clock.set(new Date(request.body.at));
      return clockView(clock);
    },
  );

  app.post<{ Body: { ms: number } }>(
    '/testing/clock/advance',
    { schema: { hide: true, body: { type: 'object', required: ['ms'], additionalProperties: false, properties: { ms: { type: 'integer' } } }, response: clockResponse } },
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
