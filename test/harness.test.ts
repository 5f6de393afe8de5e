// The PostgreSQL harness itself, against the real servers it starts: replication, read-only replicas, paused replay,
// stopping and starting nodes, and cleanup both by close() and by the watchdog when the owning process is killed.
// DIALECTS=sqlite narrows a local run to SQLite; these need PostgreSQL and run whenever it is in the set (the default).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  pauseReplay,
  replicaUrl,
  resumeReplay,
  startNode,
  startPostgres,
  stopNode,
  waitForReplay,
  type PgNodeInfo,
  type PgTopologyInfo,
} from './support/postgres/index.js';
import { isAlive, processesMentioning } from './support/postgres/procs.js';
import { replayTarget } from './support/postgres/replication.js';
import { queryOne, withClient } from './support/postgres/sql.js';
import { DIALECTS } from './support/dialects.js';
import { waitFor } from './support/wait.js';

async function exec(url: string, sql: string, values?: unknown[]): Promise<void> {
  await withClient(url, (c) => c.query(sql, values));
}

async function valueOf(url: string, id: number): Promise<string | undefined> {
  const row = await queryOne<{ v: string } | undefined>(url, 'select v from items where id = $1', [id]);
  return row?.v;
}

function postmasterPid(dataDir: string): number | undefined {
  const text = existsSync(path.join(dataDir, 'postmaster.pid')) ? readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8') : '';
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

/** Every live process belonging to a topology: postmasters (named by their data dir), their children, the watchdog. */
function processesOf(info: PgTopologyInfo): number[] {
  const pids = new Set(processesMentioning(info.tempDir!));
  for (const node of [info.primary, ...info.replicas]) {
    const pid = node.dataDir && postmasterPid(node.dataDir);
    if (pid) pids.add(pid);
  }
  return [...pids].filter(isAlive);
}

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL test harness', () => {
  let info: PgTopologyInfo;
  let close: () => Promise<void>;
  let db: string;
  const startedHere = (): boolean => info.controllable && info.tempDir !== undefined;
  /** Skips a test that needs servers this harness started itself, saying why. */
  const skipUnlessStartedHere = (ctx: { skip(note?: string): never }, what: string): void => {
    if (startedHere()) return;
    const why = `${what}: skipped, PostgreSQL from ${info.source} is not started by the harness from binaries, so it cannot stop, start or clean up its servers`;
    console.warn(why);
    ctx.skip(why);
  };

  beforeAll(async () => {
    ({ info, close } = await startPostgres({ replicas: 2 }));
    // Unique, so a rerun against long-lived servers (TEST_DATABASE_URL) does not collide with an earlier run.
    db = await createDatabase(info, `harness_${process.pid}_${Date.now()}`);
    await exec(db, 'create table items (id int primary key, v text not null)');
  }, 90_000);

  afterAll(async () => {
    await close?.();
  });

  it('describes a primary and two replicas on distinct local ports', () => {
    expect(info.replicas).toHaveLength(2);
    const ports = [info.primary, ...info.replicas].map((n) => n.port);
    expect(new Set(ports).size).toBe(3);
    if (startedHere()) expect(info.primary.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/flagship_test$/);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it('replicates a write on the primary to both replicas', async () => {
    await exec(db, "insert into items values (1, 'replicated')");
    await waitForReplay(info);
    for (const replica of info.replicas) expect(await valueOf(replicaUrl(db, replica), 1)).toBe('replicated');
  });

  it('keeps replicas in recovery, refusing writes with 25006', async () => {
    expect((await queryOne<{ r: boolean }>(info.primary.url, 'select pg_is_in_recovery() as r')).r).toBe(false);
    for (const replica of info.replicas) {
      const url = replicaUrl(db, replica);
      expect((await queryOne<{ r: boolean }>(url, 'select pg_is_in_recovery() as r')).r).toBe(true);
      const error = await exec(url, "insert into items values (99, 'nope')").catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('25006');
    }
  });

  it('holds back a replica with paused replay until it is resumed', async () => {
    const [paused, other] = info.replicas as [PgNodeInfo, PgNodeInfo];
    await pauseReplay(paused);
    try {
      await exec(db, "insert into items values (2, 'while paused')");
      const written = await replayTarget(info.primary.url);
      // The paused replica has received the WAL holding the write, so only the pause explains not seeing it.
      await waitFor(
        'paused replica received the write',
        async () => (await queryOne<{ ok: boolean }>(paused.url, 'select pg_last_wal_receive_lsn() >= $1::pg_lsn as ok', [written])).ok,
      );
      await waitFor('other replica shows the write', async () => (await valueOf(replicaUrl(db, other), 2)) === 'while paused');
      expect(await valueOf(replicaUrl(db, paused), 2)).toBeUndefined();
      await expect(waitForReplay(info, 300)).rejects.toThrow(new RegExp(`${paused.name} has replayed up to .* paused \\(call resumeReplay\\)`));
    } finally {
      await resumeReplay(paused);
    }
    await waitForReplay(info);
    expect(await valueOf(replicaUrl(db, paused), 2)).toBe('while paused');
  });

  it('stops and starts a replica, which then catches up', async (ctx) => {
    skipUnlessStartedHere(ctx, 'stopping and starting a replica');
    await expect(stopNode({ ...info, controllable: false }, 'replica2')).rejects.toThrow(/cannot stop or start them/);
    await expect(stopNode(info, 'replica9')).rejects.toThrow(/no node named "replica9"; this topology has primary, replica1, replica2/);

    const replica = info.replicas[1]!;
    await stopNode(info, replica.name);
    const refused = await exec(replica.url, 'select 1').catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    await exec(db, "insert into items values (3, 'while stopped')");
    await startNode(info, replica.name);
    await waitForReplay(info);
    expect(await valueOf(replicaUrl(db, replica), 3)).toBe('while stopped');
  });

  it('close() stops every server and removes the temp dir', async (ctx) => {
    skipUnlessStartedHere(ctx, 'close() removing the temp dir');
    const before = processesOf(info);
    // Three postmasters at least, plus their children and the watchdog.
    expect(before.length).toBeGreaterThan(3);
    await close();
    expect(before.filter(isAlive)).toEqual([]);
    expect(processesOf(info)).toEqual([]);
    expect(existsSync(info.tempDir!)).toBe(false);
  });

  it('cleans up through the watchdog when the owning process is killed', async (ctx) => {
    skipUnlessStartedHere(ctx, 'the watchdog');
    // A separate node process owns this topology; vite (which vitest runs on) loads the TypeScript harness there.
    const script = `
      import { createServer } from 'vite';
      const server = await createServer({ configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom',
        server: { middlewareMode: true, hmr: false, watch: null }, optimizeDeps: { noDiscovery: true, include: [] } });
      const { startPostgres } = await server.ssrLoadModule('/test/support/postgres/index.ts');
      const { info } = await startPostgres({ replicas: 1 });
      process.stdout.write(JSON.stringify(info) + '\\n');
      setInterval(() => {}, 60_000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, PG_HARNESS_BIN_SOURCE: info.source },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the child printed its topology', () => stdout.includes('\n') || child.exitCode !== null, 60_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
    }
    expect(child.exitCode, stderr).toBeNull();
    const childInfo = JSON.parse(stdout.split('\n')[0]!) as PgTopologyInfo;
    const pids = processesOf(childInfo);
    expect(pids.length).toBeGreaterThan(2);
    await exec(childInfo.primary.url, 'select 1');

    child.kill('SIGKILL');
    await exited;
    await waitFor("the killed owner's servers are gone", () => pids.filter(isAlive).length === 0 && processesOf(childInfo).length === 0);
    await waitFor("the killed owner's temp dir is gone", () => !existsSync(childInfo.tempDir!));
  }, 90_000);
});
