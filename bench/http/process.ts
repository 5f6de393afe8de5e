// The servers under load, each a process of its own on a port picked here, its stdout discarded (so the runner
// reads none of flagship's log lines while it generates load) and its stderr kept for the reason of a failed start.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { statFields, trackChild } from '../processes.js';

export interface BenchServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number | undefined;
  /** CPU time the process has used so far (user + system), in ms; null where /proc is not there to say. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/** Linux reports a process's CPU time in clock ticks of 1/100 s (USER_HZ) in /proc/<pid>/stat. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = statFields(pid);
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** A port free right now: the OS picks it, we release it and hand it to the server. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not pick a free TCP port');
  return address.port;
}

/** Resolves once `url` answers 200, or rejects with the process's stderr when it exits or does not come up. */
async function waitUntilUp(name: string, proc: ChildProcess, url: string, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${stderr()}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Launch {
  readonly name: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** Path answering 200 once the server takes traffic. */
  readonly readyPath: string;
}

export async function launch({ name, args, env, cwd, readyPath }: Launch): Promise<BenchServer> {
  const port = await freePort();
  const proc = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    // The IPC channel is the server's leash (src/server/lifecycle.ts, and the baseline's own): when the bench ends,
    // however it ends, even killed, the channel closes and the server stops instead of running on, orphaned.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  trackChild(proc);
  let errors = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(name, proc, url + readyPath, () => errors, 60_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const exited = once(proc, 'exit');
  return {
    name,
    url,
    pid: proc.pid,
    cpuMs: () => cpuMsOf(proc.pid),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
