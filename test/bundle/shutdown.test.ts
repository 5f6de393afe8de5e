// Graceful shutdown as an orchestrator drives it: SIGTERM while a request is still arriving. The request must
// complete normally and the process must exit 0.
import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { startServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

it('SIGTERM during a slow request: the request completes and the process exits 0', async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), 'flagship-shutdown-'));
  const server = await startServer(inject('bundles').dev!, { cwd });
  await server.ready();
  const body = JSON.stringify({ org: { name: 'Slow Co', slug: 'slow-co' }, user: { email: 'slow@example.com', name: 'Slow' } });
  const half = Math.floor(body.length / 2);

  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      `${server.url}/v1/signup`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    // The client sends half the body, the server is told to stop, then the rest arrives.
    // Each step waits for a sign that the server has seen the last one, not for a guessed time: the half is flushed,
    // then an answer on another connection (the server reads in arrival order) shows it has taken this one in.
    void (async () => {
      await new Promise<void>((done, failed) => req.write(body.slice(0, half), (err) => (err ? failed(err) : done())));
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      server.proc.kill('SIGTERM');
      await waitFor('the server shutting down', () => server.output.some((l) => l.includes('shutting down: finishing in-flight requests')));
      req.end(body.slice(half));
    })().catch(reject);
  });

  const exit = new Promise<number | null>((resolve) => server.proc.once('exit', (code) => resolve(code)));
  const { status, text } = await response;
  expect(status, text).toBe(201);
  expect(JSON.parse(text)).toMatchObject({ org: { slug: 'slow-co' } });
  expect(await exit).toBe(0);
  expect(server.output.some((l) => l.includes('shutting down: finishing in-flight requests'))).toBe(true);
  expect(server.output.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
});
