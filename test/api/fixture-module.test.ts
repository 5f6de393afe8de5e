// A module added in one folder (test/fixtures/notes-module/) plugs an option, a permission and a guarded route into
// the core through the Feature seam, the option declarations and the core's decorators: its option is listed by
// --help, read from the environment or the command line and validated with the core's in one pass; the route
// authenticates, authorizes with the module's own permission (held by owners and admins, refused to a member naming
// it), appears in the OpenAPI document, and its health facts reach the operator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.js';
import { loadConfiguration } from '../../src/config/config.js';
import { moduleDeclarations } from '../../src/features.js';
import { createNotes, NOTE_READ } from '../fixtures/notes-module/index.js';
import { notesOptions } from '../fixtures/notes-module/options.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';

const ADMIN_TOKEN = 'o'.repeat(40);

describe('a module written in one folder, registered only here', () => {
  let t: TestApp;
  let owner: Record<string, string>;
  beforeAll(async () => {
    const env = { ADMIN_TOKEN, NOTES_FIRST: 'hello from the environment' };
    const notes = async () => {
      const { settings } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', ...env }, { 'notes-max': '3' }, [notesOptions]);
      return [createNotes(settings.of(notesOptions)!)];
    };
    t = await buildTestApp(env, { features: notes });
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
    expect(ok.json()).toMatchObject({ notes: ['hello from the environment'], max: 3 });
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

describe("the module's option, declared in its folder", () => {
  it('is listed by --help beside the core options and those of the modules compiled in', async () => {
    const help = helpText([...(await moduleDeclarations()), notesOptions]);
    expect(help).toMatch(/--notes-max <n>\s+how many notes one organization may keep\n\s+env NOTES_MAX, default 10/);
    expect(help).toContain('--port <n>');
  });

  it('takes its default when unset, and its problems are listed with the core ones in one error', async () => {
    const declarations = [...(await moduleDeclarations()), notesOptions];
    expect(loadConfiguration({ DATABASE_URL: 'sqlite::memory:' }, {}, declarations).settings.of(notesOptions)).toEqual({ firstNote: 'first', maxNotes: 10 });
    let message = '';
    try {
      loadConfiguration({ DATABASE_URL: 'sqlite::memory:', PORT: 'eighty', NOTES_MAX: '1000', NOTES_FIRST: ' ' }, {}, declarations);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^2 configuration problems/);
    expect(message).toContain('PORT="eighty" is not a whole number');
    expect(message).toContain('NOTES_MAX="1000" is out of range; use a number from 1 to 100');
    // Cross-option checks run once every value parsed: a blank note is reported once the range is fixed.
    expect(() => loadConfiguration({ DATABASE_URL: 'sqlite::memory:', NOTES_FIRST: ' ' }, {}, declarations)).toThrow(/NOTES_FIRST is blank/);
  });
});
