// One log line per request, written when it completes: who asked (once the guard knows), what, the status and how
// long it took. Fastify's own request logging writes two lines per request (incoming, completed), and naming the
// caller on them took a child logger per request; under load those were a tenth of a request's time.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { serializeRequest } from './log-redaction.js';

/** The caller's ids for a log line, once a guard has resolved them. */
export function callerOf(request: FastifyRequest): { orgId?: string; memberId?: string } {
  const p = request.principal;
  return p ? { orgId: p.orgId, memberId: p.memberId } : {};
}

const MESSAGE = 'request completed';

let isoMs = Number.NaN;
let isoText = '';
/** The time as pino's isoTime writes it; the lines of one millisecond share its text. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** What of pino's logger the line needs: its bindings (the base fields and the request id) and its destination. */
interface PinoInternals {
  isLevelEnabled?(level: string): boolean;
  readonly [pino.symbols.chindingsSym]?: string;
  readonly [pino.symbols.streamSym]?: { write(line: string): unknown };
}

/**
 * The request's line as pino writes it for `log.info({ req, res, responseTime, orgId, memberId }, 'request completed')`
 * through createLogger's logger (logger.ts): the level label, the ISO time, the logger's bindings, then the fields in
 * that order. pino builds it with a generic walk over the fields (a serializer lookup and a type switch for each, an
 * escape pass for every string), about 8 µs of a GET; the fields are known here, so the line is one template.
 * `test/api/request-log.test.ts` checks that it is the line pino writes, field for field and in order.
 */
export function requestLine(request: FastifyRequest, reply: FastifyReply, chindings: string): string {
  const p = request.principal;
  const caller = p ? `,"orgId":${JSON.stringify(p.orgId)},"memberId":${JSON.stringify(p.memberId)}` : '';
  const responseTime = reply.elapsedTime;
  return (
    `{"level":"info","time":"${isoNow()}"${chindings},"req":${JSON.stringify(serializeRequest(request))}` +
    `,"res":{"statusCode":${reply.statusCode}},"responseTime":${Number.isFinite(responseTime) ? responseTime : null}${caller},"msg":"${MESSAGE}"}\n`
  );
}

/** pino's own way, for a logger that is not the one createLogger makes (no bindings or destination to write to). */
function throughPino(log: FastifyBaseLogger, request: FastifyRequest, reply: FastifyReply): void {
  // Fastify's serializers turn these into {method, url, host, remoteAddress, remotePort} and {statusCode}.
  log.info({ req: request, res: reply, responseTime: reply.elapsedTime, ...callerOf(request) }, MESSAGE);
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.log;
    const internals = log as unknown as PinoInternals;
    const chindings = internals[pino.symbols.chindingsSym];
    const stream = internals[pino.symbols.streamSym];
    if (chindings === undefined || stream === undefined || internals.isLevelEnabled === undefined) throughPino(log, request, reply);
    else if (internals.isLevelEnabled('info')) stream.write(requestLine(request, reply, chindings));
    done();
  });
}
