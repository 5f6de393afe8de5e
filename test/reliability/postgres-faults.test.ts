// The prod bundle when its PostgreSQL server fails under load: stopped and restarted, frozen (SIGSTOP, which is what a
// network partition or a stalled host looks like), and with every pooled connection busy. Each time the process stays
// up, every request gets its answer or a 503 with Retry-After within the configured timeouts, /readyz tells the
// truth, it recovers without a restart, and no acknowledged write is lost. These tests stop and freeze the server, so
// they run on a PostgreSQL of their own, never on the shared one other files use.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { allTasks, expectNothingLost, startWriteLoad } from '../support/load.js';
import { createDatabase, freezeNode, startNode, startPostgres, stopNode, type PgTopologyInfo } from '../support/postgres/index.js';
import { queryOne, sleep } from '../support/postgres/sql.js';
import { readyMetric, readyz, untilReadyz } from '../support/readiness.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

// Short bounds, so each fault resolves in seconds: a query may take 4 s on the server, 5 s on the client side, and
// a connection 2 s to open.
const TIMEOUTS = { DB_CONNECT_TIMEOUT_MS: '2000', DB_STATEMENT_TIMEOUT_MS: '4000', DB_QUERY_TIMEOUT_MS: '5000' };

describe.runIf(DIALECTS.includes('postgres'))('prod bundle when its PostgreSQL server fails under load', () => {
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  let url: string;
  let server: RunningServer;
  let owner: Client;

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 0 });
    url = await createDatabase(cluster.info, 'faults');
    server = await startServer(inject('bundles').prod!, { env: { DATABASE_URL: url, DB_POOL_MAX: '4', ...TIMEOUTS } });
    await server.ready();
    ({ owner } = await newOrg(new Client(server.url), 'faults'));
  });
  afterAll(async () => {
    await server?.stop();
    await cluster?.close();
  });

  async function newProject(key: string): Promise<string> {
    const res = await owner.post('/v1/projects', { name: key, key });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  function expectAlive(): void {
    expect(server.proc.exitCode, server.output.slice(-20).join('\n')).toBeNull();
    expect(server.proc.signalCode).toBeNull();
  }

  it('server stopped and restarted: 503s with Retry-After while down, /readyz says so, then recovery without a restart', async () => {
    const project = await newProject('STOP');
    const load = startWriteLoad(owner, project, { workers: 6 });
    await load.created(20);
    await stopNode(cluster.info, 'primary', 'fast');
    try {
      await untilReadyz(server, 503);
      // Requests sent while it is down are answered (503), not left hanging.
      const downSince = Date.now();
      await waitFor('six requests answered 503 while it is down', () => load.outcomes.filter((o) => o.at > downSince && o.status === 503).length >= 6);
      expect((await readyMetric(server))!).toBe('0');
    } finally {
      await startNode(cluster.info, 'primary');
    }
    await untilReadyz(server, 200);
    expect(await readyMetric(server)).toBe('1');
    await load.created(20);
    const outcomes = await load.stop();
    expectAlive();
    expectNothingLost(outcomes, await allTasks(owner, project));
  });

  it('server frozen (SIGSTOP): every request in flight is answered while it stays frozen, /readyz says 503, recovery after', async () => {
    const project = await newProject('FREEZE');
    const workers = 6;
    const load = startWriteLoad(owner, project, { workers });
    await load.created(20);
    const thaw = freezeNode(cluster.info, 'primary');
    const frozenAt = Date.now();
    let answeredWhileFrozen: Set<number>;
    let readyWhileFrozen: { status: number; body: any };
    try {
      // Without a client-side query timeout, a request on a warm pooled connection waits for as long as the server
      // is frozen: here every worker must get an answer while it still is (the wait is bounded generously).
      const deadline = Date.now() + 45_000;
      for (;;) {
        answeredWhileFrozen = new Set(load.outcomes.filter((o) => o.at > frozenAt).map((o) => o.worker));
        if (answeredWhileFrozen.size === workers || Date.now() > deadline) break;
        await sleep(100);
      }
      readyWhileFrozen = await readyz(server);
    } finally {
      thaw();
    }
    expect([...answeredWhileFrozen].sort(), 'workers answered while the server was frozen').toEqual(Array.from({ length: workers }, (_, i) => i));
    expect(readyWhileFrozen.status, JSON.stringify(readyWhileFrozen.body)).toBe(503);
    await untilReadyz(server, 200);
    await load.created(20);
    const outcomes = await load.stop();
    expectAlive();
    expectNothingLost(outcomes, await allTasks(owner, project));
  });

  it('pooled connections carry TCP keepalive, so a peer gone silent is noticed without a query', async () => {
    // Warm the pool, then read the kernel's view of the server's sockets to PostgreSQL: the `tr` column of
    // /proc/net/tcp is 2 while a keepalive timer runs on an established connection.
    await Promise.all(Array.from({ length: 4 }, () => owner.get('/v1/me')));
    const pid = server.proc.pid!;
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]!);
    }
    const pgPort = cluster.info.primary.port.toString(16).toUpperCase().padStart(4, '0');
    const toPostgres = readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length > 9 && f[2]!.endsWith(`:${pgPort}`) && f[3] === '01' && inodes.has(f[9]!));
    expect(toPostgres.length).toBeGreaterThan(0);
    // 02: keepalive timer; 01: a retransmit timer while data is in flight. Never 00, no timer at all.
    const timers = toPostgres.map((f) => f[5]!.split(':')[0]);
    expect(timers.filter((t) => t !== '01' && t !== '02')).toEqual([]);
    expect(timers).toContain('02');
  });

  it('every pooled connection busy on slow statements: /readyz stays 200 and flagship_ready 1, the writes then complete', async () => {
    const busy = await startServer(inject('bundles').prod!, {
      env: { DATABASE_URL: url, DB_POOL_MAX: '2', ...TIMEOUTS, DB_STATEMENT_TIMEOUT_MS: '30000', DB_QUERY_TIMEOUT_MS: '35000', DB_CONNECT_TIMEOUT_MS: '3000' },
    });
    const locker = new pg.Client({ connectionString: url });
    locker.on('error', () => undefined);
    try {
      await busy.ready();
      const api = new Client(busy.url, (owner as unknown as { token: string }).token);
      const created = await api.post('/v1/projects', { name: 'Busy', key: 'BUSY' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const project = created.body.id as string;
      // Holding the project row makes every task creation wait on it, each holding a pooled connection.
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [project]);
      const creates = Array.from({ length: 5 }, (_, i) =>
        api.post(`/v1/projects/${project}/tasks`, { title: `w0-${i}`, labels: ['a', 'b', 'c'] }, { timeoutMs: 60_000 }),
      );
      // Both connections are then waiting on the lock, and the other creations wait for a connection.
      // (Asked on a connection of its own: inside the locker's transaction pg_stat_activity would stay one snapshot.)
      const lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await waitFor("both of the server's connections waiting on the lock", async () => {
        const { n } = await queryOne<{ n: number }>(
          url,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'flagship/prod' AND wait_event_type = 'Lock' AND pid <> $1",
          [lockerPid],
        );
        return n === 2;
      });
      const during = await readyz(busy);
      const metric = await readyMetric(busy);
      await locker.query('COMMIT');
      const answers = await Promise.all(creates);
      expect(during.status, JSON.stringify(during.body)).toBe(200);
      expect(during.body.database.pool).toMatchObject({ total: 2, idle: 0 });
      expect(metric).toBe('1');
      // The two holding connections complete; the others may have waited longer than DB_CONNECT_TIMEOUT_MS for one.
      expect(answers.filter((a) => a.status !== 201 && !(a.status === 503 && a.headers.get('retry-after')))).toEqual([]);
      expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(2);
    } finally {
      await locker.end().catch(() => undefined);
      await busy.stop();
    }
  });
});
