// Every route a module adds, tried from outside on an app carrying every module: an anonymous caller learns nothing
// but 401 (or the 404 of a route that is not there, for the operator's), whatever method, body or path spelling it
// sends; a tenant's owner never reaches the operator's routes; another organization's id is a 404, never a 403; and a
// server started without --testing serves none of the testing module's routes.
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feature } from '../../src/features/feature.js';
import { CORE_PLUGIN } from '../../src/server/decorators.js';
import { freshPostgres } from '../support/api.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';

/** Not loopback, which METRICS_ALLOW lets in as the operator by default. */
const remoteAddress = '198.51.100.7';
const OTHER_ID = '00000000-0000-4000-8000-000000000000';
const concrete = (url: string, id: string) => url.replace(/:id\b/g, id);

describe.each(DIALECTS)('module routes tried from outside, on %s', (dialect) => {
  let t: TestApp;
  const moduleRoutes: Array<{ method: string; url: string }> = [];
  let owner: Record<string, string>;
  let viewer: Record<string, string>;
  let otherOwner: Record<string, string>;
  let otherMemberId: string;
  let otherRoleId: string;

  beforeAll(async () => {
    t = await buildTestApp(
      { DATABASE_URL: dialect === 'postgres' ? await freshPostgres('outside') : 'sqlite::memory:' },
      {
        modules: 'all',
        // Registered after the core's routes and before the modules' plugins: what it sees is what the modules add.
        routes: async (app) =>
          void app.addHook('onRoute', (route: RouteOptions) => {
            for (const method of [route.method].flat()) moduleRoutes.push({ method, url: route.url });
          }),
      },
    );
    owner = { authorization: `Bearer ${(await signUp(t.app, 'outside')).token}` };
    const member = await t.app.inject({
      remoteAddress,
      method: 'POST',
      url: '/v1/members',
      headers: owner,
      payload: { email: 'v@outside.example', name: 'V', role: 'viewer' },
    });
    viewer = { authorization: `Bearer ${member.json().token}` };
    otherOwner = { authorization: `Bearer ${(await signUp(t.app, 'other')).token}` };
    const otherMember = await t.app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: otherOwner,
      payload: { email: 'm@other.example', name: 'M', role: 'viewer' },
    });
    otherMemberId = otherMember.json().member?.id ?? otherMember.json().id;
    const role = await t.app.inject({
      remoteAddress,
      method: 'POST',
      url: '/v1/roles',
      headers: otherOwner,
      payload: { name: 'theirs', permissions: ['task:read'] },
    });
    otherRoleId = role.json().id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('found the routes of every module', () => {
    const urls = new Set(moduleRoutes.map((r) => r.url));
    for (const url of ['/v1/roles', '/v1/roles/:id', '/v1/members/:id/grants', '/v1/audit', '/v1/admin/pools']) expect(urls).toContain(url);
    expect(moduleRoutes.some((r) => r.method === 'HEAD')).toBe(true);
    expect(otherMemberId).toMatch(/^[0-9a-f-]{36}$/);
    expect(otherRoleId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an anonymous caller gets 401 (the operator route 404) on every module route, whatever body it sends', async () => {
    const seen: string[] = [];
    for (const { method, url } of moduleRoutes) {
      for (const payload of [undefined, '{"name":', '{"name":"x","permissions":["*"]}']) {
        const res = await t.app.inject({
          remoteAddress,
          method: method as 'GET',
          url: concrete(url, OTHER_ID),
          ...(payload ? { payload, headers: { 'content-type': 'application/json' } } : {}),
        });
        const expected = url.startsWith('/v1/admin/') ? 404 : 401;
        if (res.statusCode !== expected) seen.push(`${method} ${url} ${payload ?? ''}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(seen).toEqual([]);
  });

  it("a tenant's owner and viewer get the 404 of a missing route on the operator's, however the path is spelled", async () => {
    const seen: string[] = [];
    for (const headers of [owner, viewer]) {
      // Other methods get the 405 every documented path gives (openapi-document.test.ts): the path is in the public
      // OpenAPI document, and the 405 says nothing the document does not.
      for (const method of ['GET', 'HEAD']) {
        for (const url of ['/v1/admin/pools', '/v1/admin/pools/', '/v1/admin/pools?x=1', '/v1/admin/%70ools', '/v1/admin//pools', '/v1/admin/pools;x']) {
          const res = await t.app.inject({ remoteAddress, method: method as 'GET', url, headers });
          if (res.statusCode !== 404) seen.push(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(seen).toEqual([]);
  });

  it("another organization's role or member is a 404 for every caller on every module route that names one", async () => {
    const seen: string[] = [];
    for (const { method, url } of moduleRoutes.filter((r) => r.url.includes(':id'))) {
      const id = url.startsWith('/v1/roles') ? otherRoleId : otherMemberId;
      for (const headers of [owner, viewer]) {
        const payload = method === 'PUT' ? { grants: [] } : method === 'PATCH' ? { description: 'x' } : undefined;
        const res = await t.app.inject({ remoteAddress, method: method as 'GET', url: concrete(url, id), headers, ...(payload ? { payload } : {}) });
        if (res.statusCode !== 404) seen.push(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(seen).toEqual([]);
    // And the other organization's things are still there, unchanged.
    const role = await t.app.inject({ remoteAddress, method: 'GET', url: `/v1/roles/${otherRoleId}`, headers: otherOwner });
    expect(role.statusCode).toBe(200);
    expect(role.json()).toMatchObject({ name: 'theirs' });
  });

  it('serves no /testing route when not started with --testing, though the sources carry the module', async () => {
    expect(moduleRoutes.filter((r) => r.url.startsWith('/testing'))).toEqual([]);
    for (const [method, url] of [
      ['POST', '/testing/reset'],
      ['POST', '/testing/seed'],
      ['GET', '/testing/clock'],
      ['PUT', '/testing/clock'],
      ['POST', '/testing/clock/advance'],
    ] as const) {
      const res = await t.app.inject({ remoteAddress, method, url, headers: { 'x-flagship-testing': '1', 'content-type': 'application/json' }, payload: '{}' });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });
});

describe("a module route under /v1/admin without the operator's guard", () => {
  const feature = (url: string, guarded: boolean): Feature => ({
    name: 'admin-fixture',
    summary: 'admin fixture',
    plugin: fp(async (app: FastifyInstance) => void app.get(url, guarded ? { preHandler: [app.requireOperator] } : {}, async () => ({ secret: 'cluster' })), {
      name: 'admin-fixture',
      dependencies: [CORE_PLUGIN],
    }),
  });

  it.each(['/v1/admin/things', '/v1/admin/', '/v1/admin', '/v1/admin/:id/nodes'])('%s stops the server from starting, naming the guard', async (url) => {
    await expect(buildTestApp({}, { features: async () => [feature(url, false)] })).rejects.toThrow(
      `GET ${url}: routes under /v1/admin/ are the operator's; guard them with app.requireOperator`,
    );
  });

  it('guarded, it starts, and a tenant owner gets the 404 of a missing route', async () => {
    const t = await buildTestApp({}, { features: async () => [feature('/v1/admin/things', true)] });
    try {
      const owner = { authorization: `Bearer ${(await signUp(t.app, 'admin-fixture')).token}` };
      const res = await t.app.inject({ method: 'GET', url: '/v1/admin/things', headers: owner, remoteAddress });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('cluster');
      expect((await t.app.inject({ method: 'GET', url: '/v1/admin/things', remoteAddress: '127.0.0.1' })).json()).toEqual({ secret: 'cluster' });
    } finally {
      await t.close();
    }
  });
});
