// The scaling router against what a user would otherwise pick, on the harness's primary and two streaming replicas,
// side by side in one run (`npm run bench`): a read-heavy mix on pg.Pool against the primary alone, on drizzle's
// withReplicas (random replica, no health, lag or read-your-writes) and on our router (region, health, lag bounds,
// read-your-writes positions). Then how reads spread over the nodes (PostgreSQL's own pg_stat_database counts), and
// the pool under contention (10x more callers than connections): acquire wait and errors, pg.Pool against ours.
//
// Setup is at module level: vitest's bench mode does not run beforeAll/afterAll hooks.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { postgresHandle } from '../src/db/postgres/handle.js';
import { drizzle } from 'drizzle-orm/node-postgres';
import { withReplicas } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { bench, describe, inject } from 'vitest';
import * as schema from '../src/db/postgres/schema.js';
import { DIALECTS } from '../test/support/dialects.js';
import { commits, freshDatabase, replicaSetting, routerFor } from '../test/scaling/topology.js';

const POOL = 10;
const BATCH = 20;
// BENCH_QUICK (npm run bench -- --quick): fewer iterations, to check the wiring.
const scale = process.env.BENCH_QUICK ? 0.1 : 1;
const options = { iterations: 300 * scale, warmupIterations: 30 * scale, time: 0 };

// Two streaming replicas: any source that gives them (TEST_DATABASE_URL may give none).
const replicated = DIALECTS.includes('postgres') && (inject('pg')?.replicas.length ?? 0) >= 2;
if (DIALECTS.includes('postgres') && !replicated)
  console.warn(`bench/scaling.bench.ts: skipped, PostgreSQL from ${inject('pg')?.source} has fewer than 2 replicas`);

if (replicated) {
  const info = inject('pg');
  const { url, replicaUrls } = await freshDatabase(info, 'bench_scaling');
  const env = { DATABASE_URL: url, DATABASE_REPLICAS: replicaSetting(replicaUrls), FLAGSHIP_REGION: 'eu', DB_POOL_MAX: String(POOL) };
  const setup = routerFor(env);
  await setup.admin.verify();
  await setup.admin.migrate();
  const [org] = await setup.write((tx) => tx.insert(setup.tables.orgs).values({ slug: 'bench', name: 'bench' }).returning());
  await setup.close();
  const { waitForReplay } = await import('../test/support/postgres/index.js');
  await waitForReplay(info);
  const orgId = org!.id;
  const orgs = schema.orgs;
  const drizzleOn = (pool: pg.Pool) => drizzle({ client: pool, schema: schema.tables, casing: 'snake_case' });

  /** One contender: a read by primary key and a one-row write transaction. */
  interface Contender {
    read(): Promise<unknown>;
    write(): Promise<unknown>;
    close(): Promise<void>;
  }
  const contenders: Record<string, () => Contender> = {
    'pg.Pool on the primary alone (drizzle)': () => {
      const pool = new pg.Pool({ connectionString: url, max: POOL });
      const db = drizzleOn(pool);
      return {
        read: () => db.select().from(orgs).where(eq(orgs.id, orgId)),
        write: () => db.transaction((tx) => tx.insert(orgs).values({ slug: randomUUID(), name: 'w' })),
        close: () => pool.end(),
      };
    },
    'drizzle withReplicas (random replica)': () => {
      const pools = [url, ...replicaUrls].map((u) => new pg.Pool({ connectionString: u, max: POOL }));
      const [primary, r1, r2] = pools.map(drizzleOn) as [ReturnType<typeof drizzleOn>, ReturnType<typeof drizzleOn>, ReturnType<typeof drizzleOn>];
      const db = withReplicas(primary, [r1, r2]);
      return {
        read: () => db.select().from(orgs).where(eq(orgs.id, orgId)),
        write: () => db.transaction((tx) => tx.insert(orgs).values({ slug: randomUUID(), name: 'w' })),
        close: async () => {
          await Promise.all(pools.map((p) => p.end()));
        },
      };
    },
    'flagship router, FLAGSHIP_REGION=eu (reads on the eu replica)': () => routed(env),
    'flagship router, no region (reads on both replicas)': () => routed({ ...env, FLAGSHIP_REGION: '' }),
  };

  function routed(settings: Record<string, string>): Contender {
    {
      const router = routerFor(settings);
      const ready = router.admin.verify();
      return {
        read: () => ready.then(() => router.read((q) => q.select().from(router.tables.orgs).where(eq(router.tables.orgs.id, orgId)))),
        write: () => ready.then(() => router.write((tx) => tx.insert(router.tables.orgs).values({ slug: randomUUID(), name: 'w' }))),
        close: () => router.close(),
      };
    }
  }

  /** 18 reads and 2 writes at once. */
  const batch = (c: Contender) => Promise.all(Array.from({ length: BATCH }, (_, i) => (i % 10 === 9 ? c.write() : c.read())));

  // How reads spread, counted by each server: a fixed mix on fresh pools, closed before counting (a backend reports
  // its statistics when it exits).
  const spread: string[] = [];
  for (const [name, make] of Object.entries(contenders)) {
    const before = await Promise.all([url, ...replicaUrls].map(commits));
    const c = make();
    for (let i = 0; i < 50; i++) await batch(c);
    await c.close();
    const after = await Promise.all([url, ...replicaUrls].map(commits));
    const d = after.map((n, i) => n - before[i]! - 1);
    spread.push(`| ${name} | ${d[0]} | ${d[1]} | ${d[2]} |`);
  }
  console.log(
    [
      '',
      'Transactions per node for 900 reads + 100 writes (pg_stat_database):',
      '| contender | primary | replica eu | replica us |',
      '| --- | --- | --- | --- |',
      ...spread,
    ].join('\n'),
  );

  describe(`read-heavy mix: ${BATCH} concurrent queries (90% point reads, 10% one-row writes), pools of ${POOL}`, () => {
    for (const [name, make] of Object.entries(contenders)) {
      const c = make();
      bench(
        name,
        async () => {
          await batch(c);
        },
        options,
      );
    }
  });

  // Contention: 40 callers on 4 connections, each holding its connection for a transaction around a 2 ms query.
  const CALLERS = 40;
  const CONNS = 4;
  const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  async function contention(name: string, acquire: (hold: () => Promise<void>) => Promise<void>): Promise<string> {
    const waits: number[] = [];
    let errors = 0;
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          const asked = performance.now();
          await acquire(async () => {
            waits.push(performance.now() - asked);
          }).catch(() => errors++);
        }),
      );
    }
    return `| ${name} | ${percentile(waits, 50).toFixed(1)} ms | ${percentile(waits, 99).toFixed(1)} ms | ${errors} |`;
  }
  const pgPool = new pg.Pool({ connectionString: url, max: CONNS, connectionTimeoutMillis: 5000 });
  const rows = [
    await contention('pg.Pool', async (hold) => {
      const client = await pgPool.connect();
      try {
        await hold();
        // The same transaction as the router's, so both hold a connection as long.
        await client.query('begin');
        await client.query('select pg_sleep(0.002)');
        await client.query('commit');
      } finally {
        client.release();
      }
    }),
  ];
  await pgPool.end();
  const router = routerFor({ ...env, DB_POOL_MAX: String(CONNS), DB_CONNECT_TIMEOUT_MS: '5000' });
  await router.admin.verify();
  rows.push(
    await contention('flagship router (queue bound 200)', (hold) =>
      router.transaction(async (tx) => {
        await hold();
        await postgresHandle(tx).execute(sql`select pg_sleep(0.002)`);
      }),
    ),
  );
  await router.close();
  console.log(
    [
      '',
      `Pool under contention: ${CALLERS} callers, ${CONNS} connections, a transaction around a 2 ms query each, 30 rounds:`,
      '| pool | p50 acquire wait | p99 acquire wait | errors |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
}
