// The prod bundle when PostgreSQL ends its connections under load (a restart, a failover, pg_terminate_backend, a
// proxy recycling connections): the process stays up, every request gets its answer or a 503 with Retry-After, and
// every acknowledged write is there afterwards, numbered without gaps.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { createDatabase } from '../support/postgres/index.js';
import { databaseOf, queryOne, sleep } from '../support/postgres/sql.js';
import { startServer, type RunningServer } from '../support/server-process.js';

describe.runIf(DIALECTS.includes('postgres'))('prod bundle when PostgreSQL terminates its connections', () => {
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    url = await createDatabase(inject('pg'), `lost_${Date.now()}`);
    server = await startServer(inject('bundles').prod!, { env: { DATABASE_URL: url, DB_POOL_MAX: '4' } });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stays up through a burst of task creations while every connection is terminated again and again', async () => {
    const { owner } = await newOrg(new Client(server.url), 'lost');
    const project = (await owner.post('/v1/projects', { name: 'Lost', key: 'LOST' })).body.id as string;

    let stop = false;
    const statuses: number[] = [];
    const missingRetryAfter: number[] = [];
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const res = await owner.post(`/v1/projects/${project}/tasks`, { title: `w${w} #${i}`, labels: ['a', 'b'] }).catch((err: unknown) => {
          throw new Error(`request failed (${String(err)}); server output:\n${server.output.slice(-60).join('\n')}`);
        });
        statuses.push(res.status);
        if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter.push(res.status);
      }
    });
    let kills = 0;
    const killer = (async () => {
      for (let round = 0; round < 15; round++) {
        await sleep(100);
        const row = await queryOne<{ n: string }>(
          url,
          'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [databaseOf(url)],
        );
        kills += Number(row.n);
      }
      stop = true;
    })();
    await Promise.all([killer, ...writers]);

    expect(kills).toBeGreaterThan(0);
    expect(server.proc.exitCode, server.output.slice(-20).join('\n')).toBeNull();
    expect(server.proc.signalCode).toBeNull();
    // A request caught by a terminated connection is a 503 the client may retry; nothing else but a 201.
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(missingRetryAfter).toEqual([]);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);

    // Recovery without a restart, and every acknowledged create is there, numbered 1..n.
    await server.ready(10_000);
    const after = await owner.post(`/v1/projects/${project}/tasks`, { title: 'after' });
    expect(after.status).toBe(201);
    const created = statuses.filter((s) => s === 201).length;
    expect(after.body.number).toBe(created + 1);
    const numbers: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ number: number }>; nextCursor: string | null } } = await owner.get(
        `/v1/projects/${project}/tasks?sort=number&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      numbers.push(...page.body.items.map((t) => t.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(numbers).toEqual(Array.from({ length: created + 1 }, (_, i) => i + 1));
  });
});
