// The replica router on real streaming replication (a topology of its own: these tests stop nodes and pause replay):
// reads by region, counted by PostgreSQL itself; a replica lost under load; lag bounds; the bounded pool queue.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { eq, sql } from 'drizzle-orm';
import { scalingMigrations } from '../../src/scaling/migrations.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DatabaseUnavailableError } from '../../src/db/errors.js';
import type { Database, Queryable } from '../../src/db/database.js';
import type { ReplicaRouter } from '../../src/scaling/router.js';
import { createLogger, type Logger } from '../../src/server/logger.js';
import { DIALECTS } from '../support/dialects.js';
import { pauseReplay, resumeReplay, startNode, startPostgres, stopNode, type PgTopologyInfo } from '../support/postgres/index.js';
import { databaseOf, queryOne, sleep } from '../support/postgres/sql.js';
import { commits, freshDatabase, replicaSetting, routerFor } from './topology.js';
import { waitFor } from '../support/wait.js';

const nodeOf = (router: ReplicaRouter, name: string) => router.report().find((n) => n.node === name)!;
const hostOf = (url: string) => `${new URL(url).hostname}:${new URL(url).port}`;

// Stopping servers needs ones this harness started from binaries (not TEST_DATABASE_URL's, not a container's).
const stoppable = DIALECTS.includes('postgres') && inject('pg')?.controllable === true;
if (DIALECTS.includes('postgres') && !stoppable)
  console.warn(`${'test/scaling/router.test.ts'}: skipped, PostgreSQL from ${inject('pg')?.source} cannot be stopped and started by the harness`);

describe.runIf(stoppable)('replica router on a primary and two streaming replicas', () => {
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  const routers: ReplicaRouter[] = [];
  const open = (env: Record<string, string>, logger?: Logger) => {
    const r = routerFor(env, logger);
    routers.push(r);
    return r;
  };

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 2 });
  });
  afterAll(async () => {
    await Promise.all(routers.map((r) => r.close()));
    await cluster?.close();
  });

  it('serves every read from the same-region replica while it is serving, and writes only on the primary (pg_stat_database)', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'load');
    const router = open({ DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_HEALTH_INTERVAL_MS: '1000' });
    await router.admin.verify();
    await router.admin.migrate();
    const orgs = router.tables.orgs;
    await router.write((tx) => tx.insert(orgs).values({ slug: 'seed', name: 'seed' }));
    await waitFor('both replicas serving', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);

    const nodes = [url, ...replicaUrls];
    const local = hostOf(replicaUrls[0]!);
    const inserted = async (u: string) =>
      Number((await queryOne<{ n: string }>(u, "select n_tup_ins::text as n from pg_stat_user_tables where relname = 'orgs'")).n);
    const before = await Promise.all(nodes.map(commits));
    const readsBefore = router.report().map((n) => n.readsServed);
    const READS = 1000;
    const WRITES = 50;
    // Whether a read may go elsewhere depends on the health checks under this machine's load, not on a share: count
    // the reads issued while the eu replica was serving before and after them. Each of those must have gone there.
    let whileLocalServing = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < READS + WRITES; i = next++) {
          if (i % 21 === 20) await router.write((tx) => tx.insert(orgs).values({ slug: `w${i}`, name: 'w' }));
          else {
            const serving = nodeOf(router, local).serving;
            await router.read((q) => q.select().from(orgs).limit(5));
            if (serving && nodeOf(router, local).serving) whileLocalServing++;
          }
        }
      }),
    );
    const routed = router.report().map((n, i) => ({ node: n.node, reads: n.readsServed - readsBefore[i]! }));
    const onLocalRouted = routed.find((r) => r.node === local)!.reads;
    // Backends flush their statistics when they exit: close the pools before counting. They exit after the pool's end
    // resolves, so the eu replica's count may take a moment to come in; wait for it (the assertion below says if not).
    await router.close();
    await waitFor('the eu replica counting the reads routed there', async () => (await commits(nodes[1]!)) - before[1]! >= onLocalRouted, 10_000).catch(
      () => undefined,
    );
    const after = await Promise.all(nodes.map(commits));
    const [onPrimary, onLocal, onRemote] = after.map((n, i) => n - before[i]!) as [number, number, number];
    const shown = `reads routed ${JSON.stringify(routed)}; ${whileLocalServing} issued while eu was serving; transactions per node: primary ${onPrimary} (${WRITES} writes), eu ${onLocal}, us ${onRemote}`;
    console.info(`normal load: ${shown}`);
    expect(whileLocalServing, shown).toBeGreaterThan(0);
    expect(
      routed.reduce((sum, r) => sum + r.reads, 0),
      shown,
    ).toBe(READS);
    expect(onLocalRouted, shown).toBeGreaterThanOrEqual(whileLocalServing);
    // What the router counts really ran there: PostgreSQL's own count on the eu replica is at least as high.
    expect(onLocal, shown).toBeGreaterThanOrEqual(onLocalRouted);
    // The seed row and the writes, all inserted on the primary.
    expect(await inserted(url)).toBe(1 + WRITES);
    // Replicas cannot take writes at all; what matters is that none was attempted there and lost.
    expect(
      router
        .report()
        .filter((n) => n.role === 'replica')
        .map((n) => n.writesServed),
    ).toEqual([0, 0]);
  });

  it("applies a module's migrations, takes locks, sends notices and listens on the primary; its tables reach the replicas", async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'notify');
    const router = open({ DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_HEALTH_INTERVAL_MS: '200' });
    await router.admin.verify();
    // The facets the Postgres adapter has, so enterprise's RBAC cache uses LISTEN/NOTIFY and advisory locks through it.
    const asDatabase: Database = router;
    expect([asDatabase.notifications, asDatabase.locks, asDatabase.dataVersion].map((facet) => facet !== undefined)).toEqual([true, true, false]);
    const extra = [{ tag: 'routertest:0001_notes', hash: 'routertest-1', statements: ['CREATE TABLE router_notes (id int PRIMARY KEY, body text NOT NULL)'] }];
    expect((await router.admin.migrate(extra)).applied).toContain('routertest:0001_notes');
    // Every read waits for the migrated schema, the module's table included, whichever node answers.
    expect(
      await router.read((q) =>
        postgresHandle(q)
          .execute(sql`select count(*)::int as n from router_notes`)
          .then((r) => r.rows[0]),
      ),
    ).toEqual({ n: 0 });

    const heard: string[] = [];
    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    const sub = await router.notifications.listen('flagship_router_test', {
      message: (p) => heard.push(p),
      connected: () => connected(),
      disconnected: () => undefined,
    });
    try {
      await ready;
      expect(await sub.peers()).toBeGreaterThanOrEqual(1);
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const first = new Promise<void>((r) => (entered = r));
      const a = router.write(async (tx) => {
        await router.locks.lock(tx, 'k');
        events.push('a in');
        entered();
        await held;
        await router.notifications.notify(tx, 'flagship_router_test', 'first');
        events.push('a out');
      });
      await first;
      const b = router.write(async (tx) => {
        await router.locks.lock(tx, 'k');
        events.push('b in');
        await router.notifications.notify(tx, 'flagship_router_test', 'second');
      });
      await waitFor('b waiting on the advisory lock', async () => {
        const row = await queryOne<{ n: number }>(url, "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
        return row.n > 0;
      });
      expect(events).toEqual(['a in']);
      release();
      await Promise.all([a, b]);
      expect(events).toEqual(['a in', 'a out', 'b in']);
      await waitFor('both notices heard', () => heard.length >= 2, 10_000);
      expect(heard).toEqual(['first', 'second']);
    } finally {
      await sub.close();
    }
  });

  it('takes the read-write host of a DATABASE_URL naming several, whatever their order', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'hosts');
    const primary = new URL(url);
    const replica = new URL(replicaUrls[1]!);
    const several = `postgres://${primary.username}@${replica.host},${primary.host}${primary.pathname}`;
    const router = open({ DATABASE_URL: several, DATABASE_REPLICAS: `eu=${replicaUrls[0]!}` });
    await router.admin.verify();
    await router.admin.migrate();
    expect(router.report().map((n) => [n.node, n.role])).toEqual([
      [replica.host, 'replica'],
      [primary.host, 'primary'],
      [hostOf(replicaUrls[0]!), 'replica'],
    ]);
    await router.write((tx) => tx.insert(router.tables.orgs).values({ slug: 'several', name: 'x' }));
    expect(router.report().find((n) => n.node === primary.host)?.writesServed).toBe(1);
  });

  it('refuses for good a DATABASE_URL whose every host is a replica, naming the fix', async () => {
    const { replicaUrls } = await freshDatabase(cluster.info, 'replonly');
    const router = open({ DATABASE_URL: replicaUrls[0]! });
    await expect(router.admin.verify()).rejects.toThrow(/is a server in recovery .*DATABASE_URL must name the primary/);
  });

  it('loses no read when the local replica stops under load: ejected at once, re-admitted once it answers again', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'eject');
    const router = open({ DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_HEALTH_INTERVAL_MS: '250' });
    await router.admin.verify();
    await router.admin.migrate();
    const local = hostOf(replicaUrls[0]!);
    await waitFor('the eu replica serving', () => nodeOf(router, local).serving, 10_000);

    let stop = false;
    const failures: string[] = [];
    let served = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          await router
            .read((q) => postgresHandle(q).execute(sql`select 1`))
            .then(
              () => served++,
              (err: unknown) => failures.push((err as Error).message),
            );
        }
      }),
    );
    await waitFor('reads flowing', () => served > 50, 10_000);
    const stopping = stopNode(cluster.info, 'replica1', 'fast');
    const stopped = Date.now();
    await waitFor('the stopped replica ejected', () => !nodeOf(router, local).healthy, 2000);
    const ejectedAfterMs = Date.now() - stopped;
    await stopping;
    const servedWhileDown = served;
    await waitFor('reads served elsewhere while it is down', () => served > servedWhileDown + 50, 10_000);
    await startNode(cluster.info, 'replica1');
    const restarted = Date.now();
    await waitFor('the replica re-admitted', () => nodeOf(router, local).serving, 5000);
    const admittedAfterMs = Date.now() - restarted;
    stop = true;
    await load;
    console.info(`replica stopped under load: ejected after ${ejectedAfterMs} ms, re-admitted ${admittedAfterMs} ms after it came back, ${served} reads`);
    expect(failures).toEqual([]);
    expect(nodeOf(router, local).ejections).toBeGreaterThanOrEqual(1);
    expect(nodeOf(router, local).lastError).toBeTruthy();
  });

  it('gives a replica past the lag bound no reads until it catches up', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'lag');
    const router = open({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      FLAGSHIP_REGION: 'eu',
      DB_HEALTH_INTERVAL_MS: '100',
      REPLICA_MAX_LAG_BYTES: '262144',
    });
    await router.admin.verify();
    await router.admin.migrate();
    await waitFor('both replicas serving', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
    const orgs = router.tables.orgs;
    const readsOn = () => router.report().map((n) => n.readsServed);
    try {
      await Promise.all(cluster.info.replicas.map(pauseReplay));
      // Small writes stay within the bound: replicas keep serving.
      await router.write((tx) => tx.insert(orgs).values({ slug: 'small', name: 'small' }));
      const before = readsOn();
      await router.read((q) => q.select().from(orgs).limit(1));
      expect(readsOn()[0]).toBe(before[0]);
      // Close to a megabyte of WAL they do not replay passes it (random text: TOAST would compress a repeated one).
      await router.write((tx) => tx.insert(orgs).values({ slug: 'big', name: randomBytes(600_000).toString('base64') }));
      await router.write((tx) => tx.insert(orgs).values({ slug: 'after-big', name: 'after' }));
      await waitFor('both replicas out of rotation', () => router.report().every((n) => n.role !== 'replica' || !n.serving), 10_000);
      const during = readsOn();
      await router.read((q) => q.select().from(orgs).limit(1));
      expect(readsOn()).toEqual([during[0]! + 1, during[1], during[2]]);
    } finally {
      await Promise.all(cluster.info.replicas.map(resumeReplay));
    }
    await waitFor('replicas back in rotation once caught up', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
  });

  it('shows growing lag in seconds for a replica that stops replaying, or receives nothing while it re-attaches, and takes it out of rotation past REPLICA_MAX_LAG_S', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'lagsec');
    const router = open({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      FLAGSHIP_REGION: 'eu',
      DB_HEALTH_INTERVAL_MS: '100',
      REPLICA_MAX_LAG_S: '1',
    });
    await router.admin.verify();
    await router.admin.migrate();
    await waitFor('both replicas serving', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
    const orgs = router.tables.orgs;
    const [eu, us] = [hostOf(replicaUrls[0]!), hostOf(replicaUrls[1]!)];
    // Writes keep coming, small ones: the byte bound (16 MB) never applies here, only the seconds.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await router.write((tx) => tx.insert(orgs).values({ slug: `lag-${written++}`, name: 'x' }));
        await sleep(20);
      }
    })();
    const behind = (name: string) => nodeOf(router, name).lagSeconds ?? Number.POSITIVE_INFINITY;
    const us2 = cluster.info.replicas[1]!;
    let upstream: string | undefined;
    try {
      // Replay paused on eu: it still receives, replays nothing.
      await pauseReplay(cluster.info.replicas[0]!);
      await waitFor('eu behind by more than 1 s and out of rotation', () => behind(eu) > 1 && !nodeOf(router, eu).serving, 10_000);
      const first = behind(eu);
      await waitFor('eu lag growing', () => behind(eu) > first + 0.5, 10_000);
      // Reads meanwhile go to the us replica, which keeps up.
      const before = nodeOf(router, us).readsServed;
      await router.read((q) => q.select().from(orgs).limit(1));
      expect(nodeOf(router, us).readsServed).toBe(before + 1);
      await resumeReplay(cluster.info.replicas[0]!);
      await waitFor('eu back in rotation once it replayed', () => nodeOf(router, eu).serving && behind(eu) < 1, 10_000);

      // us re-attaching: its WAL receiver cannot reach an upstream, so it receives nothing and has nothing to replay.
      // Its own replay timestamps cannot tell; the primary's positions over time can.
      upstream = (await queryOne<{ v: string }>(us2.url, 'select current_setting($1) as v', ['primary_conninfo'])).v;
      await queryOne(us2.url, "alter system set primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'");
      await queryOne(us2.url, 'select pg_reload_conf()');
      await waitFor('us behind by more than 1 s and out of rotation', () => behind(us) > 1 && !nodeOf(router, us).serving, 15_000);
      const stuck = behind(us);
      await waitFor('us lag growing', () => behind(us) > stuck + 0.5, 10_000);
      expect(nodeOf(router, us).lagBytes).toBeLessThan(16_777_216);
    } finally {
      await resumeReplay(cluster.info.replicas[0]!).catch(() => undefined);
      if (upstream !== undefined) await queryOne(us2.url, `alter system set primary_conninfo = '${upstream.replace(/'/g, "''")}'`);
      await queryOne(us2.url, 'select pg_reload_conf()');
      writing = false;
      await writer;
    }
    await waitFor('us back in rotation once re-attached', () => nodeOf(router, us).serving, 20_000).catch(async (e: unknown) => {
      const state = await queryOne(
        us2.url,
        "select current_setting('primary_conninfo') as c, pg_last_wal_receive_lsn()::text as r, pg_last_wal_replay_lsn()::text as p",
      );
      throw new Error(`${(e as Error).message}: ${JSON.stringify(nodeOf(router, us))} ${JSON.stringify(state)}`);
    });
    console.info(`lag in seconds: ${written} writes while one replica paused and the other re-attached`);
  });

  it('serves credentials reads from a replica that replayed every security change, from the primary after one it has not, and while the listener is down', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'secpos');
    const router = open({ DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_HEALTH_INTERVAL_MS: '100' });
    await router.admin.verify();
    await router.admin.migrate(scalingMigrations());
    const { orgs, members, tokens } = router.tables;
    const [org] = await router.write((tx) => tx.insert(orgs).values({ slug: 'sec', name: 'sec' }).returning());
    const [member] = await router.write((tx) =>
      tx.insert(members).values({ orgId: org!.id, email: 'a@example.com', name: 'a', role: 'owner', active: true }).returning(),
    );
    const eu = hostOf(replicaUrls[0]!);
    await waitFor('a security position, replayed by the eu replica', () => router.securityFloor !== undefined && nodeOf(router, eu).serving, 10_000);
    const lookup = (hash: string) => router.read((q) => q.select().from(tokens).where(eq(tokens.hash, hash)), { fresh: 'credentials' });
    const onEu = async (hash: string) => {
      const before = nodeOf(router, eu).readsServed;
      const rows = await lookup(hash);
      return { rows: rows.length, onEu: nodeOf(router, eu).readsServed > before };
    };
    await waitFor('credentials read from the eu replica', async () => (await onEu('none')).onEu, 10_000);

    await Promise.all(cluster.info.replicas.map(pauseReplay));
    try {
      // A new token: the replicas have not replayed it, so they may not answer for it.
      const floor = router.securityFloor!;
      await router.write((tx) => tx.insert(tokens).values({ orgId: org!.id, memberId: member!.id, name: 't', hash: 'h1' }));
      expect(router.securityFloor).toBeGreaterThan(floor);
      expect(await onEu('h1')).toEqual({ rows: 1, onEu: false });
      // A write that is no security change (last use) moves nothing.
      const after = router.securityFloor;
      await router.write((tx) => tx.update(tokens).set({ lastUsedAt: new Date() }).where(eq(tokens.hash, 'h1')));
      expect(router.securityFloor).toBe(after);
    } finally {
      await Promise.all(cluster.info.replicas.map(resumeReplay));
    }
    await waitFor('the new token read from the eu replica once replayed', async () => (await onEu('h1')).onEu, 10_000);

    // The listener cut: no security position until it is back and has read the primary's.
    await queryOne(url, "select pg_terminate_backend(pid) from pg_stat_activity where application_name like '%listener flagship_security'");
    await waitFor('no security position while the listener is down', () => router.securityFloor === undefined, 10_000);
    await waitFor('a security position again once it reconnected', () => router.securityFloor !== undefined, 20_000);
  });

  it('answers a security change once a bounded wait runs out when a listener never acknowledges it, and says so', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'secack');
    const lines: string[] = [];
    const router = open(
      { DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), DB_HEALTH_INTERVAL_MS: '100' },
      createLogger('warn', 1, { write: (line: string) => void lines.push(line) }),
    );
    await router.admin.verify();
    await router.admin.migrate(scalingMigrations());
    const { orgs, members, tokens } = router.tables;
    const [org] = await router.write((tx) => tx.insert(orgs).values({ slug: 'ack', name: 'ack' }).returning());
    const [member] = await router.write((tx) =>
      tx.insert(members).values({ orgId: org!.id, email: 'a@example.com', name: 'a', role: 'owner', active: true }).returning(),
    );
    await waitFor('a security position', () => router.securityFloor !== undefined, 10_000);
    const unacknowledged = () => lines.filter((l) => l.includes('not every instance acknowledged a security change in time; answering anyway'));

    // Another instance that listens and never answers (frozen, say): counted as a listener, it never acknowledges.
    const { name } = await queryOne<{ name: string }>(
      url,
      "select application_name as name from pg_stat_activity where application_name like '%listener flagship_security' limit 1",
    );
    const frozen = new pg.Client({ connectionString: url, application_name: name });
    await frozen.connect();
    try {
      await frozen.query('LISTEN flagship_security');
      await router.write((tx) => tx.insert(tokens).values({ orgId: org!.id, memberId: member!.id, name: 't', hash: 'late' }));
      expect(unacknowledged().map((l) => JSON.parse(l) as { acknowledged: number; listeners: number })).toEqual([
        expect.objectContaining({ acknowledged: 1, listeners: 2 }),
      ]);
    } finally {
      await frozen.end();
    }
    // Every listener answers again: the next change is acknowledged in full, with nothing to say.
    await router.write((tx) => tx.insert(tokens).values({ orgId: org!.id, memberId: member!.id, name: 't', hash: 'prompt' }));
    expect(unacknowledged()).toHaveLength(1);
    await router.close();
  });

  it("serves a read elsewhere when its replica's pool is full, once: the next node's answer, or the refusal when it is full too", async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'fullpool');
    const router = open({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      FLAGSHIP_REGION: 'eu',
      DB_POOL_MAX: '1',
      DB_POOL_QUEUE_MAX: '0',
      DB_HEALTH_INTERVAL_MS: '1000',
    });
    await router.admin.verify();
    await waitFor('both replicas serving', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
    const [eu, us] = replicaUrls.map(hostOf) as [string, string];
    // Which server answered, named as the report names nodes (host:port; the harness's servers share one host).
    const port = (q: Queryable) =>
      postgresHandle(q)
        .execute<{ port: number }>(sql`select inet_server_port() as port`)
        .then((r) => `${new URL(url).hostname}:${r.rows[0]!.port}`);
    // What a caller holding a node's only connection does: a read that takes its time there.
    const hold = async (node: string): Promise<{ done: Promise<unknown> }> => {
      const done = router.read((q) => postgresHandle(q).execute(sql`select pg_sleep(1.5)`));
      await waitFor(`${node}'s only connection in use`, () => nodeOf(router, node).inUse === 1, 5_000);
      return { done };
    };
    const euHeld = await hold(eu);
    // The eu replica is the local one, so chosen first; its pool is full, and the read goes to the us replica.
    expect(await router.read(port)).toBe(us);
    // With both replicas full, the one retry meets a full pool too: the caller gets the pool's refusal, a 503.
    const usHeld = await hold(us);
    await expect(router.read(port)).rejects.toThrow(/all 1 database connections are busy and 0 callers already wait for one/);
    await Promise.all([euHeld.done, usHeld.done]);
    expect(await router.read(port)).toBe(eu);
    await router.close();
  });

  it('bounds the queue: 1,000 concurrent transactions on a pool of 10 with room for 200 waiting; the rest are refused at once, none hangs, nothing leaks', async () => {
    const { url, replicaUrls } = await freshDatabase(cluster.info, 'queue');
    const router = open({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      DB_POOL_MAX: '10',
      DB_POOL_QUEUE_MAX: '200',
      DB_CONNECT_TIMEOUT_MS: '30000',
    });
    await router.admin.verify();
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, () => router.transaction((tx) => postgresHandle(tx).execute(sql`select pg_sleep(0.02)`))),
    );
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as Error);
    const served = results.length - refused.length;
    expect(refused.filter((e) => !(e instanceof DatabaseUnavailableError))).toEqual([]);
    expect(refused[0]?.message).toMatch(/all 10 database connections are busy and 200 callers already wait for one; retry shortly/);
    // A tenant is not told the installation's load.
    expect((refused[0] as DatabaseUnavailableError).publicMessage).toBe('the server is too busy to take this request now; retry shortly');
    expect((refused[0] as DatabaseUnavailableError).retryAfter).toBeGreaterThan(0);
    expect(served).toBeGreaterThanOrEqual(210);
    expect(refused.length).toBeGreaterThanOrEqual(700);

    const appConnections = (state: string) =>
      queryOne<{ n: number }>(
        url,
        `select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'flagship/source' and state ${state}`,
        [databaseOf(url)],
      );
    expect((await appConnections("<> 'idle'")).n).toBe(0);
    expect((await appConnections("= 'idle'")).n).toBeLessThanOrEqual(10);
    expect(router.report().every((n) => n.inUse === 0 && n.waiting === 0)).toBe(true);
    await router.close();
    await waitFor('every connection closed', async () => (await appConnections('is not null')).n === 0, 10_000);
  });

  it('counts the time without a primary by the longer of two clocks: a wall clock stepped back does not make the primary seen again, one run on (a suspended machine) counts', async () => {
    // A server of its own, stopped here (the shared topology's primary serves the other tests).
    const own = await startPostgres({ replicas: 0 });
    try {
      const { url } = await freshDatabase(own.info, 'clock');
      const router = open({ DATABASE_URL: url, DB_HEALTH_INTERVAL_MS: '60000' });
      await router.admin.verify();
      expect(router.monitor.primaryAbsentMs()).toBe(0);
      await stopNode(own.info, 'primary', 'immediate');
      await router.monitor.round();
      const absent = router.monitor.primaryAbsentMs();
      expect(absent).toBeGreaterThan(0);
      // An NTP step, or an operator setting the clock: an hour back.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3_600_000 });
      try {
        expect(router.monitor.primaryAbsentMs()).toBeGreaterThanOrEqual(absent);
      } finally {
        vi.useRealTimers();
      }
      // The wall clock an hour on while the monotonic one stood still, as after a suspend.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_600_000 });
      try {
        expect(router.monitor.primaryAbsentMs()).toBeGreaterThanOrEqual(3_600_000);
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await own.close();
    }
  });
});
