// The scaling module's request scope, in-process on PostgreSQL with a streaming replica in DATABASE_REPLICAS: a write
// on a core route answers with the WAL position it made (X-Consistency-Token), which only the module's preValidation
// hook gives, and a read sent back with that token is served; a hostile token is ignored, never an error. That such a
// read waits for a lagging replica or goes to the primary is proven with replay paused, in test/scaling/server.test.ts
// (this tier shares its replica with other files, so it does not pause it).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshPostgres } from '../support/api.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';
import { replicaUrl } from '../support/postgres/index.js';

const TOKEN = 'x-consistency-token';

describe.runIf(DIALECTS.includes('postgres'))('the read-your-writes scope on a server with a replica', () => {
  let t: TestApp;
  beforeAll(async () => {
    const info = inject('pg');
    const url = await freshPostgres('scope');
    t = await buildTestApp({ DATABASE_URL: url, DATABASE_REPLICAS: `here=${replicaUrl(url, info.replicas[0]!)}`, FLAGSHIP_REGION: 'here' }, { modules: 'all' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a write on a core route answers with its position, and a read sent back with it is served', async () => {
    const owner = { authorization: `Bearer ${(await signUp(t.app, 'scope')).token}` };
    const created = await t.app.inject({ method: 'POST', url: '/v1/projects', headers: owner, payload: { name: 'P', key: 'SCP' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers[TOKEN]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const read = await t.app.inject({
      method: 'GET',
      url: `/v1/projects/${created.json().id}`,
      headers: { ...owner, [TOKEN]: String(created.headers[TOKEN]) },
    });
    expect(read.statusCode, read.body).toBe(200);
    // A module's write (a role) answers with its position too.
    const role = await t.app.inject({ method: 'POST', url: '/v1/roles', headers: owner, payload: { name: 'scoped', permissions: ['task:read'] } });
    expect(role.statusCode, role.body).toBe(201);
    expect(role.headers[TOKEN]).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });

  it('a hostile token is read as no token: never an error, never a hang', async () => {
    const owner = { authorization: `Bearer ${(await signUp(t.app, 'hostile-token')).token}` };
    for (const token of ["'; SELECT 1; --", 'FFFFFFFF/FFFFFFFF', '0/0', '-1/-1', 'x'.repeat(8000), '1/2/3', '\u00ff/\u00ff']) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/projects', headers: { ...owner, [TOKEN]: token } });
      expect(res.statusCode, `${token.slice(0, 40)}: ${res.body}`).toBe(200);
    }
  });
});
