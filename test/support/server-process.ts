// Runs a built bundle as a real process and talks HTTP to it: the way users run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait.js';

export interface RunningServer {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Every line the process printed so far (stdout and stderr). */
  readonly output: string[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves once GET /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly args?: string[];
  readonly cwd?: string;
  /** Run as this user and group (the tests run as root on CI, where file modes mean nothing to root). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Every suite's clients come from 127.0.0.1 and sign up far more often than a person would: the rate limits are off
 * unless a test sets them (test/reliability/security.test.ts does).
 */
const UNLIMITED = { SIGNUP_RATE_LIMIT: '0', AUTH_FAILURE_RATE_LIMIT: '0' };

export async function startServer(bundle: string, options: StartOptions = {}): Promise<RunningServer> {
  const proc = spawn(process.execPath, [bundle, ...(options.args ?? [])], {
    cwd: options.cwd,
    ...(options.uid !== undefined && options.gid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...UNLIMITED, ...options.env },
    // The IPC channel is the server's leash (src/server/lifecycle.ts): when this process ends, however it ends, the
    // channel closes and the server stops. A vitest bench file cannot stop its servers itself (bench mode runs no
    // teardown hooks), and a test process that dies would otherwise leave its servers running.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  let url: string | undefined;
  let onUrl: ((u: string) => void) | undefined;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      const m = /flagship listening on (http:\/\/[^"\s]+)/.exec(line);
      if (m?.[1] && !url) {
        url = m[1];
        onUrl?.(url);
      }
    }
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  url = await Promise.race([
    new Promise<string>((resolve) => (onUrl = resolve)),
    exited.then((code) => {
      throw new Error(`server exited with ${code} before listening:\n${output.join('\n')}`);
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`server did not listen within 30 s:\n${output.join('\n')}`)), 30_000).unref()),
  ]);
  const base = url;
  return {
    url: base,
    proc,
    output,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async ready(timeoutMs = 30_000) {
      let last = 'no answer';
      await waitFor(
        `${base}/readyz answering 200`,
        async () => {
          const res = await fetch(`${base}/readyz`);
          last = `${res.status} ${await res.text()}`;
          return res.status === 200;
        },
        timeoutMs,
        100,
        () => `it said ${last} last\n${output.slice(-20).join('\n')}`,
      );
    },
  };
}

/** Runs a bundle to completion (for --help, --version, migrate, bad config). */
export async function runBundle(bundle: string, args: string[], options: StartOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [bundle, ...args], {
    cwd: options.cwd,
    // Port 0 as startServer does: a command that ends up serving must not collide with a server already on 3000.
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = await once(proc, 'exit');
  return { code: code as number | null, stdout, stderr };
}
