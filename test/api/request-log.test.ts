// The request line is written from one template (request-log.ts) rather than through pino's generic field walk; it must
// stay the line pino writes for the same fields: same keys in the same order, same values, same escaping.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { callerOf, registerRequestLog } from '../../src/server/request-log.js';

const PINO_MESSAGE = 'request completed (through pino)';

describe('the request log line', () => {
  let app: FastifyInstance;
  const lines: string[] = [];

  beforeAll(async () => {
    app = Fastify({
      loggerInstance: createLogger('info', 1, { write: (line: string) => void lines.push(line) }),
      logController: new LogController({ disableRequestLogging: true }),
      genReqId: (req) => String(req.headers['x-request-id']),
    });
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-caller'] === 'yes') {
        request.principal = { tokenId: 't-1', orgId: 'org "one" \\ ü', memberId: 'member\n1', role: 'owner' };
      }
    });
    registerRequestLog(app);
    // The same fields, written by pino as the line was before.
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, ...callerOf(request) }, PINO_MESSAGE);
      done();
    });
    app.get('/v1/things/:id', async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  /** Both lines of request `id`: ours, then pino's, with what differs by nature (the instant, the time taken) blanked. */
  function linesOf(id: string): { ours: string; pinos: string } {
    const mine = lines.filter((l) => l.includes(`"reqId":${JSON.stringify(id)}`));
    expect(mine).toHaveLength(2);
    const blank = (line: string) =>
      line
        .replace(/"time":"[^"]+"/, '"time":"T"')
        .replace(/"responseTime":[0-9.e-]+/, '"responseTime":0')
        .replace(`"msg":"${PINO_MESSAGE}"`, '"msg":"request completed"');
    return { ours: blank(mine[0]!), pinos: blank(mine[1]!) };
  }

  it.each([
    ['a plain request with a caller', '/v1/things/1', 'yes'],
    ['quotes, backslashes, control characters and unicode in the URL', '/v1/things/%22x%5C?q=%22quoted%22&b=\\back&u=ü€😀&c=%00%0A', 'yes'],
    ['a refused request (no route), without a caller', '/nowhere/"x"', 'no'],
    ['a credential in the query string', '/v1/things/2?access_token=fs_secret&limit=5', 'no'],
  ])('is the line pino writes for the same fields: %s', async (_name, url, caller) => {
    const id = `line-${lines.length}`;
    await app.inject({ method: 'GET', url, headers: { 'x-request-id': id, 'x-caller': caller, host: 'api.example:8443' } });
    const { ours, pinos } = linesOf(id);
    expect(ours).toBe(pinos);
    const parsed = JSON.parse(ours);
    expect(Object.keys(parsed)).toEqual([
      'level',
      'time',
      'variant',
      'reqId',
      'req',
      'res',
      'responseTime',
      ...(caller === 'yes' ? ['orgId', 'memberId'] : []),
      'msg',
    ]);
    expect(parsed.req.url).not.toContain('fs_secret');
  });

  it('is a time in ISO form and a duration in milliseconds', async () => {
    await app.inject({ method: 'GET', url: '/v1/things/3', headers: { 'x-request-id': 'timed' } });
    const line = JSON.parse(lines.find((l) => l.includes('"reqId":"timed"'))!);
    expect(new Date(line.time).toISOString()).toBe(line.time);
    expect(line.responseTime).toBeGreaterThanOrEqual(0);
  });

  it('is not written when the level leaves info out', async () => {
    const quiet: string[] = [];
    const warnOnly = Fastify({
      loggerInstance: createLogger('warn', 1, { write: (line: string) => void quiet.push(line) }),
      logController: new LogController({ disableRequestLogging: true }),
    });
    registerRequestLog(warnOnly);
    warnOnly.get('/x', async () => ({ ok: true }));
    expect((await warnOnly.inject({ method: 'GET', url: '/x' })).statusCode).toBe(200);
    await warnOnly.close();
    expect(quiet.filter((l) => l.includes('request completed'))).toEqual([]);
  });
});
