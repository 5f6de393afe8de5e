// The servers `npm run bench` puts under load (bench/http/process.ts: each bundle and the hand-written baseline) stop
// with the bench process, however it ends: a bench killed with kill -9 runs no handler, and its servers used to run on,
// orphaned, after it.
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
    bench.stdout.on('data', (c: Buffer) => resolve(JSON.parse(c.toString()) as Array<{ url: string; pid: number }>));
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
