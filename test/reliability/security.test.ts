// What a security review and an attacker check on the server: the response headers, no caching of answers carrying a
// new token, tokens that expire by default, and the contract gaps an attacker probes (another organization's members,
// a bad If-Match, a bad percent-encoding, a forged cursor). Rate limits, /metrics access and secrets in the logs of
// the running bundles: security-bundles.test.ts.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newMember, newOrg, startTarget } from '../support/api.js';

const cursorOf = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(API_TARGETS)('security and contract on $name', (target) => {
  let server: ApiServer;
  let api: Client;
  let owner: Client;

  beforeAll(async () => {
    server = await startTarget(target);
    api = server.client;
    ({ owner } = await newOrg(api, 'sec'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends the headers a security review expects, on answers and on errors', async () => {
    const expectSecure = (headers: { get(name: string): string | null }, what: string) => {
      expect(headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(headers.get('x-frame-options'), what).toBe('SAMEORIGIN');
      expect(headers.get('content-security-policy'), what).toContain("default-src 'none'");
      expect(headers.get('strict-transport-security'), what).toMatch(/max-age=\d+/);
      expect(headers.get('referrer-policy'), what).toBe('no-referrer');
    };
    for (const route of ['/v1/me', '/healthz', '/no/such/route']) expectSecure((await api.get(route)).headers, route);
    expectSecure((await owner.get('/v1/me')).headers, '/v1/me with a token');
    // Errors met before routing (a path that does not percent-decode) and before a request is parsed at all (headers
    // too large, a request line that is not HTTP), which no route's hook sees.
    const unrouted = await api.get('/v1/tasks/%ZZ');
    expectSecure(unrouted.headers, 'a path that does not decode');
    expect(unrouted.headers.get('cache-control')).toBe('no-store');
    // In process, the app listens on a socket only when asked.
    const { hostname, port } = new URL(await server.listen());
    for (const request of [`GET /v1/me HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 'NOT HTTP AT ALL\r\n\r\n']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => socket.end(request));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      const [head] = answer.split('\r\n\r\n');
      const lines = head!.split('\r\n');
      expect(lines[0]).toMatch(/^HTTP\/1\.1 (400|431) /);
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
      expectSecure({ get: (name) => headers.get(name) ?? null }, lines[0]!);
      expect(headers.get('cache-control')).toBe('no-store');
    }
  });

  it('a 1 MB signup body of 125 000 unknown keys gets a small 400, not an answer larger than the question', async () => {
    // Three-character keys from 92 printable characters: 8 bytes an entry, 1 000 000 bytes in all.
    const alphabet = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => c !== '"' && c !== '\\');
    const key = (i: number) => [i % 92, Math.floor(i / 92) % 92, Math.floor(i / 8464)].map((d) => alphabet[d]).join('');
    const keys = Array.from({ length: 125_000 }, (_, i) => `"${key(i)}":0`);
    const raw = `{${keys.join(',')}}`;
    expect(raw.length).toBeLessThan(1_048_576);
    const res = await api.call('POST', '/v1/signup', { rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(1024);
    expect((errorOf(res).details as unknown[]).length).toBe(1);
  });

  it('answers carrying a new token are never stored by a cache', async () => {
    const signup = await api.post('/v1/signup', { org: { name: 'Cache', slug: `cache-${Date.now()}` }, user: { email: 'c@cache.example', name: 'C' } });
    const member = await owner.post('/v1/members', { email: `m-${Date.now()}@sec.example`, name: 'M', role: 'viewer' });
    const token = await owner.post('/v1/tokens', { name: 'ci' });
    for (const res of [signup, member, token]) {
      expect(res.status).toBe(201);
      expect(res.body.token).toMatch(/^fs_/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('tokens expire by default, TOKEN_LIFETIME_DAYS after they are issued', async () => {
    const me = await owner.get('/v1/me');
    const days = (Date.parse(me.body.token.expiresAt) - Date.parse(me.body.token.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(90, 3);
    const tooLate = await owner.post('/v1/tokens', { name: 'forever', expiresAt: '2999-01-01T00:00:00Z' });
    expect(tooLate.status).toBe(400);
    expect(errorOf(tooLate).message).toMatch(/later than tokens may live on this server \(TOKEN_LIFETIME_DAYS\)/);
  });

  it("another organization's member is a 404 on PATCH and DELETE, for a viewer as for an admin", async () => {
    const other = await newOrg(api, 'other');
    const victim = (await newMember(other.owner, 'member')).member.id as string;
    for (const role of ['viewer', 'admin'] as const) {
      const { client } = await newMember(owner, role);
      const patch = await client.patch(`/v1/members/${victim}`, { role: 'admin' });
      const del = await client.delete(`/v1/members/${victim}`);
      expect([patch.status, del.status], `${role}: ${JSON.stringify([patch.body, del.body])}`).toEqual([404, 404]);
      expect(errorOf(patch).code).toBe('not_found');
    }
    // A viewer of the same organization is still told what it lacks.
    const { client: viewer } = await newMember(owner, 'viewer');
    const own = (await newMember(owner, 'member')).member.id as string;
    expect((await viewer.patch(`/v1/members/${own}`, { role: 'admin' })).status).toBe(403);
    expect((await other.owner.get('/v1/members?limit=100')).body.items.find((m: { id: string }) => m.id === victim).role).toBe('member');
  });

  it('an unquoted If-Match is a 400 naming the quoted form; the quoted one works', async () => {
    const project = (await owner.post('/v1/projects', { name: 'Etag', key: 'ETAG' })).body.id;
    const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 't' })).body;
    const bare = await owner.patch(`/v1/tasks/${task.id}`, { title: 'u' }, { headers: { 'if-match': String(task.version) } });
    expect(bare.status).toBe(400);
    expect(errorOf(bare).message).toContain(`If-Match: "${task.version}"`);
    expect((await owner.delete(`/v1/tasks/${task.id}`, { headers: { 'if-match': '1' } })).status).toBe(400);
    expect((await owner.get(`/v1/tasks/${task.id}`)).body.version).toBe(task.version);
    expect((await owner.patch(`/v1/tasks/${task.id}`, { title: 'u' }, { headers: { 'if-match': `"${task.version}"` } })).status).toBe(200);
  });

  it('a path that does not percent-decode gets our error envelope and a request id', async () => {
    const res = await owner.get('/v1/tasks/%ZZ', { headers: { 'x-request-id': 'bad-url-1' } });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(res.headers.get('x-request-id')).toBe('bad-url-1');
    const anonymous = await api.get('/v1/tasks/%E0%A4%A');
    expect(anonymous.status).toBe(400);
    expect(anonymous.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a forged cursor carrying a NUL is a 400, the same on both dialects', async () => {
    const forged: Array<[string, object]> = [
      ['/v1/projects', { s: 'key', v: 'A\u0000', id: '00000000-0000-4000-8000-000000000000' }],
      ['/v1/projects', { s: 'key', v: 'A', id: 'x\u0000' }],
      ['/v1/tokens', { s: '-createdAt', v: 0, id: '\u0000' }],
    ];
    for (const [route, cursor] of forged) {
      const res = await owner.get(`${route}?cursor=${cursorOf(cursor)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(errorOf(res)).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'querystring.cursor', message: 'is not a valid cursor for this listing' }],
      });
    }
  });
});
