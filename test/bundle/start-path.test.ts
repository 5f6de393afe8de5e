// What a start of the dev bundle does not load: the built-ins only servers flagship never makes would need (TLS,
// HTTP/2), which Fastify requires when it loads and the bundle hands over only when something of them is read, and
// node:crypto, which our modules call only while serving (build/builtins-as-require.mjs). The server still answers
// on a path that uses what was left for later.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

type Client = typeof import('../../src/testing/start-flagship.js');
const PRELOAD = new URL('../fixtures/modules-at-ready.mjs', import.meta.url).href;
const scratch = await mkdtemp(path.join(tmpdir(), 'flagship-start-path-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the dev bundle at ready', () => {
  it('has loaded neither node:https, node:http2, node:tls, node:crypto nor node:assert, and serves the OpenAPI document and a signup', async () => {
    const { startFlagship } = (await import(pathToFileURL(path.join(path.dirname(inject('bundles').dev!), 'testing.mjs')).href)) as Client;
    const file = path.join(scratch, 'modules.txt');
    const server = await startFlagship({ env: { NODE_OPTIONS: `--import ${PRELOAD}`, MODULES_AT_READY_FILE: file } });
    try {
      const loaded = (await readFile(file, 'utf8')).split('\n');
      // The list is what it claims to be: the server's own built-ins are in it.
      expect(loaded).toContain('NativeModule http');
      expect(loaded).toContain('NativeModule net');
      for (const absent of ['NativeModule https', 'NativeModule http2', 'NativeModule tls', 'NativeModule _tls_wrap']) expect(loaded).not.toContain(absent);
      // node:crypto is loaded by the first call that needs it (the signup below), not by the start: a migration's hash
      // is worked out when the bundle is built (build/sql-module.mjs).
      expect(loaded).not.toContain('NativeModule crypto');
      // node:assert, which Fastify, find-my-way and sonic-boom require to check their arguments, is loaded only by a
      // check that fails (build/builtins-as-require.mjs).
      expect(loaded).not.toContain('NativeModule assert');
      // Left for later, not left out: the document's plugin, a validator and a rate limiter load on these requests.
      const doc = await fetch(`${server.url}/v1/openapi.json`);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.0.3');
      const signup = await fetch(`${server.url}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ org: { name: 'Acme', slug: 'acme' }, user: { email: 'ann@acme.example', name: 'Ann' } }),
      });
      expect(signup.status, await signup.clone().text()).toBe(201);
    } finally {
      await server.stop();
    }
  });
});
