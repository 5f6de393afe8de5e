// The reference production topology of deploy/, tested as an operator runs it: three PostgreSQL members under
// Patroni on etcd (synchronous_mode on), the prod bundle with DATABASE_URL listing all three, writers and readers
// calling it throughout. For a leader crash (kill -9 of its Patroni and PostgreSQL) and for a planned switchover
// (patronictl): the process stays up, reads answer 200 throughout, writes answer 2xx or 503 with Retry-After and
// resume within a second of Patroni's promotion, no acknowledged write is missing on any member, consistency tokens
// from before are honoured after, the old leader serves reads again as a replica, and /readyz says at every step
// what the instance can serve. Each scenario prints its measured outage.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newMember, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { HAPROXY_MISSING, haproxyBinary, patroniMissing, startPatroniCluster, type PatroniCluster } from '../support/patroni.js';
import { waitFor } from '../support/wait.js';
import { queryOne, withClient } from '../support/postgres/sql.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { Traffic, servesOf, type Acknowledged } from './traffic.js';

const why = !DIALECTS.includes('postgres') ? 'DIALECTS leaves PostgreSQL out' : await patroniMissing();
if (why) console.warn(`test/ha/patroni-failover.test.ts: skipped, the Patroni cluster of deploy/ cannot be started: ${why}`);
else if (!haproxyBinary()) console.warn(`test/ha/patroni-failover.test.ts: the checks of deploy/haproxy/haproxy.cfg are skipped: ${HAPROXY_MISSING}`);

// Short enough to keep the suite quick, long enough that a busy machine does not trigger failovers of its own:
// loop_wait + 2 * retry_timeout <= ttl, as Patroni requires. A crash is noticed after about ttl seconds.
const TIMING = { ttl: 10, loopWait: 1, retryTimeout: 4 };
// How long the server may take to notice that the primary is gone, before /readyz must say so: a few of its health
// checks (DB_HEALTH_INTERVAL_MS below) on a loaded machine.
const NOTICE_MS = 1000;
const HEALTH_INTERVAL_MS = 200;
const APP_PASSWORD = `app-${randomUUID()}`;

const ok = (status: number) => status >= 200 && status < 300;

describe.runIf(!why)('deploy/ topology: three Patroni members on etcd, the prod bundle over all three', () => {
  let cluster: PatroniCluster;
  let server: RunningServer;
  let owner: Client;
  let writers: Client[];
  let readers: Client[];
  let projectId: string;
  const figures: string[] = [];

  const pools = async (): Promise<Array<{ node: string; role: string; serving: boolean; readsServed: number }>> => {
    const r = await owner.get('/v1/admin/pools', { timeoutMs: 10_000 });
    if (r.status !== 200) throw new Error(`/v1/admin/pools answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.nodes;
  };
  const nodeOf = (member: string) => `127.0.0.1:${cluster.member(member).pgPort}`;
  const servingReplicas = async () => (await pools()).filter((n) => n.role === 'replica' && n.serving);

  beforeAll(async () => {
    cluster = await startPatroniCluster(TIMING);
    const leader = await cluster.leader();
    // What deploy/README.md has the operator run once on the leader: the application's role and database.
    await withClient(cluster.superuserUrl(leader!), async (client) => {
      await client.query(`create role flagship login password '${APP_PASSWORD}'`);
      await client.query('create database flagship owner flagship');
    });
    const hosts = cluster.members.map((m) => `127.0.0.1:${m.pgPort}`).join(',');
    server = await startServer(inject('bundles').prod!, {
      env: { DATABASE_URL: `postgres://flagship:${APP_PASSWORD}@${hosts}/flagship`, DB_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS) },
    });
    await server.ready(60_000);
    const api = new Client(server.url);
    ({ owner } = await newOrg(api, 'ha'));
    const project = await owner.post('/v1/projects', { name: 'Failover', key: 'HA' });
    if (project.status !== 201) throw new Error(`creating the project failed: ${project.status} ${JSON.stringify(project.body)}`);
    projectId = project.body.id;
    writers = await Promise.all(Array.from({ length: 4 }, async () => (await newMember(owner, 'member')).client));
    readers = await Promise.all(Array.from({ length: 4 }, async () => (await newMember(owner, 'viewer')).client));
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await cluster?.close();
    if (figures.length > 0) console.log(`[ha] measured outages (Patroni ttl ${TIMING.ttl} s, loop_wait ${TIMING.loopWait} s):\n${figures.join('\n')}`);
  }, 60_000);

  /** Polls the candidates until one leaves recovery: the moment Patroni's promotion took effect in PostgreSQL. */
  async function promotion(candidates: string[]): Promise<{ name: string; at: number }> {
    return waitFor(
      `one of ${candidates.join(', ')} promoted`,
      async () => {
        // All candidates at once, and the time the poll was sent: the promotion happened before it, and writes are
        // measured from the earlier time.
        const polled = Date.now();
        const rows = await Promise.all(
          candidates.map((name) => queryOne<{ r: boolean }>(cluster.superuserUrl(name), 'select pg_is_in_recovery() as r').catch(() => undefined)),
        );
        const index = rows.findIndex((row) => row?.r === false);
        return index === -1 ? undefined : { name: candidates[index]!, at: polled };
      },
      90_000,
      50,
    );
  }

  const viaHaproxy = (port: number) => `postgres://postgres:${encodeURIComponent(cluster.superuserPassword)}@127.0.0.1:${port}/postgres`;

  /** Polls HAProxy's primary port until it reaches a member other than `leader` that takes writes: when it followed. */
  async function haproxyFollows(leader: string): Promise<number> {
    return waitFor(
      "HAProxy's primary port reaching the new leader",
      async () => {
        const polled = Date.now();
        const row = await queryOne<{ port: number; r: boolean }>(
          viaHaproxy(cluster.haproxy!.primaryPort),
          'select inet_server_port() as port, pg_is_in_recovery() as r',
        ).catch(() => undefined);
        return row && row.port !== cluster.member(leader).pgPort && !row.r ? polled : undefined;
      },
      90_000,
      50,
    );
  }

  /** Polls the leader until it stops answering as a primary: from then on no primary is reachable until the promotion. */
  async function leaderGone(name: string): Promise<number> {
    return waitFor(
      `${name} no longer answering as the primary`,
      async () => {
        const polled = Date.now();
        const row = await queryOne<{ r: boolean }>(cluster.superuserUrl(name), 'select pg_is_in_recovery() as r').catch(() => undefined);
        return row?.r === false ? undefined : polled;
      },
      90_000,
      50,
    );
  }

  /** Acknowledged writes (of `acked`) that member `name` does not have, once it had `timeoutMs` to catch up. */
  async function missingOn(name: string, acked: readonly Acknowledged[], timeoutMs: number): Promise<string[]> {
    const ids = acked.map((a) => a.id);
    const present = async () =>
      withClient(cluster.superuserUrl(name, 'flagship'), async (c) => {
        const { rows } = await c.query<{ id: string }>('select id from tasks where id = any($1::text[])', [ids]);
        return new Set(rows.map((r) => r.id));
      });
    const all = await waitFor(
      `${name} having every acknowledged write`,
      async () => ((await present()).size === ids.length ? true : undefined),
      timeoutMs,
      250,
    ).catch(() => false);
    if (all) return [];
    const seen = await present();
    return ids.filter((id) => !seen.has(id));
  }

  /** Reads each task with the token its write was acknowledged with, as another caller: the token alone must route. */
  async function tokensRefused(acked: readonly Acknowledged[]): Promise<string[]> {
    const refused: string[] = [];
    for (const a of acked) {
      const r = await readers[0]!.get(`/v1/tasks/${a.id}`, { headers: a.token ? { 'x-consistency-token': a.token } : {}, timeoutMs: 30_000 });
      if (r.status !== 200 || r.body?.id !== a.id) refused.push(`${a.id} (token ${a.token}): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    return refused;
  }

  /**
   * One failover under traffic. `candidates` names the members that may be promoted, watched from before `act` so the
   * promotion's time is not taken late; `recover` brings the old leader back where the event took it away.
   */
  async function failover(
    label: string,
    candidates: (leader: string) => Promise<string[]>,
    act: (leader: string, candidates: string[]) => Promise<void>,
    recover: (leader: string) => Promise<void>,
  ): Promise<void> {
    const before = await cluster.healthy(120_000);
    // synchronous_mode is on and has a standby: the zero-loss claim below is made under it.
    expect(before.some((m) => m.role === 'sync_standby')).toBe(true);
    const leader = before.find((m) => m.role === 'leader')!.name;
    await waitFor(
      'the server sees one primary and two serving replicas',
      async () => {
        const nodes = await pools();
        return nodes.some((n) => n.role === 'primary' && n.serving && n.node === nodeOf(leader)) &&
          nodes.filter((n) => n.role === 'replica' && n.serving).length >= 2
          ? true
          : undefined;
      },
      60_000,
    );

    const traffic = new Traffic(server.url, projectId, writers, readers);
    let eventAt = 0;
    let goneAt = 0;
    let promoted = { name: '', at: 0 };
    let resumed: Acknowledged | undefined;
    let tokens: Acknowledged[];
    let refusedRightAfter: string[];
    let rejoined: boolean;
    let haproxyAt: number | undefined;
    let haproxyReplica: boolean | undefined;
    try {
      await waitFor(
        'traffic flowing before the failover',
        async () => (traffic.acknowledged.length >= 20 && traffic.reads.filter((r) => r.status === 200).length >= 20 ? true : undefined),
        60_000,
      );
      // The newest acknowledged write of each writer, with its token, taken just before the event.
      tokens = [...new Map(traffic.acknowledged.map((a) => [a.writer, a])).values()];
      const watched = await candidates(leader);
      eventAt = Date.now();
      const promoting = promotion(watched);
      const going = leaderGone(leader);
      const following = cluster.haproxy ? haproxyFollows(leader) : undefined;
      following?.catch(() => undefined);
      await act(leader, watched);
      promoted = await promoting;
      goneAt = await going;
      haproxyAt = await following?.catch(() => undefined);
      resumed = await waitFor('a write acknowledged after the promotion', async () => traffic.acknowledged.find((a) => a.at >= promoted.at), 30_000, 20);
      refusedRightAfter = await tokensRefused(tokens);
      await recover(leader);
      // The old leader back, as a replica of the new one, and serving this server's reads again.
      await waitFor(
        `${leader} running as a replica`,
        async () => {
          const s = await cluster.state();
          const m = s.find((x) => x.name === leader);
          return m && m.state === 'running' && m.role !== 'leader' && typeof m.lag === 'number' && m.lag < 1_048_576 ? true : undefined;
        },
        120_000,
        250,
      );
      const readsThen = (await pools()).find((n) => n.node === nodeOf(leader) && n.role === 'replica')?.readsServed ?? 0;
      rejoined = await waitFor(
        `${leader} serving reads again`,
        async () => ((await servingReplicas()).some((n) => n.node === nodeOf(leader) && n.readsServed > readsThen) ? true : undefined),
        60_000,
        250,
      ).catch(() => false);
      if (cluster.haproxy) {
        const port = cluster.haproxy.replicaPort;
        haproxyReplica = await waitFor(
          "HAProxy's replica port reaching a replica",
          async () => ((await queryOne<{ r: boolean }>(viaHaproxy(port), 'select pg_is_in_recovery() as r')).r ? true : undefined),
          30_000,
        ).catch(() => false);
      }
      await waitFor('/readyz 200 again', async () => (traffic.readiness.at(-1)?.status === 200 ? true : undefined), 30_000);
      const acknowledgedSoFar = traffic.acknowledged.length;
      await waitFor('writes flowing after the failover', async () => (traffic.acknowledged.length >= acknowledgedSoFar + 20 ? true : undefined), 30_000);
    } finally {
      await traffic.stop();
    }

    const writeOutage = Traffic.longestGap(traffic.writes, eventAt - 1000);
    const readOutage = Traffic.longestGap(traffic.reads, eventAt - 1000);
    const failedReads = traffic.reads.filter((r) => r.status !== 200);
    const badWrites = traffic.writes.filter((w) => !ok(w.status) && !(w.status === 503 && w.retryAfter !== null));
    const unavailable = traffic.writes.filter((w) => w.status === 503).length;
    const lost = Object.fromEntries(
      await Promise.all(cluster.members.map(async (m) => [m.name, await missingOn(m.name, traffic.acknowledged, 60_000)] as const)),
    );
    const lostCount = Math.max(...Object.values(lost).map((l) => l.length));
    const resumeMs = resumed ? resumed.at - promoted.at : NaN;
    const figure =
      `${label}: ${leader} gone ${goneAt - eventAt} ms and ${promoted.name} promoted ${promoted.at - eventAt} ms after the event; writes out ${writeOutage} ms ` +
      `(${unavailable} answered 503), back ${resumeMs} ms after the promotion; reads: ${failedReads.length} of ${traffic.reads.length} failed, ` +
      `longest gap ${readOutage} ms; ${traffic.acknowledged.length} writes acknowledged, ${lostCount} of them missing on a member`;
    const haproxyFigure = cluster.haproxy
      ? `; HAProxy's primary port on the new leader ${haproxyAt === undefined ? 'never' : `${haproxyAt - promoted.at} ms after the promotion`}`
      : '';
    figures.push(figure + haproxyFigure);
    console.log(`[ha] ${figure}${haproxyFigure}`);

    const samples = traffic.readiness;
    const steady = samples.filter((s) => s.at < eventAt);
    // The promotion's time is when the poll that saw it was sent; an instance's own health check may see the new
    // leader a moment before that poll does. A sample naming the new leader as its primary is right to take writes.
    const newLeader = `:${cluster.member(promoted.name).pgPort}`;
    const namesNewLeader = (body: unknown) => String((body as { database?: { primary?: unknown } } | null)?.database?.primary ?? '').endsWith(newLeader);
    const outage = samples.filter((s) => s.at > goneAt + NOTICE_MS && s.at < promoted.at && !namesNewLeader(s.body));
    const last = samples.at(-1)!;

    // Failures list a few offenders, with times relative to the event, rather than every sample.
    const ms = (at: number) => `${at - eventAt >= 0 ? '+' : ''}${at - eventAt} ms`;
    const answers = (list: typeof failedReads) => list.slice(0, 5).map((a) => `${ms(a.start)}: ${a.status} ${a.detail}`);
    const readiness = (list: typeof samples) => list.slice(0, 5).map((s) => `${ms(s.at)}: ${s.status} ${JSON.stringify(s.body).slice(0, 300)}`);
    const wrongReadiness = (list: typeof samples, reads: boolean, writes: boolean, status?: number) =>
      list.filter(
        (s) => s.status === 0 || (status !== undefined && s.status !== status) || servesOf(s.body).reads !== reads || servesOf(s.body).writes !== writes,
      );

    expect.soft(server.proc.exitCode, 'the server process stays up').toBeNull();
    expect.soft(answers(badWrites), `writes answer 2xx, or 503 with Retry-After (${badWrites.length} did not)`).toEqual([]);
    expect.soft(answers(failedReads), `reads answer 200 throughout (${failedReads.length} of ${traffic.reads.length} did not)`).toEqual([]);
    expect.soft(resumeMs, 'writes resume within 1 s of the promotion').toBeLessThanOrEqual(1000);
    expect
      .soft(lost, 'no acknowledged write is missing on any member (synchronous_mode)')
      .toEqual(Object.fromEntries(cluster.members.map((m) => [m.name, []])));
    expect.soft(refusedRightAfter, 'consistency tokens from before the failover honoured right after it').toEqual([]);
    expect.soft(await tokensRefused(tokens), 'consistency tokens from before the failover honoured at the end').toEqual([]);
    expect.soft(rejoined, `${leader}, back as a replica, serves reads again`).toBe(true);
    if (cluster.haproxy) {
      expect.soft(haproxyAt, 'deploy/haproxy/haproxy.cfg: the primary port reaches the new leader').toBeDefined();
      expect.soft(haproxyReplica, 'deploy/haproxy/haproxy.cfg: the replica port reaches a replica').toBe(true);
    }
    // Readiness at every step: before, while no primary can be reached, and after. The body says which of reads and
    // writes the instance serves (`reads`, `writes`); the status while read-only is the server's documented choice.
    expect.soft(readiness(wrongReadiness(steady, true, true, 200)), '/readyz before the event: 200, reads and writes').toEqual([]);
    expect.soft(readiness(wrongReadiness(outage, true, false)), '/readyz while no primary answers: reads yes, writes no').toEqual([]);
    expect.soft(readiness(wrongReadiness([last], true, true, 200)), '/readyz after: 200, reads and writes').toEqual([]);
  }

  it('a leader crash (kill -9 of its Patroni and PostgreSQL): reads never stop, writes come back, nothing acknowledged is lost', async () => {
    await failover(
      'leader crash (kill -9)',
      async (leader) => cluster.members.map((m) => m.name).filter((n) => n !== leader),
      (leader) => cluster.crash(leader),
      (leader) => cluster.start(leader),
    );
  }, 300_000);

  it('a planned switchover (patronictl switchover): the same, and the old leader serves reads as a replica', async () => {
    await failover(
      'switchover (patronictl)',
      // The synchronous standby: the one member Patroni lets take over without losing a commit.
      async () => [(await cluster.state()).find((m) => m.role === 'sync_standby')!.name],
      async (leader, [candidate]) => {
        await cluster.switchover(leader, candidate!);
      },
      async () => undefined,
    );
  }, 300_000);
});
