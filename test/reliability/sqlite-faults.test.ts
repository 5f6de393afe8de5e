// The dev bundle when its SQLite file fails under load: the disk fills up (a file size limit set on the running
// process with prlimit, which makes every write past it fail with EFBIG exactly as a full disk fails with ENOSPC), the
// file made unwritable, and a second server process writing the same file. Each time the process stays up, every request gets its answer or a
// 503 with Retry-After, /readyz tells the truth, it recovers without a restart, and no acknowledged write is lost.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { allTasks, expectNothingLost, startWriteLoad } from '../support/load.js';
import { readyz, untilReadyz } from '../support/readiness.js';
import { resolveRunAs } from '../support/postgres/run-as.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

function hasPrlimit(): boolean {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const PRLIMIT = process.platform === 'linux' && hasPrlimit();
if (!PRLIMIT) console.warn('sqlite-faults: the disk-full test is skipped: it needs Linux and `prlimit` (Debian package util-linux)');

describe.runIf(DIALECTS.includes('sqlite'))('dev bundle when its SQLite file fails under load', () => {
  let cwd: string;
  let server: RunningServer;
  let owner: Client;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'flagship-sqlite-faults-'));
    server = await startServer(inject('bundles').dev!, { cwd, env: { DATABASE_URL: 'sqlite:./faults.db' } });
    await server.ready();
    ({ owner } = await newOrg(new Client(server.url), 'faults'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  function expectAlive(s: RunningServer): void {
    expect(s.proc.exitCode, s.output.slice(-20).join('\n')).toBeNull();
    expect(s.proc.signalCode).toBeNull();
  }

  it.runIf(PRLIMIT)('disk full: writes are 503s with Retry-After, /readyz says writes fail, and both recover when there is room', async () => {
    const project = (await owner.post('/v1/projects', { name: 'Full', key: 'FULL' })).body.id as string;
    const load = startWriteLoad(owner, project, { workers: 4 });
    await load.created(20);
    // Any write past the first 8 KiB of any file fails: WAL frames past that, and a checkpoint growing the database.
    const limit = 8192;
    expect(statSync(path.join(cwd, 'faults.db-wal')).size).toBeGreaterThan(limit);
    const pid = String(server.proc.pid);
    execFileSync('prlimit', ['--pid', pid, `--fsize=${limit}:unlimited`]);
    let full: { status: number; body: any };
    try {
      await waitFor(
        `writes failing with the file size limit at ${limit} bytes`,
        () => load.outcomes.some((o) => o.status === 503),
        30_000,
        50,
        () => `${JSON.stringify(load.outcomes.slice(-3))} ${server.output.slice(-5).join('\n')}`,
      );
      full = await untilReadyz(server, 503);
      // Reads still work while writes fail.
      expect((await owner.get(`/v1/projects/${project}/tasks?limit=1`)).status).toBe(200);
    } finally {
      execFileSync('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited']);
    }
    expect(full.body.reason).toMatch(/writes are failing: .*(SQLITE_FULL|SQLITE_IOERR)/);
    await untilReadyz(server, 200);
    await load.created(20);
    const outcomes = await load.stop();
    expectAlive(server);
    expectNothingLost(outcomes, await allTasks(owner, project));
  });

  it('file made unwritable: the running server keeps its open file; a restart on it says why it is not ready and becomes ready once it is writable again', async () => {
    // File modes bind everyone but root: as root (CI), the servers here run as the harness's unprivileged user.
    const runAs = await resolveRunAs();
    const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
    const dir = mkdtempSync(path.join(tmpdir(), 'flagship-unwritable-'));
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    // The unprivileged user may not reach the checkout (a clone in a private folder), so it runs a copy of the
    // self-contained dev folder that lives beside its database.
    const app = path.join(dir, 'app');
    cpSync(path.dirname(inject('bundles').dev!), app, { recursive: true });
    const bundle = path.join(app, path.basename(inject('bundles').dev!));
    const env = { DATABASE_URL: 'sqlite:./locked.db', DB_START_RETRY_MS: '0' };
    const first = await startServer(bundle, { cwd: dir, env, ...ids });
    let second: RunningServer | undefined;
    try {
      await first.ready();
      const { owner: mine } = await newOrg(new Client(first.url), 'locked');
      const project = (await mine.post('/v1/projects', { name: 'Locked', key: 'LOCK' })).body.id as string;
      chmodSync(path.join(dir, 'locked.db'), 0o444);
      // What was open stays writable: the server goes on, and says so.
      expect((await mine.post(`/v1/projects/${project}/tasks`, { title: 'w0-0', labels: ['a', 'b', 'c'] })).status).toBe(201);
      expect((await readyz(first)).status).toBe(200);
      expect(await first.stop()).toBe(0);

      second = await startServer(bundle, { cwd: dir, env, ...ids });
      const down = await untilReadyz(second, 503);
      await waitFor(
        'start-up retrying',
        async () => /attempt 2/.test((await readyz(second!)).body.reason ?? ''),
        30_000,
        100,
        async () => JSON.stringify((await readyz(second!)).body),
      );
      expect(down.body.reason).toMatch(/readonly database/);
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      chmodSync(path.join(dir, 'locked.db'), 0o644);
      await untilReadyz(second, 200);
      const again = new Client(second.url, (mine as unknown as { token: string }).token);
      expect((await again.post(`/v1/projects/${project}/tasks`, { title: 'w0-1', labels: ['a', 'b', 'c'] })).status).toBe(201);
      expect((await allTasks(again, project)).map((t) => t.number)).toEqual([1, 2]);
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  it('two server processes on one file: both answer, writes serialise across them, numbering stays gap-free', async () => {
    const second = await startServer(inject('bundles').dev!, { cwd, env: { DATABASE_URL: 'sqlite:./faults.db' } });
    try {
      await second.ready();
      const project = (await owner.post('/v1/projects', { name: 'Twin', key: 'TWIN' })).body.id as string;
      const other = new Client(second.url, (owner as unknown as { token: string }).token);
      const loads = [startWriteLoad(owner, project, { workers: 4 }), startWriteLoad(other, project, { workers: 4 })];
      await Promise.all(loads.map((l) => l.created(40)));
      const outcomes = (await Promise.all(loads.map((l) => l.stop()))).flat();
      expect((await readyz(server)).status).toBe(200);
      expect((await readyz(second)).status).toBe(200);
      expectAlive(server);
      expectAlive(second);
      // Each process sees the other's writes.
      const fromFirst = await allTasks(owner, project);
      expect(await allTasks(other, project)).toEqual(fromFirst);
      expectNothingLost(outcomes, fromFirst);
    } finally {
      await second.stop();
    }
  });
});
