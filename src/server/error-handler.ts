// The one place errors become HTTP responses: {"error": {"code", "message", "details"?}}. Our AppError classes
// carry their status; Fastify's own errors (bad JSON, wrong content type, body too large, schema validation) are
// translated; anything else is one `internal` error, logged with the request id and never leaked.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  BadRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { SAFE_TEXT } from '../domain/schemas/common.js';
import { drainBody } from './drain-body.js';
import { unroutedAnswerHeaders } from './security-headers.js';
import { ifMatch } from './preconditions.js';
import { callerOf } from './request-log.js';
import type { ErrorBody } from './routes/schemas.js';

// An error answer stays small whatever the request held (a body of 100 000 unknown keys, a key of a megabyte): a
// refusal must never cost more to send than the request cost to make.
const MAX_DETAILS = 20;
const MAX_FIELD = 100;
const MAX_MESSAGE = 1000;

/** `text` cut to `max` characters, saying that it was. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** The answer's body; `operator`: the caller is the operator, who is told the whole message (see AppError.publicMessage). */
function body(err: AppError, operator = false): ErrorBody {
  const message = clip(operator ? err.message : err.publicMessage, MAX_MESSAGE);
  return { error: err.details === undefined ? { code: err.code, message } : { code: err.code, message, details: err.details } };
}

function fromValidation(err: FastifyError, request: FastifyRequest): ValidationError {
  const all = err.validation ?? [];
  // An If-Match out of its pattern: the header's own check says what is wrong, with the quoted form of what was sent.
  if (err.validationContext === 'headers' && all[0]?.instancePath === '/if-match') {
    try {
      ifMatch(String(request.headers['if-match'] ?? ''));
    } catch (refusal) {
      if (refusal instanceof ValidationError) return refusal;
    }
  }
  const details = all.slice(0, MAX_DETAILS).map((v) => {
    const field = [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.');
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    if (missing) return { field: clip(`${field}.${missing}`, MAX_FIELD), message: 'is required' };
    if (extra) return { field: clip(`${field}.${extra}`, MAX_FIELD), message: 'is not a known field' };
    if (v.keyword === 'pattern' && (v.params as { pattern?: string }).pattern === SAFE_TEXT)
      return { field: clip(field, MAX_FIELD), message: 'must not contain NUL (U+0000) or unpaired surrogate characters' };
    return { field: clip(field, MAX_FIELD), message: v.message ?? 'is invalid' };
  });
  const more = all.length > details.length ? `; and ${all.length - details.length} more problems` : '';
  const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
  return new ValidationError(`the request is invalid: ${summary}${more}`, { details });
}

/** Fastify's own errors as our classes, so each code and status is said in one place (src/errors.ts). */
function fromFastify(err: FastifyError, request: FastifyRequest): AppError | undefined {
  if (err.validation) return fromValidation(err, request);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('the request body is larger than the server accepts (BODY_LIMIT_BYTES)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(`content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted; send application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationError('the body is empty but the content type says JSON; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ValidationError(`the body is not valid JSON: ${err.message}`);
  }
  // Fastify's other client errors (malformed content length, bad URL, ...): their message is safe and useful.
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return clientError(err.statusCode, err.message);
  return undefined;
}

/** The class for a client error status; statuses without one of their own keep it with the generic `bad_request`. */
const CLIENT_ERRORS: Record<number, new (message: string) => AppError> = {
  400: ValidationError,
  404: NotFoundError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
};

function clientError(status: number, message: string): AppError {
  const Known = CLIENT_ERRORS[status];
  return Known ? new Known(message) : new BadRequestError(status, message);
}

/**
 * The API's error handler. `isOperator` tells the operator (server/operator.ts, by the client's address alone: an
 * answer must not count as a failed authentication) from everyone else, who is told an error's public message.
 */
export const errorHandlerFor = (isOperator: (request: FastifyRequest) => boolean) =>
  function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    answer(err, request, reply, isOperator);
  };

function answer(err: FastifyError, request: FastifyRequest, reply: FastifyReply, isOperator: (request: FastifyRequest) => boolean): void {
  const known = err instanceof AppError ? err : fromFastify(err, request);
  if (!known) {
    request.log.error({ err, ...callerOf(request) }, 'unhandled error');
    void reply.status(500).send({ error: { code: 'internal', message: `something went wrong on our side; quote request id ${request.id} when reporting it` } });
    return;
  }
  if (known instanceof UnavailableError || known instanceof TooManyRequestsError) reply.header('retry-after', String(known.retryAfter));
  if (known instanceof MethodNotAllowedError) reply.header('allow', known.allow);
  if (known.status >= 500) request.log.warn({ err: { code: known.code, message: known.message }, ...callerOf(request) }, 'request could not be served');
  if (known instanceof PayloadTooLargeError) {
    void drainBody(request.raw).then(() => reply.status(known.status).send(body(known)));
    return;
  }
  void reply.status(known.status).send(body(known, known.publicMessage !== known.message && isOperator(request)));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(404)
    .send(body(new NotFoundError(`no route ${request.method} ${clip(request.url.split('?')[0] ?? '', MAX_FIELD)}; see /v1/openapi.json for the API`)));
}

/**
 * Errors Fastify meets before routing (a path whose percent-encoding does not decode, such as /v1/tasks/%ZZ): the
 * same envelope and request id as every other answer, instead of Fastify's own shape.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // Before routing, so before the hook that sets these on every other answer.
  reply.headers(unroutedAnswerHeaders());
  reply.header('x-request-id', request.id);
  const known = fromFastify(err, request) ?? clientError(400, 'the request could not be routed');
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply
      .status(400)
      .send(
        body(
          new ValidationError(
            `the path is not valid percent-encoding: ${clip(request.url.split('?')[0] ?? '', MAX_FIELD)}; encode reserved characters as %XX with two hex digits`,
          ),
        ),
      );
    return;
  }
  void reply.status(known.status).send(body(known));
}

/**
 * Requests Node's HTTP parser rejects never reach a route (a malformed request line, bad headers, a broken
 * Content-Length): they get the same error envelope, written straight to the socket, which is then closed.
 */
/** The security headers as lines of a raw answer, made on the first malformed request. */
let securityLines: string | undefined;

export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  // A response under way on this connection (a streamed export, a pipelined request's answer) has sent its head: an
  // answer written now would land inside its body. As Node's own handler does, the connection is closed instead.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : timedOut ? 408 : 400;
  const message = timedOut
    ? 'the request did not arrive in time (REQUEST_TIMEOUT_MS for the whole request, HEADERS_TIMEOUT_MS for its headers); send it at once'
    : `the request is not well-formed HTTP (${err.code ?? 'parse error'}); check the request line, the headers and Content-Length`;
  const payload = JSON.stringify(body(clientError(status, message)));
  // The security headers every answer carries; no request id, since there was no request to give one.
  securityLines ??= Object.entries(unroutedAnswerHeaders())
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n${securityLines}content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
}
