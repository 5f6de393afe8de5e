// What a log line must never carry. Tokens travel in the Authorization header (redacted by path in logger.ts), but a
// client may also put one in the query string (`?access_token=`, as OAuth once allowed): refused by the API, and yet
// the request line's URL would keep it in the logs for as long as they are kept.
import type { FastifyRequest } from 'fastify';

export const REDACTED = '[redacted]';

/** Query parameters whose value is a credential: exact names, and any name containing one of the words. */
const SECRET_NAMES = new Set(['code', 'key', 'sig', 'signature', 'auth', 'authorization', 'session', 'sessionid', 'jwt', 'apikey', 'api_key']);
const SECRET_WORDS = /token|secret|passw|pwd|credential|api[-_]?key|private/i;

function isSecretName(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A name that does not decode is judged as written.
  }
  const lower = decoded.trim().toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_WORDS.test(lower);
}

/** `url` with the value of every credential-like query parameter replaced; the rest is kept exactly as sent. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url.slice(q + 1);
  const hash = query.indexOf('#');
  const params = (hash === -1 ? query : query.slice(0, hash)).split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    return eq !== -1 && isSecretName(name) ? `${name}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** The request as log lines show it (Fastify's own fields), with its URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
