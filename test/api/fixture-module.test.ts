// A module added in one folder (test/fixtures/notes-module/) plugs a permission and a guarded route into the core
// through the Feature seam and the core's decorators: the route authenticates, authorizes with the module's own
// permission (held by owners and admins, refused to a member naming it), appears in the OpenAPI document, and its
// health facts reach the operator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotes, NOTE_READ } from '../fixtures/notes-module/index.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';

const ADMIN_TOKEN = 'o'.repeat(40);

describe('a module written in one folder, registered only here', () => {
  let t: TestApp;
  let owner: Record<string, string>;
  beforeAll(async () => {
    t = await buildTestApp({ ADMIN_TOKEN }, { features: async () => [createNotes()] });
    owner = { authorization: `Bearer ${(await signUp(t.app, 'notes')).token}` };
  });
  afterAll(async () => t.close());

  const member = async (role: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: owner,
      payload: { email: `${role}-${Math.random().toString(36).slice(2)}@notes.example`, name: role, role },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { authorization: `Bearer ${res.json().token}` };
  };

  it('serves its route to the roles its permission names, and refuses the others naming the permission', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/v1/notes', headers: owner });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ notes: ['first'] });
    expect((await t.app.inject({ method: 'GET', url: '/v1/notes', headers: await member('admin') })).statusCode).toBe(200);
    const refused = await t.app.inject({ method: 'GET', url: '/v1/notes', headers: await member('member') });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'forbidden', details: { permission: NOTE_READ } });
    expect((await t.app.inject({ method: 'GET', url: '/v1/notes' })).statusCode).toBe(401);
  });

  it("adds its route to the OpenAPI document and its facts to the operator's /healthz", async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.paths['/v1/notes'].get).toMatchObject({ tags: ['notes'], security: [{ bearerAuth: [] }] });
    const health = (await t.app.inject({ method: 'GET', url: '/healthz', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(health.featureHealth).toEqual({ notes: { notes: 1 } });
  });
});
