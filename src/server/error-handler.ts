// The one place errors become HTTP responses: {"error": {"code", "message", "details"?}}. Our AppError classes
// carry their status; Fastify's own errors (bad JSON, wrong content type, body too large, schema validation) are
// translated; anything else is one `internal` error, logged with the request id and never leaked.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, UnavailableError } from '../errors.js';
import { SAFE_TEXT } from './routes/schemas.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function fromValidation(err: FastifyError): ErrorBody {
  const details = (err.validation ?? []).map((v) => {
    const field = [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.');
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    if (missing) return { field: `${field}.${missing}`, message: 'is required' };
    if (extra) return { field: `${field}.${extra}`, message: 'is not a known field' };
    if (v.keyword === 'pattern' && (v.params as { pattern?: string }).pattern === SAFE_TEXT) return { field, message: 'must not contain NUL (U+0000) or unpaired surrogate characters' };
    return { field, message: v.message ?? 'is invalid' };
  });
  const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
  return body('validation_failed', `the request is invalid: ${summary}`, details);
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof AppError) {
    if (err instanceof UnavailableError) reply.header('retry-after', String(err.retryAfter));
    if (err.status >= 500) request.log.warn({ err: { code: err.code, message: err.message } }, 'request could not be served');
    void reply.status(err.status).send(body(err.code, err.message, err.details));
    return;
  }
  if (err.validation) {
    void reply.status(400).send(fromValidation(err));
    return;
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      void reply.status(413).send(body('payload_too_large', 'the request body is larger than the server accepts (BODY_LIMIT_BYTES)'));
      return;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      void reply.status(415).send(body('unsupported_media_type', `content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted; send application/json`));
      return;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      void reply.status(400).send(body('validation_failed', 'the body is empty but the content type says JSON; send a JSON object'));
      return;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      void reply.status(400).send(body('validation_failed', `the body is not valid JSON: ${err.message}`));
      return;
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's other client errors (malformed content length, bad URL, ...): their message is safe and useful.
    const code = { 400: 'validation_failed', 404: 'not_found', 413: 'payload_too_large', 415: 'unsupported_media_type' }[err.statusCode] ?? 'bad_request';
    void reply.status(err.statusCode).send(body(code, err.message));
    return;
  }
  request.log.error({ err }, 'unhandled error');
  void reply.status(500).send(body('internal', `something went wrong on our side; quote request id ${request.id} when reporting it`));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send(body('not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /v1/openapi.json for the API`));
}

/**
 * Requests Node's HTTP parser rejects never reach a route (a malformed request line, bad headers, a broken
 * Content-Length): they get the same error envelope, written straight to the socket, which is then closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const payload = JSON.stringify(
    body(status === 400 ? 'validation_failed' : 'bad_request', `the request is not well-formed HTTP (${err.code ?? 'parse error'}); check the request line, the headers and Content-Length`),
  );
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
}
