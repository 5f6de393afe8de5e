// The prod bundle behind PgBouncer 1.18 in transaction mode, where consecutive transactions of one client connection
// run on different server connections: nothing may live in a server session, named prepared statements included.
// The hot queries are built once and run as the protocol's unnamed statement (src/db/prepared.ts); this proves the
// whole request path, and that a revoked token is still refused on the very next request.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { createDatabase } from '../support/postgres/index.js';
import { resolveRunAs } from '../support/postgres/run-as.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

function findPgbouncer(): string | undefined {
  for (const candidate of ['pgbouncer', '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const pgbouncer = findPgbouncer();
const why = !DIALECTS.includes('postgres') ? 'DIALECTS leaves PostgreSQL out' : !pgbouncer ? 'no pgbouncer binary (apt-get install pgbouncer)' : undefined;
if (why) console.warn(`skipped: the prod bundle behind PgBouncer in transaction mode: ${why}`);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe.runIf(!why)('prod bundle behind PgBouncer in transaction mode', () => {
  let bouncer: ChildProcess;
  let bouncerLog = '';
  let server: RunningServer;
  let api: Client;

  beforeAll(async () => {
    const direct = new URL(await createDatabase(inject('pg'), `bouncer_${Date.now()}`));
    const port = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-pgbouncer-'));
    // PgBouncer refuses to run as root; it runs as the harness's server user then, who must read its config.
    await chmod(dir, 0o755);
    const config = path.join(dir, 'pgbouncer.ini');
    await writeFile(
      config,
      [
        '[databases]',
        `flagship = host=${direct.hostname} port=${direct.port} dbname=${direct.pathname.slice(1)} user=${direct.username}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = any',
        'pool_mode = transaction',
        // Two server connections for the bundle's pool of eight: its connections take turns on them, so anything
        // left in one server session would be missing from the next transaction's.
        'default_pool_size = 2',
        'max_client_conn = 100',
        // pg sends statement_timeout as a startup parameter (the pool's, and the readiness probe's own), which
        // PgBouncer refuses unless told to ignore it; behind PgBouncer it then does not apply.
        'ignore_startup_parameters = extra_float_digits,statement_timeout',
      ].join('\n') + '\n',
      { mode: 0o644 },
    );
    const runAs = await resolveRunAs();
    bouncer = spawn(pgbouncer!, [config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) });
    for (const stream of [bouncer.stdout!, bouncer.stderr!]) stream.on('data', (c: Buffer) => (bouncerLog = (bouncerLog + c.toString()).slice(-4000)));
    const url = `postgres://${direct.username}@127.0.0.1:${port}/flagship`;
    await waitFor(
      'pgbouncer answering a query',
      async () => {
        if (bouncer!.exitCode !== null) throw new Error(`pgbouncer exited with ${bouncer!.exitCode}`);
        const client = new pg.Client({ connectionString: url });
        try {
          await client.connect();
          await client.query('select 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      20_000,
      100,
      () => bouncerLog,
    );
    // Migrations take a session-level advisory lock, which needs a direct connection (docs: DESIGN, PgBouncer).
    const migrated = await runBundle(inject('bundles').prod!, ['migrate'], { env: { DATABASE_URL: direct.toString() } });
    expect(migrated.code, migrated.stdout + migrated.stderr).toBe(0);
    server = await startServer(inject('bundles').prod!, { env: { DATABASE_URL: url, MIGRATE_ON_START: 'false', DB_POOL_MAX: '8' } });
    await server.ready();
    api = new Client(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    if (bouncer && bouncer.exitCode === null) {
      bouncer.kill('SIGINT');
      await once(bouncer, 'exit');
    }
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
