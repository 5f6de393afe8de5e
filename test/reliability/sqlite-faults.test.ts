// The dev bundle when its SQLite file fails under load: the disk fills up (a file size limit set on the running
// process with prlimit, which makes every write past it fail with EFBIG exactly as a full disk fails with ENOSPC), and
// a second server process writing the same file. Each time the process stays up, every request gets its answer or a
// 503 with Retry-After, /readyz tells the truth, it recovers without a restart, and no acknowledged write is lost.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, newOrg } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { allTasks, expectNothingLost, startWriteLoad } from '../support/load.js';
import { startServer, type RunningServer } from '../support/server-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function readyz(server: RunningServer): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.json() };
}

async function untilReadyz(server: RunningServer, status: number, timeoutMs = 30_000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readyz(server);
    if (r.status === status) return r;
    if (Date.now() > deadline) throw new Error(`/readyz still ${r.status} (${JSON.stringify(r.body)}) after ${timeoutMs} ms, wanted ${status}`);
    await sleep(100);
  }
}

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
      for (const deadline = Date.now() + 30_000; !load.outcomes.some((o) => o.status === 503); ) {
        if (Date.now() > deadline) throw new Error(`writes never failed with the file size limit at ${limit} bytes: ${JSON.stringify(load.outcomes.slice(-3))} ${server.output.slice(-5).join("\n")}`);
        await sleep(50);
      }
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
