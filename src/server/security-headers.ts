// The response headers a security review expects of a JSON API (OWASP REST Security Cheat Sheet), as helmet words
// them: nosniff, no framing, a content security policy that loads nothing, HSTS, no referrer. Answers are never
// stored by caches unless their route says they may be (`config: { storable: true }`): API answers are private to the
// caller, and some carry a new token (signup, POST /v1/members, POST /v1/tokens) that must not outlive the response
// anywhere. A route that forgets the option is safe; only the health and metrics routes take it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Caches may store this route's answers as HTTP's own rules allow. Without it every answer says
     * `Cache-Control: no-store`; an answer no route claims (a 404 or 405) says so too.
     */
    readonly storable?: boolean;
  }
}

const POLICY: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * The headers helmet sets for `options`, worked out once. With a fixed policy (no per-request nonce) they are the same
 * on every answer, and running helmet's middleware per request cost about a twentieth of a GET's time.
 */
function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => void (failure = err));
  if (failure) throw failure;
  return Object.freeze(headers);
}

let made: { readonly storable: Readonly<Record<string, string>>; readonly private: Readonly<Record<string, string>> } | undefined;
function headers() {
  if (made) return made;
  const storable = helmetHeaders(POLICY);
  made = { storable, private: Object.freeze({ ...storable, 'cache-control': 'no-store' }) };
  return made;
}

/**
 * The headers of an answer no route gives (an error met before routing, or before a request could be parsed at
 * all): the security headers, and not to be stored.
 */
export function unroutedAnswerHeaders(): Readonly<Record<string, string>> {
  return headers().private;
}

/** Every answer gets the security headers and its request id; answers of a route not marked `storable` are not to be stored. */
export function registerResponseHeaders(app: FastifyInstance): void {
  const { storable, private: private_ } = headers();
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.storable === true ? storable : private_);
    reply.header('x-request-id', request.id);
    done();
  });
}
