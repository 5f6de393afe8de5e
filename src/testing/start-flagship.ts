// dist/<variant>/testing.mjs: a real flagship server for a Node test suite, one call away. It starts the server.mjs
// beside it as a child process on a throwaway in-memory database with the test-only tools on, learns the bound URL
// from the server's ready message on the IPC channel between them (never from log lines, and no file to leave
// behind), seeds, resets between tests and stops. Built by build/testing-client.mjs
// as its own file, importing only Node built-ins; the server bundle never holds it. The seed types below are the
// contract of POST /testing/seed, which the server module (seed-schema.ts) validates.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProblem } from '../config/file-problem.js';
import { listeningSocket } from './listening-socket.js';

export type SeedRole = 'owner' | 'admin' | 'member' | 'viewer';

export interface SeedToken {
  readonly name: string;
  /** ISO 8601; may lie in the past, for a token that is already expired. */
  readonly expiresAt?: string | null;
}

export interface SeedMember {
  readonly email: string;
  readonly name: string;
  /** Exactly one member is the owner (the organization's creator). */
  readonly role: SeedRole;
  /** Tokens besides the one every member gets (named "signup" for the owner, "initial" for the others). */
  readonly tokens?: readonly SeedToken[];
}

export interface SeedTask {
  readonly title: string;
  readonly description?: string | null;
  readonly status?: 'todo' | 'in_progress' | 'done' | 'canceled';
  readonly priority?: 'low' | 'normal' | 'high' | 'urgent';
  /** The email of a seeded member. */
  readonly assignee?: string | null;
  readonly labels?: readonly string[];
  readonly dueAt?: string | null;
}

export interface SeedProject {
  readonly name: string;
  readonly key: string;
  /** Archived after its tasks are created. */
  readonly archived?: boolean;
  readonly tasks?: readonly SeedTask[];
}

/** One organization with its members (and their tokens), projects and tasks, created in one transaction. */
export interface Seed {
  readonly org: { readonly name: string; readonly slug: string };
  readonly members: readonly SeedMember[];
  readonly projects?: readonly SeedProject[];
}

export interface SeedResult {
  readonly org: { readonly id: string; readonly slug: string; readonly name: string };
  /** By email: the member's id and role, the token every member gets, and the extra tokens by name. */
  readonly members: Record<string, { readonly id: string; readonly role: SeedRole; readonly token: string; readonly tokens: Record<string, string> }>;
  /** By project key: its id and its tasks in seed order. */
  readonly projects: Record<
    string,
    { readonly id: string; readonly tasks: ReadonlyArray<{ readonly id: string; readonly number: number; readonly title: string }> }
  >;
  /** By email: the token every member gets, ready for `Authorization: Bearer`. */
  readonly tokens: Record<string, string>;
}

export interface StartOptions {
  /** Applied once ready, and again after every reset(): a seed, or the path of a JSON file holding one. */
  readonly seed?: Seed | string;
  /** Database URL; default `sqlite::memory:`, a fresh database per server. */
  readonly databaseUrl?: string;
  /** Server log level; default `warn`. The output is kept for the error of a failed start and `output()`. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** More command-line options for server.mjs. */
  readonly args?: readonly string[];
  /** More environment variables for the server (the parent's environment is not passed on, except PATH and the compile cache's NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the server may take to be ready; default 30 000 ms. */
  readonly timeoutMs?: number;
  /** The server bundle to start; default the server.mjs beside this file, through the start.mjs beside it (V8's code cache). */
  readonly server?: string;
}

export interface RunningFlagship {
  /** Base URL, such as http://127.0.0.1:41234. */
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  /** By email: each seeded member's token, as of the last seed or reset. */
  readonly tokens: Record<string, string>;
  /** What the start seed created, as of the last reset; undefined without a seed. */
  readonly seeded: SeedResult | undefined;
  /** Seeds another organization. */
  seed(seed: Seed): Promise<SeedResult>;
  /** Deletes every row, puts the clock back, then applies the start seed again (new ids and tokens). */
  reset(): Promise<void>;
  /** Moves the server's clock (token expiry), not the stored timestamps. */
  readonly clock: {
    set(at: Date | string): Promise<Date>;
    advance(ms: number): Promise<Date>;
    /** Back to the system's time. */
    real(): Promise<Date>;
  };
  /** What the server printed, for a failing test's message. */
  output(): string;
  /** Stops the server (SIGTERM, waiting for it to exit) and removes its temporary folder. Idempotent. */
  stop(): Promise<void>;
}

/** A start or a request of the test server failed; the message carries the server's last output. */
export class FlagshipTestServerError extends Error {
  override name = 'FlagshipTestServerError';
}

const OUTPUT_LINES = 200;

async function seedFrom(seed: Seed | string): Promise<Seed> {
  if (typeof seed !== 'string') return seed;
  const hint = 'pass a seed object or the path of a JSON file holding one';
  let text: string;
  try {
    text = await readFile(seed, 'utf8');
  } catch (err) {
    throw new FlagshipTestServerError(`the seed file ${seed} ${readProblem(err)}; ${hint}`);
  }
  try {
    return JSON.parse(text) as Seed;
  } catch {
    // Not the parser's message: it quotes the start of the file.
    throw new FlagshipTestServerError(`the seed file ${seed} is not JSON; ${hint}`);
  }
}

/**
 * The code cache for the server: a suite starts the same bundle again and again, and much of a start is V8 compiling
 * it. start.mjs keeps V8's code of the bundle once the server is ready (src/start/code-cache.ts), and Node's own
 * compile cache serves a `server` given as server.mjs; both live in Node's default place (`node-compile-cache` in the
 * temp folder), checked against the bundle before use, written through a temporary file and a rename, so servers
 * starting at once do not corrupt it; a folder that cannot be written only means no cache. NODE_COMPILE_CACHE or
 * NODE_DISABLE_COMPILE_CACHE in this process's environment (or in `env`) choose otherwise.
 */
function compileCache(): Record<string, string> {
  const { NODE_COMPILE_CACHE, NODE_DISABLE_COMPILE_CACHE } = process.env;
  if (NODE_DISABLE_COMPILE_CACHE) return { NODE_DISABLE_COMPILE_CACHE };
  return { NODE_COMPILE_CACHE: NODE_COMPILE_CACHE ?? path.join(tmpdir(), 'node-compile-cache') };
}

/**
 * A young generation large enough for the whole start: V8 starts it at 1 MB and grows it only after collecting it,
 * which a start did three times (about 6 ms). 8 MB takes the start to ready without one and adds nothing measurable
 * to the server's memory, since V8 commits the space as it is used.
 */
const NODE_FLAGS = ['--min-semi-space-size=8'];

export async function startFlagship(options: StartOptions = {}): Promise<RunningFlagship> {
  const seed = options.seed === undefined ? undefined : await seedFrom(options.seed);
  const server = options.server ?? fileURLToPath(new URL('./start.mjs', import.meta.url));
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A socket bound here for the server to listen on, unless the caller chose where it listens with `args` (which come
  // after these, so they win). A --listen-fd or LISTEN_FD of the caller's own gets no --port or --host beside it,
  // which the server would refuse.
  const given = (flag: string) => (options.args ?? []).some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
  const ownSocket = given('listen-fd') || Boolean(options.env?.LISTEN_FD);
  // PORT or HOST in `env` are overridden by the --port and --host below, as they always were; the server would refuse
  // a socket handed over beside them.
  const address = given('port') || given('host') || options.env?.PORT !== undefined || options.env?.HOST !== undefined;
  const socket = ownSocket || address ? undefined : await listeningSocket();
  const args = [
    server,
    'serve',
    '--testing',
    // The socket is the child's descriptor 4: after stdin, stdout, stderr and the IPC channel.
    ...(socket ? ['--listen-fd', '4'] : ownSocket ? [] : ['--port', '0', '--host', '127.0.0.1']),
    '--database-url',
    options.databaseUrl ?? 'sqlite::memory:',
    '--log-level',
    options.logLevel ?? 'warn',
    ...(options.args ?? []),
  ];
  // The IPC channel carries the ready message and is the leash: if this process dies, even killed, the server sees it
  // close and stops.
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...NODE_FLAGS, ...args], {
      env: { PATH: process.env.PATH ?? '', ...compileCache(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...(socket ? [socket.fd] : [])],
    });
  } finally {
    socket?.close();
  }
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
    if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Nothing of the server keeps this process alive: a suite that forgets stop() still ends, and its server with it.
  child.unref();
  child.channel?.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  const output = () => lines.join('\n');
  const fail = (message: string) => new FlagshipTestServerError(`${message}\n--- server output ---\n${output()}`);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // Held again while it stops, or this process could end before the server has.
      child.ref();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    })();
    return stopped;
  };

  let url: string;
  try {
    url = await waitForReady(child, exited, timeoutMs, fail);
  } catch (err) {
    await stop();
    throw err;
  }

  async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}${route}`, {
      method,
      // The header marks the call as a program's: the server refuses a bare POST to /testing/* (a cross-site form).
      headers: { 'x-flagship-testing': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((err: unknown) => {
      const gone = child.exitCode !== null || child.signalCode !== null ? `; it exited (code ${child.exitCode}, signal ${child.signalCode})` : '';
      throw fail(`${method} ${route} could not reach flagship at ${url} (${(err as Error).message})${gone}`);
    });
    const text = await res.text();
    if (!res.ok) throw fail(`${method} ${route} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const clockAnswer = async (p: Promise<{ now: string }>) => new Date((await p).now);

  let seeded: SeedResult | undefined;
  const applyStartSeed = async () => {
    seeded = seed ? await call<SeedResult>('POST', '/testing/seed', seed) : undefined;
  };
  try {
    await applyStartSeed();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    pid: child.pid!,
    get tokens() {
      return seeded?.tokens ?? {};
    },
    get seeded() {
      return seeded;
    },
    seed: (more) => call<SeedResult>('POST', '/testing/seed', more),
    async reset() {
      await call('POST', '/testing/reset');
      await applyStartSeed();
    },
    clock: {
      set: (at) => clockAnswer(call('PUT', '/testing/clock', { at: typeof at === 'string' ? at : at.toISOString() })),
      advance: (ms) => clockAnswer(call('POST', '/testing/clock/advance', { ms })),
      real: () => clockAnswer(call('DELETE', '/testing/clock')),
    },
    output,
    stop,
  };
}

/** Waits for the server's ready message; a server that exits first, or takes longer than `timeoutMs`, is an error. */
async function waitForReady(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: string | null }>,
  timeoutMs: number,
  fail: (message: string) => Error,
): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  let onMessage: ((message: unknown) => void) | undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      onMessage = (message) => {
        const m = message as { flagship?: unknown; url?: unknown } | null;
        if (m?.flagship === 'ready' && typeof m.url === 'string') resolve(m.url);
      };
      child.on('message', onMessage);
      // Settling twice is a no-op: an exit after the ready message (at stop()) rejects nothing.
      void exited.then((e) => reject(fail(`flagship exited (code ${e.code}, signal ${e.signal}) before it was ready`)));
      // This timer, not the (unreferenced) channel, keeps the test process waiting.
      timer = setTimeout(() => reject(fail(`flagship was not ready within ${timeoutMs} ms`)), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    if (onMessage) child.off('message', onMessage);
  }
}
