// What a security review and an attacker check on the running bundles: the response headers, no caching of answers
// carrying a new token, rate limits on signup and failed authentication, tokens that expire by default, secrets kept
// out of the logs, /metrics only where the operator allows, and the contract gaps an attacker probes (another
// organization's members, a bad If-Match, a bad percent-encoding, a forged cursor).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_TARGETS, Client, errorOf, newMember, newOrg, startTarget } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';

const cursorOf = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(API_TARGETS)('security and contract on $name', (target) => {
  let server: RunningServer;
  let api: Client;
  let owner: Client;

  beforeAll(async () => {
    server = await startTarget(target);
    api = new Client(server.url);
    ({ owner } = await newOrg(api, 'sec'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends the headers a security review expects, on answers and on errors', async () => {
    for (const res of [await owner.get('/v1/me'), await api.get('/v1/me'), await api.get('/healthz'), await api.get('/no/such/route')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
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

describe('rate limits (dist/dev)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'flagship-limits-'));
    // The test stands in for a proxy on loopback, telling the server who each client is.
    server = await startServer(inject('bundles').dev!, { cwd, env: { SIGNUP_RATE_LIMIT: '3', AUTH_FAILURE_RATE_LIMIT: '3', TRUST_PROXY: 'loopback' } });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('signups: the next one over SIGNUP_RATE_LIMIT from an address is a 429 with Retry-After; other addresses go on', async () => {
    const api = new Client(server.url);
    const signup = (n: number, ip: string) =>
      api.post('/v1/signup', { org: { name: 'R', slug: `rate-${n}-${Date.now()}` }, user: { email: 'r@rate.example', name: 'R' } }, from(ip));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await signup(i, '10.0.0.1')).status);
    expect(statuses).toEqual([201, 201, 201]);
    const over = await signup(3, '10.0.0.1');
    expect(over.status).toBe(429);
    expect(errorOf(over).code).toBe('rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signup(4, '10.0.0.2')).status).toBe(201);
  });

  it('failed authentications: over AUTH_FAILURE_RATE_LIMIT, even a valid token from that address is a 429 until the window ends', async () => {
    const api = new Client(server.url);
    const signup = await api.post(
      '/v1/signup',
      { org: { name: 'A', slug: `auth-${Date.now()}` }, user: { email: 'a@auth.example', name: 'A' } },
      from('10.0.1.9'),
    );
    const good = api.as(signup.body.token);
    const bad = api.as(`fs_${'x'.repeat(43)}`);
    for (let i = 0; i < 3; i++) expect((await bad.get('/v1/me', from('10.0.1.1'))).status).toBe(401);
    const blocked = await good.get('/v1/me', from('10.0.1.1'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorOf(blocked).message).toMatch(/too many failed authentications/);
    expect((await good.get('/v1/me', from('10.0.1.2'))).status).toBe(200);
  });
});

describe('/metrics only where METRICS_ALLOW says (dist/dev)', () => {
  async function metricsStatus(env: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
    const cwd = mkdtempSync(path.join(tmpdir(), 'flagship-metrics-'));
    const server = await startServer(inject('bundles').dev!, { cwd, env });
    try {
      await server.ready();
      return (await fetch(`${server.url}/metrics`, { headers })).status;
    } finally {
      await server.stop();
    }
  }

  it('loopback by default; none; a range that excludes the caller; a range that includes it', async () => {
    expect(await metricsStatus({})).toBe(200);
    expect(await metricsStatus({ METRICS_ALLOW: 'none' })).toBe(404);
    expect(await metricsStatus({ METRICS_ALLOW: '10.0.0.0/8' })).toBe(404);
    expect(await metricsStatus({ METRICS_ALLOW: '10.0.0.0/8', TRUST_PROXY: 'loopback' }, { 'x-forwarded-for': '10.1.2.3' })).toBe(200);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('secrets in DATABASE_URL never reach the logs (dist/prod)', () => {
  it('a password in the user part and in ?password= is redacted wherever the URL is logged', async () => {
    const { createDatabase } = await import('../support/postgres/index.js');
    const url = new URL(await createDatabase(inject('pg'), `secret_${Date.now()}`));
    // The harness trusts local connections, so the server starts whatever the password says.
    url.password = 'Userinfo-S3cret';
    url.searchParams.set('password', 'Param-S3cret');
    url.searchParams.set('sslpassword', 'Ssl-S3cret');
    const server = await startServer(inject('bundles').prod!, { env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'trace' } });
    let output: string[];
    try {
      await server.ready();
      await new Client(server.url).get('/readyz');
    } finally {
      await server.stop();
      output = server.output;
    }
    // And when start-up fails on it.
    const down = new URL(url);
    down.port = '1';
    const failed = await runBundle(inject('bundles').prod!, [], { env: { DATABASE_URL: down.toString(), DB_START_RETRY_MS: '300', LOG_LEVEL: 'trace' } });
    const all = [...output, failed.stdout, failed.stderr].join('\n');
    expect(failed.code).toBe(1);
    for (const secret of ['Userinfo-S3cret', 'Param-S3cret', 'Ssl-S3cret']) expect(all).not.toContain(secret);
    expect(all).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/secret_\d+\?password=\*\*\*&sslpassword=\*\*\*/);
  });
});
