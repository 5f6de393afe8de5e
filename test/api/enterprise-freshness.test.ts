// The enterprise module's per-request hook on SQLite: two servers on one database file, as two processes of
// dist/dev-enterprise would be, in-process. A permission taken from a role through one is refused by the other on its
// very next request, on a core route and on a module route alike (the RBAC cache reads data_version again at a
// request's first decision, which the hook arms; without it the other keeps its cached decision).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';

describe.runIf(DIALECTS.includes('sqlite'))('a role change on one SQLite server, enforced by another at once', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-freshness-')), 'app.db');
    a = await buildTestApp({ DATABASE_URL: `sqlite:${file}` }, { modules: 'enterprise' });
    b = await buildTestApp({ DATABASE_URL: `sqlite:${file}` }, { modules: 'enterprise' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a permission taken from a role through one server is refused through the other on its next request', async () => {
    const owner = { authorization: `Bearer ${(await signUp(a.app, 'fresh')).token}` };
    const project = (await a.app.inject({ method: 'POST', url: '/v1/projects', headers: owner, payload: { name: 'P', key: 'PRJ' } })).json();
    const role = await a.app.inject({
      method: 'POST',
      url: '/v1/roles',
      headers: owner,
      payload: { name: 'writer', permissions: ['task:write', 'audit:read'], inherits: ['viewer'] },
    });
    expect(role.statusCode, role.body).toBe(201);
    const created = await a.app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: owner,
      payload: { email: 'm@fresh.example', name: 'M', role: 'writer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const member = { authorization: `Bearer ${created.json().token}` };
    // A core route and a module route, each asked twice through b so that b's cache holds the decisions.
    const task = (n: number) => b.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/tasks`, headers: member, payload: { title: `t${n}` } });
    const audit = () => b.app.inject({ method: 'GET', url: '/v1/audit', headers: member });
    expect([(await task(1)).statusCode, (await task(2)).statusCode, (await audit()).statusCode, (await audit()).statusCode]).toEqual([201, 201, 200, 200]);

    const taken = await a.app.inject({ method: 'PATCH', url: `/v1/roles/${role.json().id}`, headers: owner, payload: { permissions: [] } });
    expect(taken.statusCode, taken.body).toBe(200);
    expect((await task(3)).statusCode).toBe(403);
    expect((await audit()).statusCode).toBe(403);
  });
});
