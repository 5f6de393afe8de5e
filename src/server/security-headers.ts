// The response headers a security review expects of a JSON API (OWASP REST Security Cheat Sheet), set by
// @fastify/helmet on every answer: nosniff, no framing, a content security policy that loads nothing, HSTS, no
// referrer. API answers are never stored by caches: they are private to the caller, and some carry a new token
// (signup, POST /v1/members, POST /v1/tokens) that must not outlive the response anywhere.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });
}
