// What a server that is closing does with its connections: a request that arrives on a keep-alive connection already
// open gets a 503 like every other answer (the error envelope, the security headers, a request id, Connection: close),
// and a connection whose answer was still in flight when the close began does not hold the close up.
import net from 'node:net';
import { expect, it } from 'vitest';
import { buildTestApp } from '../support/app.js';

const pause = () => new Promise((resolve) => setTimeout(resolve, 100));

/**
 * An app with a route that answers once released, and one connection to it with GET /slow in flight; `closing()`
 * starts the app's close (resolved once it has stopped) once the slow request is under way.
 */
async function slowRequestInFlight(env: Record<string, string> = {}) {
  let entered!: () => void;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const t = await buildTestApp(env, {
    routes: async (app) =>
      void app.get('/slow', async () => {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
        return { slow: true };
      }),
  });
  const { hostname, port } = new URL(await t.listen());
  const socket = net.connect(Number(port), hostname);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ended = new Promise((resolve) => socket.on('close', resolve));
  const send = (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`);
  send('/slow');
  await inFlight;
  return { send, release: () => release(), received: () => text, ended, closing: () => t.close() };
}

it('answers a request that arrives during shutdown with our 503, headers included', async () => {
  const c = await slowRequestInFlight();
  // The request in flight holds the connection open through the shutdown; the second, on the same connection,
  // arrives once the server is closing.
  const closed = c.closing();
  await pause();
  c.send('/healthz');
  await pause();
  c.release();
  await c.ended;
  await closed;
  const text = c.received();
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
  const [head, body] = text.slice(text.indexOf('HTTP/1.1', 1)).split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 503 /);
  expect(head).toMatch(/^connection: close$/im);
  expect(head).toMatch(/^content-security-policy: default-src 'none'/im);
  expect(head).toMatch(/^x-content-type-options: nosniff$/im);
  expect(head).toMatch(/^x-request-id: \S+$/im);
  expect(JSON.parse(body!)).toEqual({ error: { code: 'unavailable', message: 'the server is shutting down; retry on another instance' } });
});

it('does not wait out the keep-alive of an answer that was in flight when the close began', async () => {
  // An idle connection is kept for an hour, and the shutdown given 10 s (SHUTDOWN_TIMEOUT_MS): the connection of an
  // answer finished after the close began is idle only then, and used to hold the close until the timeout (which
  // closing() reports as a failure).
  const c = await slowRequestInFlight({ KEEP_ALIVE_TIMEOUT_MS: '3600000', SHUTDOWN_TIMEOUT_MS: '10000' });
  const closed = c.closing();
  await pause();
  c.release();
  await closed;
  await c.ended;
  expect(c.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*\{"slow":true\}$/);
});
