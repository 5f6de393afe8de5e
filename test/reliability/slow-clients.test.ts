// Every connection is bounded in time and number (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS,
// MAX_CONNECTIONS). A socket is the subject here, so the app (built in-process from the sources) listens on a real
// port. No timing thresholds: each wait is for a condition, with a generous deadline.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { buildTestApp, type TestApp } from '../support/app.js';

/** A raw client socket that keeps what it receives and knows when it was closed. */
interface RawClient {
  readonly socket: Socket;
  received(): string;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

async function open(port: number): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  let text = '';
  let done = false;
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => ((done = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed, isClosed: () => done };
}

/** Sends one byte of `body` every `everyMs` while the socket is open. */
function trickle(client: RawClient, body: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (client.isClosed() || i >= body.length) return clearInterval(timer);
    client.socket.write(body[i++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const SIGNUP_HEAD = 'POST /v1/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n';

describe('time limits on every connection', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function listen(env: Record<string, string>): Promise<number> {
    t = await buildTestApp(env);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    return (t.app.server.address() as { port: number }).port;
  }

  it('has sane defaults, and refuses a header limit longer than the whole request’s', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    expect(config).toMatchObject({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxConnections: 4096 });
    expect(() => loadConfig({ DATABASE_URL: 'sqlite::memory:', REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' })).toThrow(
      /HEADERS_TIMEOUT_MS \(2000\) is longer than REQUEST_TIMEOUT_MS \(1000\)/,
    );
  });

  it('a body sent a byte at a time is cut after REQUEST_TIMEOUT_MS with a 408, while the client is still sending', async () => {
    const port = await listen({ REQUEST_TIMEOUT_MS: '800', HEADERS_TIMEOUT_MS: '400' });
    const slow = await open(port);
    slow.socket.write(SIGNUP_HEAD);
    const stop = trickle(slow, `{"org":${' '.repeat(3990)}`, 100);
    try {
      await within('the slow body cut', 20_000, slow.closed);
    } finally {
      stop();
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.received()).toMatch(/REQUEST_TIMEOUT_MS/);
  });

  it('headers sent a byte at a time are cut after HEADERS_TIMEOUT_MS', async () => {
    const port = await listen({ REQUEST_TIMEOUT_MS: '600000', HEADERS_TIMEOUT_MS: '500' });
    const slow = await open(port);
    const stop = trickle(slow, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(2000)}\r\n\r\n`, 100);
    try {
      await within('the slow headers cut', 20_000, slow.closed);
    } finally {
      stop();
    }
    expect(slow.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('a connection that sends nothing at all is closed after HEADERS_TIMEOUT_MS', async () => {
    const port = await listen({ REQUEST_TIMEOUT_MS: '600000', HEADERS_TIMEOUT_MS: '500' });
    const silent = await open(port);
    await within('the silent connection closed', 20_000, silent.closed);
  });

  it('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const port = await listen({ KEEP_ALIVE_TIMEOUT_MS: '300' });
    const client = await open(port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await within('the closed idle connection', 20_000, client.closed);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('a connection over MAX_CONNECTIONS is closed at once; one is accepted again when another leaves', async () => {
    const port = await listen({ MAX_CONNECTIONS: '5' });
    const held = await Promise.all(Array.from({ length: 5 }, () => open(port)));
    // The server counts a connection once it has accepted it: wait until it holds all five.
    await within(
      'five connections held',
      20_000,
      (async () => {
        while ((await new Promise<number>((resolve, reject) => t!.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))))) < 5) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
    );
    const over = await open(port);
    over.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await within('the connection over the limit closed', 20_000, over.closed);
    expect(over.received()).toBe('');
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await within(
      'a request after one left',
      20_000,
      (async () => {
        for (;;) {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          if (res?.status === 200) return;
        }
      })(),
    );
    for (const c of held) c.socket.destroy();
  });

  it('/healthz answers throughout a flood of 300 slow clients, and every slow client is cut', async () => {
    const port = await listen({ REQUEST_TIMEOUT_MS: '4000', HEADERS_TIMEOUT_MS: '2000' });
    const flood = await Promise.all(Array.from({ length: 300 }, () => open(port)));
    const stops = flood.map((c) => {
      c.socket.write(SIGNUP_HEAD);
      return trickle(c, `{"org":${' '.repeat(3990)}`, 250);
    });
    try {
      // Health checks while the flood holds its sockets (most of it is still open after each answer).
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(15_000) });
        expect(res.status).toBe(200);
        if (i === 0) expect(flood.filter((c) => !c.isClosed()).length).toBeGreaterThan(250);
      }
      await within('every slow client cut', 60_000, Promise.all(flood.map((c) => c.closed)));
      const cut = flood.filter((c) => /^HTTP\/1\.1 408 /.test(c.received()) || c.received() === '').length;
      expect(cut).toBe(300);
    } finally {
      for (const stop of stops) stop();
      for (const c of flood) c.socket.destroy();
    }
  });
});
