// The prod bundle over a primary and two streaming replicas (a topology of its own: replay is paused here), as
// clients see it: read-your-writes by principal and by X-Consistency-Token across two instances, tokens that are
// fresh whatever node answers, role and grant changes enforced at once by the other instance, the pools report and its
// permission, metrics, and what the build says of itself.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newMember, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { pauseReplay, resumeReplay, startPostgres, waitForReplay, type PgTopologyInfo } from '../support/postgres/index.js';
import { databaseOf, queryOne } from '../support/postgres/sql.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';
import { commits, freshDatabase, replicaSetting } from './topology.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'x-consistency-token';
const PAIRS = 1000;

/** Runs `count` jobs, `width` at a time. */
async function inParallel(count: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < count; i = next++) await job(i);
    }),
  );
}

const promtool = await promisify(execFile)('promtool', ['--version']).then(
  () => true,
  () => false,
);
if (!promtool) console.warn('[scaling] promtool is not installed (Debian package `prometheus`): /metrics is checked with the structural parser only');

// Two replicas whose replay can be paused: any source that gives them (TEST_DATABASE_URL may give none).
const replicated = DIALECTS.includes('postgres') && (inject('pg')?.replicas.length ?? 0) >= 2;
if (DIALECTS.includes('postgres') && !replicated)
  console.warn(`${'test/scaling/server.test.ts'}: skipped, PostgreSQL from ${inject('pg')?.source} has fewer than 2 replicas`);

describe.runIf(replicated)('prod bundle with replicas', () => {
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  let env: Record<string, string>;
  let paused = false;

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 2 });
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'srv');
    // The seconds bound is wide: with replay paused the replicas fall behind in time at once, and this file is
    // about which reads they may still serve, not about that bound.
    env = { DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_HEALTH_INTERVAL_MS: '200', REPLICA_MAX_LAG_S: '3600' };
    a = await startServer(inject('bundles').prod!, { env });
    await a.ready();
    b = await startServer(inject('bundles').prod!, { env });
    await b.ready();
  });
  afterAll(async () => {
    if (paused) await Promise.all(cluster.info.replicas.map(resumeReplay)).catch(() => undefined);
    await Promise.all([a?.stop(), b?.stop()]);
    await cluster?.close();
  });

  const pause = async () => {
    await Promise.all(cluster.info.replicas.map(pauseReplay));
    paused = true;
  };
  const resume = async () => {
    await Promise.all(cluster.info.replicas.map(resumeReplay));
    paused = false;
  };

  it('says the module is active with 2 replicas in eu and us, in /healthz and --version', async () => {
    // A replica serves reads once its lag is proven within bounds, which takes the health checks a moment after start.
    await waitFor(
      'both replicas serving reads',
      async () => ((await (await fetch(`${a.url}/healthz`)).json()) as any).featureHealth.scaling.replicasServing === 2,
      10_000,
    );
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as {
      features: Array<{ name: string; status: string; summary: string }>;
      featureHealth: Record<string, unknown>;
    };
    expect(health.features.find((f) => f.name === 'scaling')).toEqual({
      name: 'scaling',
      status: 'active',
      summary:
        "active: 3 database servers (1 host of DATABASE_URL, 2 more in DATABASE_REPLICAS; regions eu, us): writes go to the one that answers read-write, reads to the others in recovery; this server's region eu",
    });
    expect(health.featureHealth.scaling).toMatchObject({ replicas: 2, regions: ['eu', 'us'], region: 'eu', replicasServing: 2 });
    const version = await runBundle(inject('bundles').prod!, ['--version'], { env });
    expect(version.stdout).toContain('scaling: active: 3 database servers (1 host of DATABASE_URL, 2 more in DATABASE_REPLICAS; regions eu, us)');
    const help = await runBundle(inject('bundles').prod!, ['--help']);
    for (const option of [
      '--database-replicas',
      '--region',
      '--replica-max-lag-bytes',
      '--replica-max-lag-s',
      '--db-pool-queue-max',
      '--db-health-interval-ms',
    ])
      expect(help.stdout).toContain(option);
  });

  it('refuses bad scaling options at start, listing every problem', async () => {
    const { code, stderr } = await runBundle(inject('bundles').prod!, [], {
      env: { ...env, DATABASE_REPLICAS: 'postgres://nowhere/x,eu=mysql://h/db', DB_HEALTH_INTERVAL_MS: '1' },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/3 configuration problems/);
    expect(stderr).toMatch(/needs a region first, as region=postgres:/);
    expect(stderr).toMatch(/the URL of region "eu" .* is not a PostgreSQL URL/);
    expect(stderr).toMatch(/DB_HEALTH_INTERVAL_MS="1" is out of range/);
  });

  it('documents X-Consistency-Token in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${a.url}/v1/openapi.json`)).json()) as any;
    expect(doc.components.parameters.consistencyToken).toMatchObject({ name: 'X-Consistency-Token', in: 'header' });
    expect(doc.paths['/v1/tasks/{id}'].get.parameters).toContainEqual({ $ref: '#/components/parameters/consistencyToken' });
    expect(doc.paths['/v1/projects/{id}/tasks'].post.responses['201'].headers['X-Consistency-Token']).toBeDefined();
    expect(doc.paths['/v1/admin/pools'].get).toBeDefined();
  });

  it('shows the pools to the operator, and the same as Prometheus series that promtool accepts', async () => {
    const { owner } = await newOrg(new Client(a.url), 'pools');
    const { client: admin } = await newMember(owner, 'admin');
    const { client: member } = await newMember(owner, 'member');
    const res = await owner.get('/v1/admin/pools');
    expect(res.status).toBe(200);
    expect(res.body.nodes).toHaveLength(3);
    expect(res.body.nodes.map((n: { role: string; region: string | null }) => `${n.role}:${n.region}`).sort()).toEqual([
      'primary:null',
      'replica:eu',
      'replica:us',
    ]);
    expect(res.body.nodes[0]).toMatchObject({
      healthy: true,
      serving: true,
      lagBytes: expect.any(Number),
      inUse: expect.any(Number),
      idle: expect.any(Number),
      waiting: 0,
      readsServed: expect.any(Number),
      ejections: 0,
      lastError: null,
    });
    // The operator is recognised here by its address (METRICS_ALLOW's loopback default), whoever's token comes along;
    // that no tenant token opens the route elsewhere is test/api/operator.test.ts's.
    expect((await admin.get('/v1/admin/pools')).status).toBe(200);
    expect((await member.get('/v1/admin/pools')).status).toBe(200);

    const text = await (await fetch(`${a.url}/metrics`)).text();
    for (const series of [
      'flagship_db_node_up',
      'flagship_db_node_lag_bytes',
      'flagship_db_node_connections_in_use',
      'flagship_db_node_waiting',
      'flagship_db_node_reads_total',
      'flagship_db_node_ejections_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${series}\\{[^}]*node="127\\.0\\.0\\.1:\\d+",region="(eu|us|none)"`, 'm'));
    }
    if (promtool) {
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'metrics-')), 'metrics.txt');
      await writeFile(file, text);
      const checked = await promisify(execFile)('sh', ['-c', `promtool check metrics < ${file}`]).then(
        (r) => ({ ok: true, out: r.stdout + r.stderr }),
        (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
      );
      // promtool parses, then lints. Its only remarks may be on prom-client's default process gauges named *_total
      // (nodejs_active_handles_total...), which are not this module's; a parse error or any remark on our series fails.
      const remarks = checked.out
        .split('\n')
        .filter((l) => l.trim() !== '' && !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(l));
      expect(remarks, checked.out).toEqual([]);
    }
  });

  it('reads your writes with replay paused on both replicas: 1,000 pairs on one instance, 1,000 with the token handed to another; other principals keep reading from replicas', async () => {
    const { owner } = await newOrg(new Client(a.url), 'ryw');
    const project = (await owner.post('/v1/projects', { name: 'RYW', key: 'RYW' })).body.id as string;
    const { owner: other } = await newOrg(new Client(a.url), 'other');
    const otherProject = (await other.post('/v1/projects', { name: 'Other', key: 'OTH' })).body.id as string;
    const euReads = async (server: RunningServer) =>
      (await new Client(server.url, other.token).get('/v1/admin/pools')).body.nodes.find((n: { region: string }) => n.region === 'eu').readsServed as number;
    const otherReadsFromEu = async (server: RunningServer) => {
      const before = await euReads(server);
      expect((await new Client(server.url, other.token).get(`/v1/projects/${otherProject}`)).status).toBe(200);
      return (await euReads(server)) > before;
    };
    // Everything so far replayed and seen replayed by A (so A no longer pins the other principal to the primary),
    // then replay stops: from here every write is missing on both replicas.
    await waitForReplay(cluster.info);
    await waitFor('the other principal reading from the eu replica', () => otherReadsFromEu(a), 10_000);
    await pause();

    const stale: string[] = [];
    await inParallel(PAIRS, 4, async (i) => {
      const made = await owner.post(`/v1/projects/${project}/tasks`, { title: `a${i}` });
      expect(made.status).toBe(201);
      expect(made.headers.get(TOKEN)).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const read = await owner.get(`/v1/tasks/${made.body.id}`);
      if (read.status !== 200 || read.body.title !== `a${i}`) stale.push(`a${i}: ${read.status}`);
    });
    const onB = new Client(b.url, owner.token);
    let withoutToken = 0;
    await inParallel(PAIRS, 4, async (i) => {
      const made = await owner.post(`/v1/projects/${project}/tasks`, { title: `b${i}` });
      const token = made.headers.get(TOKEN)!;
      const read = await onB.get(`/v1/tasks/${made.body.id}`, { headers: { [TOKEN]: token } });
      if (read.status !== 200 || read.body.title !== `b${i}`) stale.push(`b${i}: ${read.status}`);
      // The control: without the token, instance B knows nothing of the write and a paused replica answers.
      if (i % 100 === 0 && (await onB.get(`/v1/tasks/${made.body.id}`)).status === 404) withoutToken++;
    });
    expect(stale).toEqual([]);
    expect(withoutToken).toBe(PAIRS / 100);

    // Another principal, who wrote nothing lately, still reads from the eu replica on both instances.
    for (const server of [a, b]) for (let i = 0; i < 5; i++) expect(await otherReadsFromEu(server)).toBe(true);
    await resume();
  });

  it('refuses a revoked token on the next request and takes a new one at once, whichever instance answers, with replay paused', async () => {
    const { owner } = await newOrg(new Client(a.url), 'fresh');
    await waitFor(
      'replicas caught up',
      async () => (await fetch(`${a.url}/healthz`).then((r) => r.json() as Promise<any>)).featureHealth.scaling.replicasServing === 2,
      10_000,
    );
    await pause();
    try {
      // Made on A, used on B at once: B has seen no write of this principal and carries no token.
      const made = await owner.post('/v1/tokens', { name: 'new' });
      expect(made.status).toBe(201);
      const fresh = new Client(b.url, made.body.token as string);
      expect((await fresh.get('/v1/me')).status).toBe(200);
      expect((await fresh.get('/v1/tokens')).status).toBe(200);
      const { client: newcomer } = await newMember(owner, 'viewer');
      const me = await new Client(b.url, newcomer.token).get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body.user.role).toBe('viewer');

      expect((await owner.delete(`/v1/tokens/${made.body.id}`)).status).toBe(204);
      const refused = await fresh.get('/v1/me');
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toMatch(/revoked/);

      // A member removed on A is refused on B at once, though B reads credentials from replicas when it can.
      const { member: leaving, client: leaver } = await newMember(owner, 'member');
      const leaverOnB = new Client(b.url, leaver.token);
      expect((await leaverOnB.get('/v1/me')).status).toBe(200);
      expect((await owner.delete(`/v1/members/${leaving.id}`)).status).toBe(204);
      const gone = await leaverOnB.get('/v1/me');
      expect(gone.status).toBe(401);
      expect(gone.body.error.message).toMatch(/removed/);
    } finally {
      await resume();
    }
  });

  it('enforces role and grant changes made on one instance on the next request to the other, with replay paused (RBAC reads never come from a replica)', async () => {
    const { owner } = await newOrg(new Client(a.url), 'rbac');
    const { member, client } = await newMember(owner, 'member');
    const { member: adminMember, client: admin } = await newMember(owner, 'admin');
    const role = await owner.post('/v1/roles', { name: 'audit-reader', permissions: ['audit:read'] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const onB = new Client(b.url, client.token);
    const adminOnB = new Client(b.url, admin.token);
    // Cached on B before anything changes.
    expect((await onB.get('/v1/audit?limit=1')).status).toBe(403);
    expect((await adminOnB.get('/v1/audit?limit=1')).status).toBe(200);
    // A first allowed request on B records the token's use, a write that pins the caller's reads to the primary until
    // the replicas have replayed it: wait until B sends the member's ordinary reads to the eu replica again, so the
    // reads below could come from a paused replica if anything let them, then stop replay.
    expect((await onB.get('/v1/projects')).status).toBe(200);
    await waitFor("the member's token use recorded on the primary", async () => {
      const row = await queryOne<{ n: number }>(env.DATABASE_URL!, 'select count(*)::int as n from tokens where member_id = $1 and last_used_at is not null', [
        member.id,
      ]);
      return row.n > 0;
    });
    await waitForReplay(cluster.info);
    const euReads = async () =>
      (await new Client(b.url, owner.token).get('/v1/admin/pools')).body.nodes.find((n: { region: string }) => n.region === 'eu').readsServed as number;
    await waitFor(
      'the member reading from the eu replica on B',
      async () => {
        const before = await euReads();
        expect((await onB.get('/v1/projects')).status).toBe(200);
        return (await euReads()) > before;
      },
      10_000,
    );
    await pause();
    try {
      // audit:read, given through a custom role like any other.
      expect((await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'audit-reader' }] } })).status).toBe(200);
      expect((await onB.get('/v1/audit?limit=1')).status).toBe(200);
      expect((await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [] } })).status).toBe(200);
      expect((await onB.get('/v1/audit?limit=1')).status).toBe(403);
      // A demotion on A holds on B at once.
      expect((await owner.patch(`/v1/members/${adminMember.id}`, { role: 'member' })).status).toBe(200);
      const refused = await adminOnB.get('/v1/audit?limit=1');
      expect(refused.status).toBe(403);
      expect(refused.body.error.details).toEqual({ permission: 'audit:read' });
    } finally {
      await resume();
    }
  });

  it('serves a read-only load with FLAGSHIP_REGION set without the primary: it commits at most a fifth of what the local replica does (pg_stat_database)', async () => {
    // A database of its own, so only this load is counted; set up through one instance, loaded through another,
    // each stopped before counting (a backend's statistics are complete once it exits).
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'goal');
    const goalEnv = { DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu' };
    const setup = await startServer(inject('bundles').prod!, { env: goalEnv });
    await setup.ready();
    const { owner } = await newOrg(new Client(setup.url), 'goal');
    const { client: viewer } = await newMember(owner, 'viewer');
    const project = (await owner.post('/v1/projects', { name: 'Goal', key: 'GOAL' })).body.id as string;
    // The token's first use is recorded (a write, once a minute per token) here, not in the steady state below.
    expect((await new Client(setup.url, viewer.token).get('/v1/me')).status).toBe(200);
    expect(await setup.stop()).toBe(0);
    await waitForReplay(cluster.info);

    const [primaryBefore, euBefore] = await Promise.all([commits(url), commits(replicaUrls[0]!)]);
    const reader = await startServer(inject('bundles').prod!, { env: goalEnv });
    await reader.ready();
    // Steady state: the security position is known and a replica has been seen past it.
    await waitFor(
      'token lookups served by replicas',
      async () => ((await (await fetch(`${reader.url}/healthz`)).json()) as any).featureHealth.scaling.credentialsReadFrom === 'replicas',
      10_000,
    );
    const asViewer = new Client(reader.url, viewer.token);
    const REQUESTS = 600;
    const failed: string[] = [];
    await inParallel(REQUESTS, 4, async (i) => {
      const res = i % 3 === 0 ? await asViewer.get('/v1/me') : i % 3 === 1 ? await asViewer.get(`/v1/projects/${project}`) : await asViewer.get('/v1/projects');
      if (res.status !== 200) failed.push(`${i}: ${res.status}`);
    });
    expect(failed).toEqual([]);
    expect(await reader.stop()).toBe(0);
    const [onPrimary, onEu] = [(await commits(url)) - primaryBefore, (await commits(replicaUrls[0]!)) - euBefore];
    console.info(
      `read-only load, ${REQUESTS} requests in eu: ${onPrimary} commits on the primary (start-up, checks and token use included), ${onEu} on the eu replica`,
    );
    expect(onEu).toBeGreaterThanOrEqual(REQUESTS);
    expect(onPrimary * 5, `primary ${onPrimary}, eu ${onEu}`).toBeLessThanOrEqual(onEu);
  });

  it('leaves no connection open on any node after SIGTERM', async () => {
    const { url, replicas } = { url: env.DATABASE_URL!, replicas: env.DATABASE_REPLICAS!.split(',').map((e) => e.slice(e.indexOf('=') + 1)) };
    const open = (u: string) =>
      queryOne<{ n: number }>(u, "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name like 'flagship/prod%'", [
        databaseOf(u),
      ]);
    expect((await Promise.all([url, ...replicas].map(open))).some((r) => r.n > 0)).toBe(true);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    expect((await Promise.all([url, ...replicas].map(open))).map((r) => r.n)).toEqual([0, 0, 0]);
  });

  it('answers 1,000 concurrent requests on a pool of 10 with a queue of 200: the overflow gets 503 with Retry-After, none hangs, no connection leaks', async () => {
    const url = env.DATABASE_URL!;
    const small = await startServer(inject('bundles').prod!, { env: { ...env, DB_POOL_MAX: '10', DB_POOL_QUEUE_MAX: '200', DB_CONNECT_TIMEOUT_MS: '30000' } });
    try {
      await small.ready();
      const { owner } = await newOrg(new Client(small.url), 'burst');
      const project = (await owner.post('/v1/projects', { name: 'Burst', key: 'BURST' })).body.id as string;
      const replies = await Promise.all(Array.from({ length: 1000 }, () => owner.get(`/v1/projects/${project}/tasks?limit=5`)));
      const statuses = new Map<number, number>();
      for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      console.info(`1,000 concurrent requests, pool 10, queue 200: ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(replies.filter((r) => r.status === 503 && !r.headers.get('retry-after'))).toEqual([]);
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      const pools = (await owner.get('/v1/admin/pools')).body.nodes as Array<{ inUse: number; waiting: number }>;
      expect(pools.every((n) => n.waiting === 0)).toBe(true);
      const busy = await queryOne<{ n: number }>(
        url,
        "select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'flagship/prod' and state <> 'idle'",
        [databaseOf(url)],
      );
      expect(busy.n).toBe(0);
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });
});
