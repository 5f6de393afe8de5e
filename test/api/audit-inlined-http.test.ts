// An audited request on PostgreSQL whose record rides the COMMIT with its values inlined (atCommit), on a database
// whose sessions default to standard_conforming_strings off and backslash_quote on: what the caller controls (its
// User-Agent, the address X-Forwarded-For gives through a trusted hop, the names it sends) comes back exactly in the
// record, nothing else runs, and the chain verifies.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres } from '../support/api.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/dialects.js';

const AGENTS = ["x'); DROP TABLE audit_records; --", "\\'); SELECT 1; --", '\\', "''\\\\''", 'caf\u00e9 \u00ff\u0080', '$$; SELECT 1; $$'];

describe.runIf(DIALECTS.includes('postgres'))('hostile text in an audited request, inlined with the COMMIT', () => {
  let t: TestApp;
  beforeAll(async () => {
    const url = await freshPostgres('auditlit');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const name = (await admin.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
      await admin.query(`ALTER DATABASE "${name}" SET standard_conforming_strings = off`);
      await admin.query(`ALTER DATABASE "${name}" SET backslash_quote = on`);
    } finally {
      await admin.end();
    }
    // One trusted hop: the client's address is what X-Forwarded-For says, text the caller writes.
    t = await buildTestApp({ DATABASE_URL: url, TRUST_PROXY: '1' }, { modules: 'enterprise' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores each value as sent, runs nothing else, and the chain verifies', async () => {
    const owner = { authorization: `Bearer ${(await signUp(t.app, 'lit')).token}` };
    for (const [i, agent] of AGENTS.entries()) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/projects',
        headers: { ...owner, 'user-agent': agent, 'x-forwarded-for': agent },
        payload: { name: `${agent} \u{1f600} ${i}`, key: `K${String.fromCharCode(65 + i)}X` },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const listed = await t.app.inject({ method: 'GET', url: '/v1/audit?limit=100', headers: owner });
    expect(listed.statusCode, listed.body).toBe(200);
    const creates = (listed.json().items as Array<{ action: string; request: { userAgent: string; ip: string }; after: { name: string } }>).filter(
      (r) => r.action === 'project.create',
    );
    expect(creates.map((r) => r.request.userAgent).sort()).toEqual([...AGENTS].sort());
    expect(creates.map((r) => r.request.ip).sort()).toEqual([...AGENTS].sort());
    expect(creates.map((r) => r.after.name).sort()).toEqual(AGENTS.map((a, i) => `${a} \u{1f600} ${i}`).sort());
    const verified = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: owner });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ ok: true });
  });
});
