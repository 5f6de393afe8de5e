// The security conventions a route declares are enforced when it registers, not matched by URL. A guard scoped to a
// task, project or member reads the id from `:id`, so a scoped route without that parameter would be authorized across
// the whole organization: the server refuses to start with it, for the core's routes and a module's alike. The signup
// limit (`config.limitedBy`) and the cache policy (`config.storable`) follow the route's options, whatever its path.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScopeKind } from '../../src/domain/scopes.js';
import { RouteDeclarationError } from '../../src/errors.js';
import type { Feature } from '../../src/features/feature.js';
import type { Guards } from '../../src/server/auth.js';
import { CORE_PLUGIN } from '../../src/server/decorators.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';

const SCOPES: readonly ScopeKind[] = ['task', 'project', 'member'];

/** A feature whose only part is the routes it adds, as a module adds them (a plugin on the core's decorators). */
function routesFeature(register: (app: FastifyInstance) => Promise<void>): Feature {
  return { name: 'route-fixture', summary: 'route fixture', plugin: fp(register, { name: 'route-fixture', dependencies: [CORE_PLUGIN] }) };
}

describe('route conventions, enforced at registration', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  describe.each(SCOPES)('a guard scoped to a %s', (scope) => {
    const scoped = (guards: Pick<Guards, 'require'>) => guards.require({ permission: 'org:read', scope });

    it.each(['/v1/fixture/by-key/:key', '/v1/fixture/:identifier', '/v1/fixture/static'])('on %s (no :id) stops the core from starting', async (url) => {
      const built = buildTestApp(
        {},
        { routes: async (app: FastifyInstance, _runtime, guards) => void app.get(url, { preHandler: scoped(guards) }, async () => 'ok') },
      );
      await expect(built).rejects.toThrow(RouteDeclarationError);
      await expect(built).rejects.toThrow(`route GET ${url} is guarded with scope '${scope}' but has no :id parameter`);
    });

    it("on a module's route without :id stops the server from starting too", async () => {
      const feature = routesFeature(
        async (app) => void app.post('/v1/fixture/:key/things', { preHandler: app.requireAccess({ permission: 'org:read', scope }) }, async () => 'ok'),
      );
      await expect(buildTestApp({}, { features: async () => [feature] })).rejects.toThrow(
        `route POST /v1/fixture/:key/things is guarded with scope '${scope}' but has no :id parameter`,
      );
    });

    it('with :id registers, and reads the id: an unknown one is a 404, never the organization-wide 403', async () => {
      // A viewer lacks project:write, so an organization-wide check would refuse with 403; the scoped guard confines
      // the id first (task, member) or on refusal (project), and an id not in the organization is a 404.
      t = await buildTestApp(
        {},
        {
          routes: async (app: FastifyInstance, _runtime, guards) =>
            void app.get('/v1/fixture/:id', { preHandler: guards.require({ permission: 'project:write', scope }) }, async () => 'ok'),
        },
      );
      const { token } = await signUp(t.app, `scope-${scope}`);
      const member = await t.app.inject({
        method: 'POST',
        url: '/v1/members',
        headers: { authorization: `Bearer ${token}` },
        payload: { email: `viewer-${scope}@scope.example`, name: 'V', role: 'viewer' },
      });
      const viewer = { authorization: `Bearer ${member.json().token}` };
      const res = await t.app.inject({ method: 'GET', url: '/v1/fixture/00000000-0000-4000-8000-000000000000', headers: viewer });
      expect(res.statusCode, res.body).toBe(404);
    });
  });

  it('a route declaring a limit that does not exist stops the server from starting', async () => {
    const routes = async (app: FastifyInstance) => void app.post('/v1/fixture', { config: { limitedBy: 'logins' as 'signups' } }, async () => 'ok');
    await expect(buildTestApp({ SIGNUP_RATE_LIMIT: '2' }, { routes })).rejects.toThrow(
      "route POST /v1/fixture declares config.limitedBy 'logins', which is no limit; use one of signups",
    );
  });
});

describe('the signup limit follows config.limitedBy', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const fixtures = async (app: FastifyInstance) => {
    app.post('/fixture/limited', { config: { limitedBy: 'signups' } }, async () => ({ ok: true }));
    app.post('/fixture/free', async () => ({ ok: true }));
  };

  it('limits the signup route, and any route that declares it, by address; leaves other routes alone', async () => {
    t = await buildTestApp({ SIGNUP_RATE_LIMIT: '2' }, { routes: fixtures });
    const from = '192.0.2.31';
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await signUp(t.app, 'limited', {}, from)).status);
    expect(statuses).toEqual([201, 201, 429]);
    const over = await t.app.inject({ method: 'POST', url: '/v1/signup', remoteAddress: from, payload: {} });
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toMatch(/^\d+$/);
    expect(over.json().error.message).toMatch(/too many signups from your address \(at most 2 in \d+ s\)/);

    // A route under another path that declares the limit counts against it, per address; one that does not is free.
    const post = (url: string, remoteAddress: string) => t!.app.inject({ method: 'POST', url, remoteAddress, payload: {} });
    expect((await post('/fixture/limited', from)).statusCode).toBe(429);
    const other = '192.0.2.32';
    expect([
      (await post('/fixture/limited', other)).statusCode,
      (await post('/fixture/limited', other)).statusCode,
      (await post('/fixture/limited', other)).statusCode,
    ]).toEqual([200, 200, 429]);
    for (let i = 0; i < 4; i++) expect((await post('/fixture/free', from)).statusCode).toBe(200);
    expect((await signUp(t.app, 'elsewhere', {}, '192.0.2.33')).status).toBe(201);
  });

  it('SIGNUP_RATE_LIMIT=0 leaves the declaring routes unlimited', async () => {
    t = await buildTestApp({ SIGNUP_RATE_LIMIT: '0' }, { routes: fixtures });
    for (let i = 0; i < 4; i++) expect((await signUp(t.app, 'unlimited', {}, '192.0.2.34')).status).toBe(201);
  });
});

describe('Cache-Control: no-store unless the route is storable', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('every API answer, token-bearing or not, and every answer no route claims, is no-store; health and metrics are not', async () => {
    t = await buildTestApp(
      { METRICS_ALLOW: '127.0.0.1' },
      {
        routes: async (app: FastifyInstance) => {
          app.get('/fixture/private', async () => ({ ok: true }));
          app.get('/v1/fixture/public', { config: { storable: true } }, async () => ({ ok: true }));
        },
      },
    );
    const { token } = await signUp(t.app, 'cache');
    const auth = { authorization: `Bearer ${token}` };
    const get = (url: string, headers: Record<string, string> = {}) => t!.app.inject({ method: 'GET', url, headers });
    const signup = await t.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { org: { name: 'Cache', slug: `cache-${Date.now()}` }, user: { email: 'c@cache.example', name: 'C' } },
    });
    const noStore = {
      'signup (201, a token)': signup,
      'POST /v1/tokens (201, a token)': await t.app.inject({ method: 'POST', url: '/v1/tokens', headers: auth, payload: { name: 'ci' } }),
      'GET /v1/me': await get('/v1/me', auth),
      'GET /v1/me, anonymous (401)': await get('/v1/me'),
      'GET /v1/openapi.json': await get('/v1/openapi.json'),
      'GET /v1/no/such/route (404)': await get('/v1/no/such/route'),
      'GET /no/such/route (404)': await get('/no/such/route'),
      'a route outside /v1 without the option': await get('/fixture/private'),
    };
    const storable = {
      'GET /healthz': await get('/healthz'),
      'GET /readyz': await get('/readyz'),
      'GET /metrics': await get('/metrics'),
      'a route under /v1 with storable: true': await get('/v1/fixture/public'),
    };
    expect(Object.values(noStore).map((r) => r.statusCode)).toEqual([201, 201, 200, 401, 200, 404, 404, 200]);
    expect(Object.values(storable).map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    for (const [what, res] of Object.entries(noStore)) expect(res.headers['cache-control'], what).toBe('no-store');
    for (const [what, res] of Object.entries(storable)) {
      expect(res.headers['cache-control'], what).toBeUndefined();
      // The other security headers are on every answer alike.
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
    }
  });
});
