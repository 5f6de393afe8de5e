// The prod bundle while its primary is stopped (a topology of its own), as a client and an operator see it: one node
// per server however the servers are listed, authenticated reads (token lookup, /v1/me, RBAC decisions) answering
// 200 from the most caught-up replica, writes 503 with Retry-After, readiness saying read-only in /readyz and
// /metrics, and the stopped primary described as unreachable, never still the primary. With
// CREDENTIALS_WITHOUT_PRIMARY_MS=0 the same deployment checks no token on a replica, and with 3000 it stops after
// 3 s without a primary: 503 until the primary is back.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newMember, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { startNode, startPostgres, stopNode, waitForReplay, type PgTopologyInfo } from '../support/postgres/index.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { freshDatabase } from './topology.js';
import { waitFor } from '../support/wait.js';

const stoppable = DIALECTS.includes('postgres') && inject('pg')?.controllable === true;
if (DIALECTS.includes('postgres') && !stoppable)
  console.warn(`${'test/scaling/primary-outage.test.ts'}: skipped, PostgreSQL from ${inject('pg')?.source} cannot be stopped and started by the harness`);

const hostOf = (url: string) => `${new URL(url).hostname}:${new URL(url).port}`;

describe.runIf(stoppable)('prod bundle while the primary is stopped', () => {
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  let server: RunningServer;
  /** The same deployment with CREDENTIALS_WITHOUT_PRIMARY_MS=0: no token is checked on a replica, however briefly. */
  let strict: RunningServer;
  /**
   * With CREDENTIALS_WITHOUT_PRIMARY_MS=3000: replicas check tokens for 3 s without a primary, then none does. Its
   * callers are tenants, not the operator (no address of its METRICS_ALLOW is theirs): they are told no cluster state.
   */
  let bounded: RunningServer;
  let url: string;
  let replicaUrls: string[];

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 2 });
    ({ url, replicaUrls } = await freshDatabase(cluster.info, 'outage'));
    // As operators list an HA set: every member in DATABASE_URL (libpq multi-host), and the replicas again with
    // their regions. Replica 1 is listed twice.
    const primary = new URL(url);
    const both = `postgres://${primary.username}@${primary.host},${new URL(replicaUrls[0]!).host}${primary.pathname}`;
    const env = {
      DATABASE_URL: both,
      DATABASE_REPLICAS: `eu=${replicaUrls[0]!},us=${replicaUrls[1]!}`,
      FLAGSHIP_REGION: 'eu',
      DB_HEALTH_INTERVAL_MS: '200',
      DB_CONNECT_TIMEOUT_MS: '3000',
    };
    server = await startServer(inject('bundles').prod!, { env });
    strict = await startServer(inject('bundles').prod!, { env: { ...env, CREDENTIALS_WITHOUT_PRIMARY_MS: '0' } });
    bounded = await startServer(inject('bundles').prod!, { env: { ...env, CREDENTIALS_WITHOUT_PRIMARY_MS: '3000', METRICS_ALLOW: '192.0.2.1' } });
    await Promise.all([server.ready(), strict.ready(), bounded.ready()]);
  });
  afterAll(async () => {
    await server?.stop();
    await strict?.stop();
    await bounded?.stop();
    await cluster?.close();
  });

  it('has one node per server however it is listed, and says so in /healthz, the start-up log and the pools view', async () => {
    const { owner } = await newOrg(new Client(server.url), 'topo');
    const nodes = (await owner.get('/v1/admin/pools')).body.nodes as Array<{ node: string; role: string; region: string | null }>;
    expect(nodes.map((n) => `${n.node} ${n.role} ${n.region}`).sort()).toEqual(
      [`${hostOf(url)} primary null`, `${hostOf(replicaUrls[0]!)} replica eu`, `${hostOf(replicaUrls[1]!)} replica us`].sort(),
    );
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as any;
    expect(health.featureHealth.scaling).toMatchObject({
      servers: 3,
      replicas: 2,
      unreachable: 0,
      primary: hostOf(url),
      serves: { reads: true, writes: true },
    });
    const summary = health.features.find((f: { name: string }) => f.name === 'scaling').summary as string;
    expect(summary).not.toMatch(/no replicas configured/);
    expect(summary).toMatch(/^active: 3 database servers \(2 hosts of DATABASE_URL, 1 more in DATABASE_REPLICAS; regions eu, us\)/);
    expect(server.output.join('\n')).toMatch(/database topology: 3 servers, primary 127\.0\.0\.1:\d+, 2 serving reads as replicas/);
  });

  it('keeps answering authenticated reads with 200 while the primary is stopped; writes answer 503 with Retry-After; readiness says read-only', async () => {
    const { owner } = await newOrg(new Client(server.url), 'outage');
    const { client: viewer } = await newMember(owner, 'viewer');
    const project = (await owner.post('/v1/projects', { name: 'Outage', key: 'OUT' })).body.id as string;
    await waitForReplay(cluster.info);
    await stopNode(cluster.info, 'primary', 'fast');
    try {
      await waitFor(
        'the primary seen unreachable',
        async () => ((await (await fetch(`${server.url}/healthz`)).json()) as any).featureHealth.scaling.unreachable === 1,
        10_000,
      );
      for (let i = 0; i < 20; i++) {
        for (const [who, path] of [
          [viewer, '/v1/me'],
          [owner, '/v1/me'],
          [viewer, `/v1/projects/${project}`],
          [owner, '/v1/tokens'],
          // An RBAC decision (audit:read) and, from loopback (the operator's by default), the view of the outage.
          [owner, '/v1/audit?limit=1'],
          [owner, '/v1/admin/pools'],
        ] as const) {
          const res = await who.get(path);
          expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
        }
      }
      const denied = await viewer.get('/v1/audit?limit=1');
      expect(denied.status, JSON.stringify(denied.body)).toBe(403);
      const write = await owner.post('/v1/projects', { name: 'During', key: 'DUR' });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toBeTruthy();

      const pools = (await owner.get('/v1/admin/pools')).body.nodes as Array<{ node: string; role: string; serving: boolean }>;
      expect(pools.find((n) => n.node === hostOf(url))).toMatchObject({ role: 'unreachable', serving: false });
      expect(pools.filter((n) => n.role === 'primary')).toEqual([]);

      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'read-only', serves: { reads: true, writes: false }, reason: expect.stringMatching(/read-only/) });
      const forWrites = await fetch(`${server.url}/readyz?need=writes`);
      expect(forWrites.status).toBe(503);
      expect(forWrites.headers.get('retry-after')).toBe('1');
      expect(await forWrites.json()).toMatchObject({ status: 'read-only', serves: { reads: true, writes: false } });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^flagship_serving\{operation="read"[^}]*\} 1$/m);
      expect(metrics).toMatch(/^flagship_serving\{operation="write"[^}]*\} 0$/m);
      expect(metrics).toMatch(/^flagship_ready\{[^}]*\} 1$/m);

      // The instance that checks no token on a replica: every authenticated request is refused while the primary is
      // away, saying why and what to do, and it tells its balancer it serves nothing.
      await waitFor(
        'the primary seen unreachable by the strict instance',
        async () => ((await (await fetch(`${strict.url}/healthz`)).json()) as any).featureHealth.scaling.unreachable === 1,
        10_000,
      );
      const refused = await new Client(strict.url, owner.token).get('/v1/me');
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(JSON.stringify(refused.body)).toMatch(/CREDENTIALS_WITHOUT_PRIMARY_MS \(0 ms\).*may have missed a revocation/);
      const strictReady = await fetch(`${strict.url}/readyz`);
      expect(strictReady.status).toBe(503);
      expect(await strictReady.json()).toMatchObject({
        serves: { reads: false, writes: false },
        reason: expect.stringMatching(/CREDENTIALS_WITHOUT_PRIMARY_MS \(0 ms\).*every authenticated request answers 503/),
      });

      // A bound of 3 s is a clock that runs: the instance that had it stops checking tokens on a replica once the
      // primary has been away that long (a deadline, not a timing: it must happen, and after 3 s at the earliest).
      const boundedOwner = new Client(bounded.url, owner.token);
      const late = await waitFor(
        'the bounded instance refusing tokens once 3 s have passed without a primary',
        async () => {
          const res = await boundedOwner.get('/v1/me');
          return res.status === 503 ? res : false;
        },
        30_000,
        200,
      );
      // A tenant is told what it may know; the operator reads why in the log (and from /readyz, as above).
      expect(late.body).toEqual({
        error: { code: 'unavailable', message: 'tokens and permissions cannot be checked while the primary database does not answer; retry shortly' },
      });
      // Log lines are written in batches of up to 5 ms: the answer may come first.
      const why = await waitFor('the reason in the log', () => bounded.output.find((line) => line.includes('no primary has answered for')));
      expect(why).toMatch(/no primary has answered for (\d+) ms, longer than CREDENTIALS_WITHOUT_PRIMARY_MS \(3000 ms\)/);
      expect(Number(/answered for (\d+) ms/.exec(why!)![1])).toBeGreaterThan(3000);
      expect(late.headers.get('retry-after')).toBeTruthy();
      expect((await fetch(`${bounded.url}/readyz`)).status).toBe(503);
    } finally {
      await startNode(cluster.info, 'primary');
    }
    await waitFor('writes back', async () => (await owner.post('/v1/projects', { name: 'After', key: 'AFT' })).status === 201, 20_000);
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', serves: { reads: true, writes: true } });
    expect((await fetch(`${server.url}/readyz?need=writes`)).status).toBe(200);
    await waitFor('the strict instance checking tokens again', async () => (await new Client(strict.url, owner.token).get('/v1/me')).status === 200, 20_000);
    await waitFor('the bounded instance checking tokens again', async () => (await new Client(bounded.url, owner.token).get('/v1/me')).status === 200, 20_000);
  });
});
