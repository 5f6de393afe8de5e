// Per operation, what every route would otherwise have to repeat: a stable operationId, its security (none stated is
// none, `security: []`), and the error answers the core's machinery can give it whatever its handler does. Applied
// to each route's schema as @fastify/swagger reads it (its `transform` option), so the core's routes and every
// module's get it alike; the schemas Fastify validates and serializes with are left as they are.

type Schema = Record<string, unknown> & { response?: Record<string, unknown>; security?: unknown; operationId?: string };

const VERBS: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };

const singular = (word: string): string =>
  word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
const capital = (word: string): string =>
  word
    .split(/[-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * `GET /v1/projects/:id/tasks` is listProjectTasks, `POST` on it createProjectTask, `GET /v1/tasks/:id` getTask,
 * `PUT /v1/members/:id/grants` replaceMemberGrants,
 * `GET /v1/me` getMe: the method and the path decide it, so it changes only when they
 * do. A route may name its own (`schema.operationId`) where the rule reads badly.
 */
export function operationIdOf(method: string, url: string): string {
  const segments = url.split('/').filter((s) => s && s !== 'v1');
  const last = segments.at(-1) ?? '';
  const item = last.startsWith(':');
  const words = segments.filter((s) => !s.startsWith(':'));
  const listing = method === 'GET' && !item && words.length > 0 && singular(words.at(-1)!) !== words.at(-1);
  const verb = listing ? 'list' : (VERBS[method] ?? method.toLowerCase());
  // The last noun names one thing when the path ends at one (…/:id) or one is created (POST); else it is as written.
  const one = item || method === 'POST';
  const nouns = words.map((w, i) => capital(i < words.length - 1 || one ? singular(w) : w));
  return verb + nouns.join('');
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Statuses any operation of this shape can answer with, besides what its route declares. */
function implied(method: string, schema: Schema): number[] {
  const statuses = [503];
  const secured = Array.isArray(schema.security) && schema.security.length > 0;
  // Secured: a missing or bad token (401), a role without the permission (403), too many failed tokens (429).
  if (secured) statuses.push(401, 403, 429);
  // The signup limit is the one unauthenticated operation's 429.
  else if (method === 'POST') statuses.push(429);
  // Fastify reads a body on these methods whether or not the route takes one: a bad, large or non-JSON one is refused.
  if (schema.body || BODY_METHODS.has(method)) statuses.push(400, 413, 415);
  if (schema.querystring || schema.params || schema.headers) statuses.push(400);
  if (schema.params) statuses.push(404);
  const headers = schema.headers as { properties?: Record<string, unknown> } | undefined;
  if (headers?.properties?.['if-match']) statuses.push(412);
  return statuses;
}

/** A placeholder for an error answer; the document's error responses are written in one pass afterwards. */
const ERROR_PLACEHOLDER = { type: 'object' };

export function describeOperation(method: string, url: string, schema: Schema): Schema {
  const response = { ...schema.response };
  for (const status of implied(method, schema)) response[status] ??= ERROR_PLACEHOLDER;
  // Any other error (a 408 or 431 of the HTTP layer) still comes in the one envelope.
  response.default ??= ERROR_PLACEHOLDER;
  return {
    ...schema,
    operationId: schema.operationId ?? operationIdOf(method, url),
    security: schema.security ?? [],
    response,
  };
}
