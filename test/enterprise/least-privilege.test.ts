// The least-privilege split the README sets up on PostgreSQL, run as written: one role owns the schema and migrates,
// the server serves as another. The serving role cannot disable the audit triggers, alter the tables, update or
// delete records, or move a chain head back, while the server (and `audit verify`) works as before. The harness's
// clusters run as a superuser, so the test makes the two roles itself, with the README's statements.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';

const README = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The ```sql blocks of the README's "Least privilege on PostgreSQL" section, in order. */
function sqlBlocks(): string[] {
  const start = README.indexOf('\n### Least privilege on PostgreSQL\n');
  if (start < 0) throw new Error('README.md has no "### Least privilege on PostgreSQL" section');
  const next = README.indexOf('\n## ', start + 1);
  return [...README.slice(start, next < 0 ? undefined : next).matchAll(/^```sql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL: serving as a role that cannot touch the audit trail', () => {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
  const names = { owner: `owner_${suffix}`, app: `app_${suffix}`, database: `lp_${suffix}` };
  /** A README block with this test's role and database names. */
  const ours = (block: string) =>
    block
      .replace(/\bflagship_owner\b/g, names.owner)
      .replace(/\bflagship_app\b/g, names.app)
      .replace(/\bDATABASE flagship\b/g, `DATABASE ${names.database}`);
  const statements = (block: string) =>
    ours(block)
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const urlAs = (role: 'owner' | 'app') => {
    const url = new URL(inject('pg').primary.url);
    url.username = names[role];
    url.password = role === 'owner' ? 'owner-secret' : 'app-secret';
    url.pathname = `/${names.database}`;
    return url.toString();
  };
  const sqlAs = async (role: 'owner' | 'app', text: string) => {
    const { withClient } = await import('../support/postgres/sql.js');
    return withClient(urlAs(role), async (client) => (await client.query(text)).rows as Array<Record<string, unknown>>);
  };
  const bundle = () => inject('bundles').prod!;
  let server: RunningServer;
  let owner: Client;
  let orgId: string;
  /** Records in the organization's chain after the set-up: org, project, three tasks, a role. */
  const made = 6;

  beforeAll(async () => {
    const { withClient } = await import('../support/postgres/sql.js');
    const [setup, grants] = sqlBlocks();
    expect(setup, 'the README shows the roles to make').toBeDefined();
    expect(grants, 'the README shows the grants').toBeDefined();
    await withClient(inject('pg').primary.url, async (client) => {
      for (const s of statements(setup!)) await client.query(s);
    });
    const migrated = await runBundle(bundle(), ['migrate'], { env: { DATABASE_URL: urlAs('owner'), LOG_LEVEL: 'warn' } });
    expect(migrated.code, migrated.stderr).toBe(0);
    for (const s of statements(grants!)) await sqlAs('owner', s);
    server = await startServer(bundle(), { env: { DATABASE_URL: urlAs('app'), MIGRATE_ON_START: 'false' } });
    await server.ready();
    const made = await newOrg(new Client(server.url), 'least');
    owner = made.owner;
    orgId = made.org.id;
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    for (let i = 0; i < 3; i++) expect((await owner.post(`/v1/projects/${p}/tasks`, { title: `t${i}` })).status).toBe(201);
    expect((await owner.post('/v1/roles', { name: 'tester', permissions: ['task:write'], inherits: ['viewer'] })).status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves as the app role, which owns nothing', async () => {
    const [who] = await sqlAs(
      'app',
      "SELECT current_user AS me, pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_records'), 'MEMBER') AS owns",
    );
    expect(who).toEqual({ me: names.app, owns: false });
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: true, records: made });
  });

  it('the app role cannot disable the triggers, alter the tables, or change and remove records', async () => {
    await expect(sqlAs('app', 'ALTER TABLE audit_records DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(sqlAs('app', 'ALTER TABLE audit_heads DISABLE TRIGGER USER')).rejects.toThrow(/must be owner/);
    await expect(sqlAs('app', 'DROP TRIGGER audit_records_no_update_delete ON audit_records')).rejects.toThrow(/must be owner/);
    await expect(sqlAs('app', 'ALTER TABLE audit_records ADD COLUMN x int')).rejects.toThrow(/must be owner/);
    await expect(sqlAs('app', `UPDATE audit_records SET action = 'task.delete' WHERE org_id = '${orgId}'`)).rejects.toThrow(/permission denied/);
    await expect(sqlAs('app', `DELETE FROM audit_records WHERE org_id = '${orgId}'`)).rejects.toThrow(/permission denied/);
    await expect(sqlAs('app', 'TRUNCATE audit_records')).rejects.toThrow(/permission denied/);
    await expect(sqlAs('app', `DELETE FROM audit_heads WHERE org_id = '${orgId}'`)).rejects.toThrow(/permission denied/);
    await expect(sqlAs('app', 'SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
    await expect(sqlAs('app', 'CREATE TABLE audit_shadow (x int)')).rejects.toThrow(/permission denied/);
    // It may move a head, as the server does when it appends, but not back to an earlier record.
    const [three] = await sqlAs('app', `SELECT hash FROM audit_records WHERE org_id = '${orgId}' AND seq = 3`);
    await expect(sqlAs('app', `UPDATE audit_heads SET seq = 3, hash = '${three!.hash}' WHERE org_id = '${orgId}'`)).rejects.toThrow(/only moves forward/);
  });

  it('the server still appends, and `audit verify` run as the app role finds the trail whole', async () => {
    const p = (await owner.get('/v1/projects')).body.items[0].id;
    expect((await owner.post(`/v1/projects/${p}/tasks`, { title: 'after' })).status).toBe(201);
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: true, records: made + 1, head: { seq: made + 1 } });
    const verified = await runBundle(bundle(), ['audit', 'verify'], { env: { DATABASE_URL: urlAs('app'), MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' } });
    expect(verified.stdout).toMatch(new RegExp(`ok +org ${orgId}: ${made + 1} records`));
    expect(verified.code).toBe(0);
  });
});
