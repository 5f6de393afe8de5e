// Losing the primary (a topology of its own: these tests stop it and promote a replica). Writes answer 503 while no
// node answers read-write and reads keep working from replicas, fresh ones from the most caught-up, a read in flight
// on the dying primary retried there; writes follow the primary back, or follow a promoted
// replica, without a restart, and never go to two primaries; a LISTEN follows the primary to a promoted replica.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { scalingMigrations } from '../../src/scaling/migrations.js';
import { DatabaseUnavailableError } from '../../src/db/errors.js';
import type { ReplicaRouter } from '../../src/scaling/router.js';
import { DIALECTS } from '../support/dialects.js';
import { freezeNode, startNode, startPostgres, stopNode, type PgTopologyInfo } from '../support/postgres/index.js';
import { queryOne } from '../support/postgres/sql.js';
import { freshDatabase, replicaSetting, routerFor } from './topology.js';
import { waitFor } from '../support/wait.js';

const ACQUIRE_TIMEOUT_MS = 5000;

// Stopping servers needs ones this harness started from binaries (not TEST_DATABASE_URL's, not a container's).
const stoppable = DIALECTS.includes('postgres') && inject('pg')?.controllable === true;
if (DIALECTS.includes('postgres') && !stoppable)
  console.warn(`${'test/scaling/failover.test.ts'}: skipped, PostgreSQL from ${inject('pg')?.source} cannot be stopped and started by the harness`);

describe.runIf(stoppable)('replica router when the primary goes away', () => {
  let cluster: { info: PgTopologyInfo; close(): Promise<void> };
  let router: ReplicaRouter;
  let url: string;
  let replicaUrls: string[];
  const write = (slug: string = randomUUID()) => router.write((tx) => tx.insert(router.tables.orgs).values({ slug, name: 'w' }).returning());

  beforeAll(async () => {
    cluster = await startPostgres({ replicas: 2 });
    ({ url, replicaUrls } = await freshDatabase(cluster.info, 'failover'));
    router = routerFor({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      FLAGSHIP_REGION: 'eu',
      DB_HEALTH_INTERVAL_MS: '200',
      DB_CONNECT_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
    });
    await router.admin.verify();
    await router.admin.migrate(scalingMigrations());
    await write('seed');
    await waitFor('both replicas serving', () => router.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
  });
  afterAll(async () => {
    await router?.close();
    await cluster?.close();
  });

  it('discards a pooled connection that finds its server read-only, and re-checks the node', async () => {
    await write();
    const primary = router.monitor.primary!;
    const pooled = primary.pool.totalCount;
    expect(pooled).toBeGreaterThan(0);
    // What a demoted primary looks like to a connection opened before: writes refused as read-only (SQLSTATE 25006).
    await queryOne(url, 'alter system set default_transaction_read_only = on');
    await queryOne(url, 'select pg_reload_conf()');
    try {
      await waitFor(
        'the server refusing writes',
        () =>
          write().then(
            () => false,
            (e: unknown) => e instanceof DatabaseUnavailableError && /read-only/.test((e as Error).message),
          ),
        10_000,
      );
      expect(primary.pool.totalCount).toBeLessThan(pooled);
    } finally {
      await queryOne(url, 'alter system reset default_transaction_read_only');
      await queryOne(url, 'select pg_reload_conf()');
    }
    await waitFor(
      'writes accepted again',
      () =>
        write().then(
          () => true,
          () => false,
        ),
      10_000,
    );
  });

  it('answers writes with 503 within the acquire timeout while the primary is stopped, keeps reading from replicas (fresh reads too), and writes again once it is back', async () => {
    // A fresh read (what a token lookup is) in flight on the primary when it stops: retried on a replica, not lost.
    const inFlight = router.read((q) => postgresHandle(q).execute(sql`select pg_sleep(1.5), 1 as one`), { fresh: true });
    await waitFor(
      'the fresh read running on the primary',
      async () =>
        (await queryOne<{ n: number }>(url, "select count(*)::int as n from pg_stat_activity where query like '%pg_sleep(1.5)%' and pid <> pg_backend_pid()"))
          .n > 0,
      10_000,
    );
    await stopNode(cluster.info, 'primary', 'fast');
    expect((await inFlight).rows).toMatchObject([{ one: 1 }]);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const err = await write().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(Date.now() - started).toBeLessThan(ACQUIRE_TIMEOUT_MS);
    }
    const orgs = router.tables.orgs;
    for (let i = 0; i < 20; i++) expect(await router.read((q) => q.select().from(orgs).where(eq(orgs.slug, 'seed')))).toHaveLength(1);
    // Reads that want every committed write: no primary can commit anything now, so the most caught-up replica serves.
    for (let i = 0; i < 20; i++) expect(await router.read((q) => q.select().from(orgs).where(eq(orgs.slug, 'seed')), { fresh: true })).toHaveLength(1);
    expect(await router.health()).toMatchObject({
      ok: true,
      reads: true,
      writes: false,
      primary: null,
      replicasUp: 2,
      detail: expect.stringMatching(/read-only/),
    });
    expect(router.serves()).toEqual({ reads: true, writes: false });
    // The stopped primary is not "the primary" any more: it does not answer.
    const primaryName = `${new URL(url).hostname}:${new URL(url).port}`;
    expect(router.report().find((n) => n.node === primaryName)).toMatchObject({ role: 'unreachable', healthy: false, serving: false, lagSeconds: null });

    await startNode(cluster.info, 'primary');
    const resuming = Date.now();
    await waitFor(
      'writes resume on the restarted primary',
      () =>
        write().then(
          () => true,
          () => false,
        ),
      20_000,
    );
    console.info(`primary restarted: writes resumed after ${Date.now() - resuming} ms`);
  });

  it('answers a write with 503 soon after DB_STATEMENT_TIMEOUT_MS while the primary is frozen, and a fresh read from a replica, with DB_QUERY_TIMEOUT_MS unset', async () => {
    const frozenRouter = routerFor({
      DATABASE_URL: url,
      DATABASE_REPLICAS: replicaSetting(replicaUrls),
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_CONNECT_TIMEOUT_MS: '3000',
      DB_HEALTH_INTERVAL_MS: '200',
    });
    try {
      await frozenRouter.admin.verify();
      // A pooled connection to the primary, so the write below waits on a query, not on a connect.
      await frozenRouter.write((tx) => tx.insert(frozenRouter.tables.orgs).values({ slug: randomUUID(), name: 'warm' }));
      await waitFor('both replicas serving', () => frozenRouter.report().filter((n) => n.role === 'replica' && n.serving).length === 2, 10_000);
      const thaw = freezeNode(cluster.info, 'primary');
      try {
        // Bounded well below the 35 s the client-side timeout used to keep whatever the statement timeout said.
        const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 15 s'), 15_000).unref());
        const orgs = frozenRouter.tables.orgs;
        const [written, read] = await Promise.all([
          Promise.race([
            frozenRouter
              .write((tx) => tx.insert(orgs).values({ slug: randomUUID(), name: 'frozen' }))
              .then(
                () => 'written',
                (e: unknown) => e,
              ),
            deadline,
          ]),
          Promise.race([frozenRouter.read((q) => q.select().from(orgs).where(eq(orgs.slug, 'seed')), { fresh: true }).then((rows) => rows.length), deadline]),
        ]);
        expect(written).toBeInstanceOf(DatabaseUnavailableError);
        expect(read).toBe(1);
      } finally {
        thaw();
      }
    } finally {
      await frozenRouter.close();
    }
    // The suite's own router saw the freeze too: on to the next test once it takes writes again.
    await waitFor('the primary answering again', () => router.serves().writes, 20_000);
  });

  it('sends writes to a replica promoted after the primary is gone, within 10 s, and keeps them there when the old primary returns', async () => {
    // A listener (enterprise's RBAC cache holds one) follows the primary to the promoted replica.
    const heard: string[] = [];
    let connections = 0;
    const sub = await router.notifications.listen('flagship_failover_test', {
      message: (p) => heard.push(p),
      connected: () => connections++,
      disconnected: () => undefined,
    });
    await waitFor('the listener connected', () => connections === 1, 10_000);
    await waitFor('a security position', () => router.securityFloor !== undefined, 10_000);
    await stopNode(cluster.info, 'primary', 'immediate');
    // Its listener gone with the primary, the router can prove nothing of security changes: no position.
    await waitFor('no security position while the primary is gone', () => router.securityFloor === undefined, 10_000);
    const promoted = replicaUrls[0]!;
    await queryOne(promoted, 'select pg_promote(true, 30)');
    const resuming = Date.now();
    await waitFor(
      'writes resume on the promoted replica',
      () =>
        write().then(
          () => true,
          () => false,
        ),
      10_000,
    );
    console.info(`replica promoted: writes resumed after ${Date.now() - resuming} ms`);
    const name = `${new URL(promoted).hostname}:${new URL(promoted).port}`;
    expect(router.report().find((n) => n.node === name)).toMatchObject({ role: 'primary', serving: true });
    try {
      await waitFor('the listener on the promoted replica', () => connections >= 2, 15_000);
      // The security position starts again from the promoted primary's own position.
      await waitFor('a security position on the promoted primary', () => router.securityFloor !== undefined, 15_000);
      await router.write((tx) => router.notifications.notify(tx, 'flagship_failover_test', 'after promotion'));
      await waitFor('the notice heard', () => heard.length > 0, 10_000);
      expect(heard).toEqual(['after promotion']);
    } finally {
      await sub.close();
    }

    // The old primary comes back read-write: a second primary the router must not write to.
    await startNode(cluster.info, 'primary');
    const old = `${new URL(url).hostname}:${new URL(url).port}`;
    await waitFor('the old primary seen again', () => router.report().find((n) => n.node === old)?.healthy === true, 10_000);
    const slug = `after-${randomUUID()}`;
    await write(slug);
    const count = async (u: string) => (await queryOne<{ n: number }>(u, 'select count(*)::int as n from orgs where slug = $1', [slug])).n;
    expect(await count(promoted)).toBe(1);
    expect(await count(url)).toBe(0);
    expect(
      router
        .report()
        .filter((n) => n.role === 'primary' && n.serving)
        .map((n) => n.node),
    ).toEqual([name]);
  });
});
