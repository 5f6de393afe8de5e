// Requests that arrive while the server closes (on a keep-alive connection already open) are refused with a 503 of
// ours: the error envelope, the security headers and the request id every answer has, and `Connection: close`.
// Fastify's own refusal (return503OnClosing) answered before any hook, with none of those.
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../errors.js';
import { SHUTTING_DOWN } from './runtime.js';

export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    // An answer still in flight when the server starts closing leaves its connection idle afterwards, and Node
    // closes idle connections once, at the start: such a connection held the close up for the keep-alive timeout
    // (5 s). Node reads the timeout as each answer finishes, so from now on those connections close at once.
    app.server.keepAliveTimeout = 1;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply.header('connection', 'close');
    done(new UnavailableError(SHUTTING_DOWN));
  });
}
