// The harness's own servers (test/support/server-process.ts, which the system tests and the benches start bundles
// with) stop with the process that started them, however it ends: a vitest bench file has no teardown to stop them,
// and a test process that is killed has none either.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { isAlive } from '../support/postgres/procs.js';
import { waitFor } from '../support/wait.js';

const harness = pathToFileURL(fileURLToPath(new URL('../support/server-process.ts', import.meta.url))).href;

describe('servers started by the test harness', () => {
  it.each([
    // It ends when told to, once its server has been seen answering, as a vitest worker ends: with process.exit.
    { how: 'ends by itself, its servers still running', kill: false, then: "process.stdin.once('data', () => process.exit(0));" },
    { how: 'is killed (kill -9)', kill: true, then: 'setInterval(() => {}, 1000);' },
  ])('stop when the process that started them $how', async ({ kill, then }) => {
    const bundle = inject('bundles').dev!;
    const script = [
      `const { startServer } = await import(${JSON.stringify(harness)});`,
      `const s = await startServer(${JSON.stringify(bundle)}, { args: ['--database-url', 'sqlite::memory:'] });`,
      `await s.ready();`,
      `console.log(JSON.stringify({ url: s.url, pid: s.proc.pid }));`,
      then,
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const { url, pid } = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      parent.stdout.on('data', (c: Buffer) => resolve(JSON.parse(c.toString()) as { url: string; pid: number }));
      parent.on('exit', (code) => reject(new Error(`the parent exited (${code}) before its server was ready`)));
    }).catch((err: unknown) => {
      parent.kill('SIGKILL');
      throw err;
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    if (kill) parent.kill('SIGKILL');
    else parent.stdin.end('end\n');
    // A deadline, not a timing: the server goes once it sees its parent's channel close.
    await waitFor(`server ${pid} gone after the process that started it ended`, () => !isAlive(pid)).catch((err: unknown) => {
      process.kill(pid, 'SIGKILL');
      throw err;
    });
  });
});
