// The production bundle as deployed: on a real PostgreSQL primary, reporting what it carries, migrating, and riding
// out a database that goes away and comes back.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, replicaUrl, startNode, startPostgres, stopNode, type PgTopologyInfo } from '../support/postgres/index.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';
import { DIALECTS } from '../support/dialects.js';

const prod = () => inject('bundles').prod!;

describe.runIf(DIALECTS.includes('postgres'))('prod bundle on PostgreSQL', () => {
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    url = await createDatabase(inject('pg'), `prod_${Date.now()}`);
    server = await startServer(prod(), { env: { DATABASE_URL: url } });
    await server.ready();
  });
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it('names its variant, flags and dialect, and says what each module does', async () => {
    const body = (await (await fetch(`${server.url}/healthz`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', variant: 'prod', dialect: 'postgres', flags: { dialects: ['postgres'], scaling: true, enterprise: true } });
    expect(body.features).toEqual([
      { name: 'scaling', status: 'active', summary: 'active: no replicas configured (DATABASE_REPLICAS), every query goes to the primary' },
      { name: 'enterprise', status: 'active', summary: expect.stringContaining('custom roles') },
    ]);
  });

  it('is ready with the pool reported', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', dialect: 'postgres', database: { ok: true, pool: { total: expect.any(Number) } } });
  });

  it('logs that it applied the migrations, and `migrate` then finds nothing to do', async () => {
    expect(server.output.some((l) => l.includes('"migration":"0000_init"'))).toBe(true);
    const { code, stdout } = await runBundle(prod(), ['migrate'], { env: { DATABASE_URL: url } });
    expect(code).toBe(0);
    expect(stdout).toContain('schema is current');
  });

  it('refuses to start on a replica, naming the fix', async () => {
    const info = inject('pg');
    const { code, stderr } = await runBundle(prod(), [], { env: { PORT: '0', DATABASE_URL: replicaUrl(url, info.replicas[0]!) } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/is a server in recovery .*DATABASE_URL must name the primary/);
  });

  it('refuses wrong credentials at once instead of retrying forever', async () => {
    const wrong = new URL(url);
    wrong.username = 'nobody_here';
    const { code, stderr } = await runBundle(prod(), [], { env: { DATABASE_URL: wrong.toString() } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PostgreSQL refused the connection \(28[0-9A-Z]{3}: .*nobody_here.*\); check the user, password and database name in DATABASE_URL/);
  });
});

if (!DIALECTS.includes('postgres')) console.warn('prod bundle tests skipped: DIALECTS leaves out postgres, and the prod bundle runs only on PostgreSQL');

describe.runIf(DIALECTS.includes('postgres'))('prod bundle with Node alone', () => {
  it('serves from a folder holding nothing but server.mjs: migrates a fresh database and answers the API', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-node-alone-'));
    // Nothing to fall back on: no node_modules in the folder or in any folder above it.
    for (let d = dir; ; d = path.dirname(d)) {
      expect(existsSync(path.join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
      if (d === path.dirname(d)) break;
    }
    const bundle = path.join(dir, 'server.mjs');
    await copyFile(prod(), bundle);
    const url = await createDatabase(inject('pg'), `alone_${Date.now()}`);
    const alone = await startServer(bundle, { cwd: dir, env: { DATABASE_URL: url } });
    try {
      await alone.ready();
      const signup = await fetch(`${alone.url}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ org: { name: 'Alone', slug: 'alone' }, user: { email: 'ann@alone.example', name: 'Ann' } }),
      });
      expect(signup.status).toBe(201);
      const { token } = (await signup.json()) as { token: string };
      const me = await fetch(`${alone.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ org: { slug: 'alone' }, user: { email: 'ann@alone.example', role: 'owner' } });
      expect(alone.output.some((l) => l.includes('"migration":"0000_init"'))).toBe(true);
      expect(await readdir(dir)).toEqual(['server.mjs']);
    } finally {
      expect(await alone.stop()).toBe(0);
    }
  });
});

// Stopping a server needs one this harness started from binaries (not TEST_DATABASE_URL's, not a container's).
const stoppable = DIALECTS.includes('postgres') && inject('pg')?.controllable === true;
if (DIALECTS.includes('postgres') && !stoppable) {
  console.warn(`prod bundle when the database goes away: skipped, PostgreSQL from ${inject('pg')?.source} cannot be stopped and started by the harness`);
}

describe.runIf(stoppable)('prod bundle when the database goes away', () => {
  // A cluster of its own: stopping the shared primary would disturb the other test files.
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  let server: RunningServer;

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 0 });
  });
  afterAll(async () => {
    await server?.stop();
    await cluster?.close();
  });

  it('answers 503 with Retry-After while it is down, and recovers when it returns', async () => {
    server = await startServer(prod(), { env: { DATABASE_URL: cluster.info.primary.url, DB_CONNECT_TIMEOUT_MS: '1000' } });
    await server.ready();
    await stopNode(cluster.info, cluster.info.primary.name, 'fast');

    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(await down.json()).toMatchObject({ status: 'not_ready', reason: expect.stringMatching(/^database: /) });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await startNode(cluster.info, cluster.info.primary.name);
    await server.ready(20_000);
  });

  it('starts while the database is down, says why it is not ready, and becomes ready when it comes up', async () => {
    await server.stop();
    await stopNode(cluster.info, cluster.info.primary.name, 'fast');
    server = await startServer(prod(), { env: { DATABASE_URL: cluster.info.primary.url, DB_CONNECT_TIMEOUT_MS: '500' } });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toMatch(/connecting to the database|unavailable/);
    await startNode(cluster.info, cluster.info.primary.name);
    await server.ready(30_000);
    expect(server.output.some((l) => l.includes('unavailable (attempt 1)'))).toBe(true);
  });
});
