// Requests that arrive while the server closes (on a keep-alive connection already open) are refused with a 503 of
// ours: the error envelope, the security headers and the request id every answer has, and `Connection: close`.
// Fastify's own refusal (return503OnClosing) answered before any hook, with none of those.
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../errors.js';

export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply.header('connection', 'close');
    done(new UnavailableError('the server is shutting down; retry on another instance'));
  });
}
