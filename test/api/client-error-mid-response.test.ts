// A request Node's parser refuses, arriving on a connection whose previous answer is still being sent (a streamed
// export; a pipelined request), must not have its 400 written into that answer's body: the connection is closed
// instead, as Node's own handler does. A client then sees a cut answer, never one with another answer inside it.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let release!: () => void;
beforeAll(async () => {
  t = await buildTestApp(
    {},
    {
      // A streamed answer that has sent its head and a first chunk, and holds the rest until the test says so.
      routes: async (app) =>
        void app.get('/slow-stream', async (_request, reply) => {
          reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
          reply.raw.write('{"first":true}\n');
          await new Promise<void>((resolve) => (release = resolve));
          reply.raw.end('{"last":true}\n');
          return reply;
        }),
    },
  );
});
afterAll(() => t?.close());

it('closes the connection rather than write a 400 into an answer under way', async () => {
  const { hostname, port } = new URL(await t.listen());
  const received = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      // The answer is under way: now a request that is not HTTP, on the same connection.
      if (text.includes('"first":true')) socket.write('GARBAGE\r\n\r\n');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(`GET /slow-stream HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`);
    setTimeout(() => release?.(), 500);
  });
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  expect(received).not.toContain('HTTP/1.1 400');
});
