// What `npm run bench` starts stops with it, however it ends (a bench killed with kill -9 runs no handler): the servers
// it puts under load (bench/http/process.ts: each bundle and the hand-written baseline), which used to run on,
// orphaned, after it; and the vitest run of the other benches, with everything in its process group
// (test/support/bench-leash.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, inject, it } from 'vitest';
import { isAlive } from '../support/postgres/procs.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const launcher = pathToFileURL(path.join(ROOT, 'bench/http/process.ts')).href;
const vitestLeash = pathToFileURL(path.join(ROOT, 'test/support/bench-leash.ts')).href;

it('stops the bundle and the baseline it started when the bench process is killed', async () => {
  const databaseUrl = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'flagship-bench-leash-')), 'b.db')}`;
  const script = [
    `const { launch } = await import(${JSON.stringify(launcher)});`,
    `const env = { DATABASE_URL: ${JSON.stringify(databaseUrl)} };`,
    `const flagship = await launch({ name: 'flagship', args: [${JSON.stringify(inject('bundles').dev!)}], env, readyPath: '/readyz' });`,
    // The baseline serves the database flagship migrated.
    `const baseline = await launch({ name: 'baseline', args: ['--import', 'tsx', ${JSON.stringify(path.join(ROOT, 'bench/baseline/server.ts'))}], env, cwd: ${JSON.stringify(ROOT)}, readyPath: '/healthz' });`,
    `console.log(JSON.stringify([flagship, baseline].map((s) => ({ url: s.url, pid: s.pid }))));`,
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const bench = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const servers = await new Promise<Array<{ url: string; pid: number }>>((resolve, reject) => {
    // The line may come in more than one piece.
    let printed = '';
    bench.stdout.on('data', (c: Buffer) => {
      printed += c.toString();
      if (printed.endsWith('\n')) resolve(JSON.parse(printed) as Array<{ url: string; pid: number }>);
    });
    bench.on('exit', (code) => reject(new Error(`the bench process exited (${code}) before its servers were up`)));
  }).catch((err: unknown) => {
    bench.kill('SIGKILL');
    throw err;
  });
  try {
    expect((await fetch(`${servers[0]!.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${servers[1]!.url}/healthz`)).status).toBe(200);
    bench.kill('SIGKILL');
    // A deadline, not a timing: each server goes once it sees the channel to the bench close.
    for (const { pid } of servers) await waitFor(`server ${pid} gone after the bench was killed`, () => !isAlive(pid));
  } finally {
    for (const { pid } of servers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

it("ends vitest's process group, a process it started too, when the channel to the bench closes", async () => {
  // Stands in for vitest as bench/run.ts starts it: a group leader with an IPC channel and FLAGSHIP_BENCH_LEASH, whose
  // global setup is the leash; it starts a process of its own, in its group, as a bench worker would.
  const script = [
    `const { default: setup } = await import(${JSON.stringify(vitestLeash)});`,
    'setup();',
    "const worker = (await import('node:child_process')).spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });",
    'process.send({ worker: worker.pid });',
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const vitest = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', FLAGSHIP_BENCH_LEASH: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const pids = [vitest.pid!];
  try {
    const worker = await new Promise<number>((resolve, reject) => {
      vitest.once('message', (m: { worker: number }) => resolve(m.worker));
      vitest.once('exit', (code) => reject(new Error(`the stand-in for vitest exited (${code}) before it started its worker`)));
    });
    pids.push(worker);
    expect(isAlive(worker)).toBe(true);
    // The channel closes, as it does when the bench dies.
    vitest.disconnect();
    for (const pid of pids) await waitFor(`process ${pid} of the group gone once the channel closed`, () => !isAlive(pid));
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});
