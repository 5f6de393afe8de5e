// 405 with Allow (RFC 9110 15.5.6) for a path the server has, asked with a method it does not serve there: a TRACE,
// an OPTIONS or a PUT on /v1/projects is told which methods the path takes, where it would otherwise be a 404 "no
// route" (or, for a method Fastify reads a body for, such as QUERY, a 400 about its missing content type). Decided in
// onRequest, before any body is read, from the routes as they are declared: the core's and every module's alike.
import type { FastifyInstance } from 'fastify';
import { MethodNotAllowedError } from '../errors.js';

interface KnownPath {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

/** `/v1/tasks/:id` as a regular expression over the request path: a parameter is one non-empty segment. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Registered before the routes, so that it sees each as it is declared. */
export function registerMethodNotAllowed(app: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const entry = known.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(method.toUpperCase());
    known.set(route.url, entry);
  });
  // A callback hook: every request passes it, and a routed one leaves at the first line without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?')[0] ?? '';
    const allowed = new Set<string>();
    for (const entry of known.values()) if (entry.pattern.test(path)) for (const m of entry.methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(request.method)) return done();
    const allow = [...allowed].sort();
    done(new MethodNotAllowedError(`${request.method} is not served on this path; it takes ${allow.join(', ')} (see /v1/openapi.json)`, allow));
  });
}
