// A server must stop on SIGTERM whatever state its log destination is in. The case from the field: a harness that
// started servers died, their stdout reader went with it, and SIGTERM no longer stopped them (the log destination
// retried the failed write at exit for ever). Here the built bundle runs under load while its stdout reader is closed,
// or stops reading with the pipe full, and must exit within SHUTDOWN_TIMEOUT_MS of the SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, inject, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const SHUTDOWN_TIMEOUT_MS = 3000;
/** The exit must come within SHUTDOWN_TIMEOUT_MS; this much more is allowed for a busy machine. */
const SLACK_MS = 15_000;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const proc of started.splice(0)) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});

/** The dev bundle logging every request to a stdout pipe this process holds. */
async function serve(): Promise<{ proc: ChildProcess; url: string; exit: Promise<{ code: number | null; signal: string | null }> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flagship-dead-stdout-'));
  const readyFile = path.join(dir, 'ready.json');
  const proc = spawn(
    process.execPath,
    [inject('bundles').dev!, 'serve', '--port', '0', '--host', '127.0.0.1', '--database-url', 'sqlite::memory:', '--ready-file', readyFile],
    { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(proc);
  const exit = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await waitFor(
    'the ready file',
    async () => {
      if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}) before it was ready: ${stderr}`);
      const text = await readFile(readyFile, 'utf8').catch(() => undefined);
      return text === undefined ? undefined : (JSON.parse(text) as { url: string }).url;
    },
    30_000,
  );
  return { proc, url, exit };
}

/** Concurrent requests, each one a log line, until `stop()`; counts the answers. */
function load(url: string, connections = 16): { readonly answered: number; stop(): Promise<void> } {
  let going = true;
  let answered = 0;
  const loops = Array.from({ length: connections }, async () => {
    while (going) {
      const ok = await fetch(`${url}/healthz`)
        .then((r) => r.text())
        .then(() => true)
        .catch(() => false);
      if (!ok) return;
      answered++;
    }
  });
  return {
    get answered() {
      return answered;
    },
    async stop() {
      going = false;
      await Promise.all(loops);
    },
  };
}

async function exitsWithinTimeout(exit: Promise<{ code: number | null; signal: string | null }>): Promise<{ code: number | null; signal: string | null }> {
  const limit = SHUTDOWN_TIMEOUT_MS + SLACK_MS;
  const outcome = await Promise.race([exit, new Promise<'still running'>((r) => setTimeout(() => r('still running'), limit).unref())]);
  if (outcome === 'still running') throw new Error(`the server was still running ${limit} ms after SIGTERM`);
  return outcome;
}

it('stdout reader closed under load: SIGTERM stops the server (each of several rounds)', { timeout: 120_000 }, async () => {
  // The window is a race (lines pending at the exit, the failed write not yet seen), so it is opened several times.
  for (let round = 0; round < 4; round++) {
    const { proc, url, exit } = await serve();
    const traffic = load(url);
    await waitFor('requests answered', () => (traffic.answered >= 200 ? true : undefined), 30_000);
    proc.stdout!.destroy();
    proc.kill('SIGTERM');
    const outcome = await exitsWithinTimeout(exit);
    await traffic.stop();
    expect(outcome.signal, `round ${round}`).toBeNull();
    expect([0, 1], `round ${round}: exit code ${outcome.code}`).toContain(outcome.code);
  }
});

it('stdout reader stalled with the pipe full, under load: SIGTERM stops the server', { timeout: 120_000 }, async () => {
  const { proc, url, exit } = await serve();
  const traffic = load(url);
  // Not read any more: the pipe fills with request lines and every write of the server's meets a full pipe.
  proc.stdout!.pause();
  // A request's line is some 300 bytes; 4000 of them overfill a pipe or socket buffer of several hundred KiB.
  await waitFor('requests answered', () => (traffic.answered >= 4000 ? true : undefined), 60_000);
  proc.kill('SIGTERM');
  const outcome = await exitsWithinTimeout(exit);
  await traffic.stop();
  expect(outcome.signal).toBeNull();
  // The lines it could not write held the graceful stop past SHUTDOWN_TIMEOUT_MS (1) or were dropped on time (0).
  expect([0, 1]).toContain(outcome.code);
});
