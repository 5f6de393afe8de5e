// The prod bundle behind PgBouncer 1.18 in transaction mode, where consecutive transactions of one client connection
// run on different server connections: nothing may live in a server session, named prepared statements included.
// With the default DB_PREPARED_STATEMENTS=unnamed (left unset here, so this holds the default to it), the hot queries
// are built once and run as the protocol's unnamed statement (src/db/prepared.ts); this proves the whole request path,
// and that a revoked token is still refused on the very next request.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { PGBOUNCER_MISSING, pgBouncerBinary, startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import { createDatabase } from '../support/postgres/index.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';

const why = !DIALECTS.includes('postgres') ? 'DIALECTS leaves PostgreSQL out' : !pgBouncerBinary() ? PGBOUNCER_MISSING : undefined;
if (why) console.warn(`skipped: the prod bundle behind PgBouncer in transaction mode: ${why}`);

describe.runIf(!why)('prod bundle behind PgBouncer in transaction mode', () => {
  let bouncer: RunningPgBouncer | undefined;
  let server: RunningServer;
  let api: Client;

  beforeAll(async () => {
    const direct = new URL(await createDatabase(inject('pg'), `bouncer_${Date.now()}`));
    bouncer = await startPgBouncer(direct.toString(), {
      // Two server connections for the bundle's pool of eight: its connections take turns on them, so anything left in
      // one server session would be missing from the next transaction's.
      poolSize: 2,
      // pg sends statement_timeout as a startup parameter (the pool's, and the readiness probe's own), which PgBouncer
      // refuses unless told to ignore it; behind PgBouncer it then does not apply.
      ignoreStartupParameters: ['extra_float_digits', 'statement_timeout'],
    });
    const url = bouncer.url;
    // Migrations take a session-level advisory lock, which needs a direct connection (docs: DESIGN, PgBouncer).
    const migrated = await runBundle(inject('bundles').prod!, ['migrate'], { env: { DATABASE_URL: direct.toString() } });
    expect(migrated.code, migrated.stdout + migrated.stderr).toBe(0);
    server = await startServer(inject('bundles').prod!, {
      env: { DATABASE_URL: url, MIGRATE_ON_START: 'false', DB_POOL_MAX: '8' },
    });
    await server.ready();
    api = new Client(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await bouncer?.stop();
  });

  it('serves the hot routes from many connections at once, every answer a 2xx, numbers gap-free', async () => {
    const { owner } = await newOrg(api, 'bouncer');
    const project = (await owner.post('/v1/projects', { name: 'Bounced', key: 'BNC' })).body.id as string;
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        owner.post(`/v1/projects/${project}/tasks`, {
          title: i % 2 ? `Login ${i}` : `Other ${i}`,
          labels: i % 3 ? ['a'] : ['bug', 'a'],
          ...(i % 4 ? {} : { dueAt: '2030-01-01T00:00:00Z' }),
        }),
      ),
    );
    expect(
      created.map((r) => r.status),
      server.output.slice(-20).join('\n'),
    ).toEqual(created.map(() => 201));
    expect(created.map((r) => r.body.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const task = created[0]!.body.id as string;
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        [
          () => owner.get(`/v1/tasks/${task}`),
          () => owner.get(`/v1/projects/${project}/tasks?limit=5`),
          () => owner.get(`/v1/projects/${project}/tasks?label=bug&q=login&limit=50`),
          () => owner.get(`/v1/projects/${project}/tasks?sort=-createdAt&limit=3`),
        ][i % 4]!(),
      ),
    );
    expect(
      reads.map((r) => r.status),
      JSON.stringify(reads.find((r) => r.status !== 200)?.body),
    ).toEqual(reads.map(() => 200));
    const first = await owner.get(`/v1/projects/${project}/tasks?limit=7&sort=-createdAt`);
    const second = await owner.get(`/v1/projects/${project}/tasks?limit=7&sort=-createdAt&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(7);
    const filtered = reads[2]!.body.items as Array<{ title: string; labels: string[] }>;
    expect(filtered.length).toBeGreaterThan(0);
    for (const t of filtered) expect(t.labels.includes('bug') && t.title.toLowerCase().includes('login')).toBe(true);
  });

  it('refuses a revoked token on the very next request', async () => {
    const { owner } = await newOrg(api, 'bouncer-revoke');
    const spare = await owner.post('/v1/tokens', { name: 'spare' });
    const other = owner.as(spare.body.token);
    expect((await other.get('/v1/me')).status).toBe(200);
    expect((await owner.delete(`/v1/tokens/${spare.body.id}`)).status).toBe(204);
    expect((await other.get('/v1/me')).status).toBe(401);
  });
});
