// Malformed and oversized requests: each gets the fitting 4xx in the error envelope, never a 500 or a stack trace,
// and the database is left as it was.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newOrg, startTarget } from '../support/api.js';

const BODY_LIMIT = 64 * 1024;

describe.each(API_TARGETS)('request limits on $name', (target) => {
  let server: ApiServer;
  let owner: Client;
  let project: string;
  const tasks = () => owner.get(`/v1/projects/${project}/tasks?limit=100`).then((r) => r.body.items);

  beforeAll(async () => {
    server = await startTarget(target, { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    ({ owner } = await newOrg(server.client));
    project = (await owner.post('/v1/projects', { name: 'Limits', key: 'LIM' })).body.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a body over BODY_LIMIT_BYTES is a 413', async () => {
    const res = await owner.post(`/v1/projects/${project}/tasks`, { title: 'big', description: 'x'.repeat(BODY_LIMIT) });
    expect(res.status).toBe(413);
    expect(errorOf(res).code).toBe('payload_too_large');
    expect(await tasks()).toEqual([]);
  });

  it.each([
    ['text/plain', 'title=x'],
    ['application/x-www-form-urlencoded', 'title=x'],
    ['application/xml', '<task/>'],
  ])('a %s body is a 415', async (type, raw) => {
    const res = await owner.call('POST', `/v1/projects/${project}/tasks`, { rawBody: raw, headers: { 'content-type': type } });
    expect(res.status).toBe(415);
    expect(errorOf(res)).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('application/json') });
  });

  it.each([
    ['broken JSON', '{"title": '],
    ['a JSON array', '["title"]'],
    ['a JSON string', '"title"'],
    ['a prototype-polluting key', '{"title": "x", "__proto__": {"admin": true}}'],
    ['an empty body', ''],
  ])('%s is a 400', async (_what, raw) => {
    const res = await owner.call('POST', `/v1/projects/${project}/tasks`, { rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(await tasks()).toEqual([]);
  });

  it.each([
    ['a title over 500 characters', { title: 'x'.repeat(501) }, 'body.title'],
    ['an empty title', { title: '' }, 'body.title'],
    ['a description over 20000 characters', { title: 'x', description: 'd'.repeat(20_001) }, 'body.description'],
    ['21 labels', { title: 'x', labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }, 'body.labels'],
    ['a label over 50 characters', { title: 'x', labels: ['l'.repeat(51)] }, 'body.labels.0'],
    ['a repeated label', { title: 'x', labels: ['a', 'a'] }, 'body.labels'],
    ['a NUL character', { title: 'nul\u0000here' }, 'body.title'],
    ['an unpaired surrogate', { title: 'half \ud800 a pair' }, 'body.title'],
    ['an unpaired surrogate in a label', { title: 'x', labels: ['ok', '\udc00'] }, 'body.labels.1'],
    ['an unknown status', { title: 'x', status: 'open' }, 'body.status'],
    ['a due date that is not a date', { title: 'x', dueAt: 'next tuesday' }, 'body.dueAt'],
    ['an unknown field', { title: 'x', colour: 'red' }, 'body.colour'],
    ['a due date whose offset puts it in year 10000', { title: 'x', dueAt: '9999-12-31T23:59:59.999-23:59' }, 'body.dueAt'],
    ['a due date in year 0', { title: 'x', dueAt: '0000-06-01T00:00:00Z' }, 'body.dueAt'],
    ['a number for a title', { title: 42 }, 'body.title'],
  ])('%s is a 400 naming the field', async (_what, body, field) => {
    const res = await owner.post(`/v1/projects/${project}/tasks`, body);
    expect(res.status).toBe(400);
    const e = errorOf(res);
    expect(e.code).toBe('validation_failed');
    expect((e.details as Array<{ field: string }>).map((d) => d.field)).toContain(field);
    expect(await tasks()).toEqual([]);
  });

  it('says plainly what is wrong with a NUL character', async () => {
    const res = await owner.post(`/v1/projects/${project}/tasks`, { title: 'nul\u0000here' });
    expect(errorOf(res).details).toEqual([{ field: 'body.title', message: 'must not contain NUL (U+0000) or unpaired surrogate characters' }]);
  });

  it.each([
    ['a garbled request line', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a non-numeric Content-Length', 'POST /v1/signup HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: lots\r\n\r\n{}'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nhost: x\r\nthis is not a header\r\n\r\n'],
  ])('%s, which never reaches a route, still gets a 400 in the error envelope', async (_what, raw) => {
    const { port, hostname } = new URL(await server.listen());
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(raw));
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(json.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('not well-formed HTTP') });
  });

  it('a hand-made cursor is a 400, whatever it holds', async () => {
    const forged = (data: unknown) => Buffer.from(JSON.stringify(data)).toString('base64url');
    for (const [route, cursor] of [
      ['/v1/members', { s: 'createdAt', v: 253402300800000, id: 'x' }],
      ['/v1/tokens', { s: '-createdAt', v: -62135596800001, id: 'x' }],
      [`/v1/projects/${project}/tasks?sort=createdAt`, { s: 'createdAt', v: 8.64e15, id: 'x' }],
      [`/v1/projects/${project}/tasks`, { s: 'number', v: 1.5, id: 'x' }],
      ['/v1/projects', { s: 'key', v: 7, id: 'x' }],
    ] as const) {
      const res = await owner.get(`${route}${route.includes('?') ? '&' : '?'}cursor=${forged(cursor)}`);
      expect(res.status, route).toBe(400);
      expect(errorOf(res).details).toEqual([{ field: 'querystring.cursor', message: 'is not a valid cursor for this listing' }]);
    }
  });

  it('a malformed id in the path is a 400, an unknown one a 404', async () => {
    const bad = await owner.get('/v1/tasks/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(errorOf(bad).details).toEqual([expect.objectContaining({ field: 'params.id' })]);
    expect((await owner.get('/v1/tasks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('an unknown route is a 404 pointing at the OpenAPI document', async () => {
    const res = await owner.get('/v1/nope');
    expect(res.status).toBe(404);
    expect(errorOf(res).message).toContain('/v1/openapi.json');
  });

  it('a comment over 20000 characters is a 400, a comment at the limit is kept whole', async () => {
    const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'limits' })).body;
    expect((await owner.post(`/v1/tasks/${task.id}/comments`, { body: 'c'.repeat(20_001) })).status).toBe(400);
    const long = '🚀'.repeat(10_000);
    const ok = await owner.post(`/v1/tasks/${task.id}/comments`, { body: long });
    expect(ok.status).toBe(201);
    expect((await owner.get(`/v1/tasks/${task.id}/comments`)).body.items.map((c: { body: string }) => c.body)).toEqual([long]);
    await owner.delete(`/v1/tasks/${task.id}`);
  });
});
