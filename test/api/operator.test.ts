// Tenants and the operator are two audiences. Cluster state (/v1/admin/*, /metrics, the details of /healthz and
// /readyz) is the operator's: an operator credential that is never a tenant token (ADMIN_TOKEN, ADMIN_TOKENS_FILE) or
// an address of METRICS_ALLOW. Anyone can sign up and become an owner, so an owner's token opens none of it.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createScaling } from '../../src/scaling/index.js';
import type { Feature } from '../../src/features/feature.js';
import { createLogger } from '../../src/server/logger.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';

const ADMIN_TOKEN = 'op-4f1c2a9e7b3d5f60718293a4b5c6d7e8';
const FILE_TOKEN = 'op-file-0123456789abcdef0123456789abcdef';
const REMOTE = '198.51.100.23';

const withScaling = (config: Parameters<typeof createScaling>[0]['config']) =>
  Promise.resolve([createScaling({ config, logger: createLogger('silent') }) as Awaited<ReturnType<typeof createScaling>>]);

describe('cluster state is the operator’s', () => {
  let t: TestApp;
  let owner: string;
  const get = (url: string, headers: Record<string, string> = {}, remoteAddress = REMOTE) => t.app.inject({ method: 'GET', url, headers, remoteAddress });

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flagship-operator-'));
    const file = path.join(dir, 'admin-tokens');
    writeFileSync(file, `# the on-call rotation\n\nsha256:${createHash('sha256').update(FILE_TOKEN).digest('hex')}\n`);
    t = await buildTestApp(
      { ADMIN_TOKEN, ADMIN_TOKENS_FILE: file, METRICS_ALLOW: '10.0.0.0/8', AUTH_FAILURE_RATE_LIMIT: '5' },
      { features: (config) => withScaling(config) },
    );
    owner = (await signUp(t.app, 'tenant', {})).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /v1/admin/pools: an owner, an anonymous caller and a wrong operator token get a 404; the operator passes', async () => {
    // The scaling router is not open on SQLite, so a caller the guard lets through meets its 503: the guard said yes.
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${owner}` })).statusCode).toBe(404);
    expect((await get('/v1/admin/pools')).statusCode).toBe(404);
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${ADMIN_TOKEN}x` })).statusCode).toBe(404);
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(503);
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${FILE_TOKEN}` })).statusCode).toBe(503);
    expect((await get('/v1/admin/pools', {}, '10.1.2.3')).statusCode).toBe(503);
  });

  it('/healthz and /readyz: the status (and, on /readyz, what it serves) alone for anyone else, every detail for the operator', async () => {
    for (const headers of [{}, { authorization: `Bearer ${owner}` }] as Array<Record<string, string>>) {
      const health = await get('/healthz', headers);
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await get('/readyz', headers);
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', serves: { reads: true, writes: true } });
    }
    for (const [headers, from] of [
      [{ authorization: `Bearer ${ADMIN_TOKEN}` }, REMOTE],
      [{}, '10.9.8.7'],
    ] as const) {
      const health = (await get('/healthz', headers, from)).json();
      expect(health).toMatchObject({ status: 'ok', dialect: 'sqlite', featureHealth: { scaling: expect.objectContaining({ primary: null }) } });
      expect((await get('/readyz', headers, from)).json()).toMatchObject({ status: 'ready', database: { ok: true } });
    }
  });

  it('/metrics answers the operator token as it answers METRICS_ALLOW', async () => {
    expect((await get('/metrics', { authorization: `Bearer ${owner}` })).statusCode).toBe(404);
    const scraped = await get('/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain('flagship_ready');
  });

  it('wrong operator tokens count as failed authentications: over the limit, even the right one is refused from there', async () => {
    const from = '203.0.113.99';
    for (let i = 0; i < 5; i++) expect((await get('/v1/admin/pools', { authorization: `Bearer guess-${i}-${'x'.repeat(32)}` }, from)).statusCode).toBe(404);
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${ADMIN_TOKEN}` }, from)).statusCode).toBe(404);
    expect((await get('/v1/admin/pools', { authorization: `Bearer ${ADMIN_TOKEN}` }, '203.0.113.100')).statusCode).toBe(503);
  });

  it('a route under /v1/admin/ without the operator guard stops the server at start', async () => {
    // A module that adds an admin route with a tenant's guard, or none.
    const leaky = {
      name: 'scaling',
      status: 'active',
      summary: 'leaks',
      plugin: fp(async (app: FastifyInstance) => void app.get('/v1/admin/leak', async () => ({})), { name: 'leaky' }),
    } as Feature;
    await expect(buildTestApp({}, { features: async () => [leaky] })).rejects.toThrow(/GET \/v1\/admin\/leak: routes under \/v1\/admin\/ are the operator's/);
  });
});

describe('an address is the operator’s only when it is the client’s own', () => {
  const LOCAL = '127.0.0.1';
  const RELAYED: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.5' }, { forwarded: 'for=203.0.113.5' }, { 'x-real-ip': '203.0.113.5' }];

  it('behind a proxy on the same host that TRUST_PROXY does not name, a relayed request is nobody’s operator by address (the default METRICS_ALLOW is loopback)', async () => {
    const t = await buildTestApp({ ADMIN_TOKEN }, { features: (config) => withScaling(config) });
    try {
      const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers, remoteAddress: LOCAL });
      // A scraper on the host itself is the operator, as METRICS_ALLOW says.
      expect((await get('/metrics', {})).statusCode).toBe(200);
      expect((await get('/v1/admin/pools', {})).statusCode).toBe(503);
      for (const relayed of RELAYED) {
        expect((await get('/metrics', relayed)).statusCode).toBe(404);
        expect((await get('/v1/admin/pools', relayed)).statusCode).toBe(404);
        expect((await get('/healthz', relayed)).json()).toEqual({ status: 'ok' });
        // The operator's own credential still works through the proxy.
        expect((await get('/metrics', { ...relayed, authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(200);
      }
    } finally {
      await t.close();
    }
  });

  it('through a proxy TRUST_PROXY lists, the address is the client’s as the proxy names it, the host’s own included', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback' }, { features: (config) => withScaling(config) });
    try {
      const via = (client: string, headers: Record<string, string> = {}) =>
        t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': client, ...headers }, remoteAddress: LOCAL });
      // The operator's curl through the proxy on the host: named 127.0.0.1 by it, which METRICS_ALLOW allows.
      expect((await via('127.0.0.1')).statusCode).toBe(200);
      expect((await via('203.0.113.5')).statusCode).toBe(404);
      // Relayed with X-Real-IP alone, the address is the proxy's, not the client's: nobody's operator by it.
      expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-real-ip': '203.0.113.5' }, remoteAddress: LOCAL })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('with a hop count, which takes whoever connects for the proxy, a relayed request is nobody’s operator by address', async () => {
    const t = await buildTestApp({ TRUST_PROXY: '1' }, { features: (config) => withScaling(config) });
    try {
      // A client reaching the port directly, writing the loopback address into the header.
      const forged = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1' }, remoteAddress: '198.51.100.9' });
      expect(forged.statusCode).toBe(404);
      expect(
        (await t.app.inject({ method: 'GET', url: '/v1/admin/pools', headers: { 'x-forwarded-for': '127.0.0.1' }, remoteAddress: '198.51.100.9' })).statusCode,
      ).toBe(404);
      // A scraper on the host, claiming no relay, still is.
      expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: LOCAL })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('operator credentials are checked at start', () => {
  const load = (env: Record<string, string>) => () => loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });

  it('ADMIN_TOKEN: long enough, and never shaped like a tenant token', () => {
    expect(load({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN must be at least 32 characters.*openssl rand -hex 32/);
    expect(load({ ADMIN_TOKEN: `fs_${'a'.repeat(40)}` })).toThrow(/must not start with `fs_`, the prefix of tenant tokens/);
    expect(load({ ADMIN_TOKEN })().adminToken).toBe(ADMIN_TOKEN);
  });

  it('ADMIN_TOKENS_FILE: a bad line is named by its number, never quoted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flagship-operator-file-'));
    const file = path.join(dir, 'tokens');
    writeFileSync(file, `${'a'.repeat(64)}\nroot:*:20200:0:99999:7:::\n`);
    const failed = await buildTestApp({ ADMIN_TOKENS_FILE: file }).then(
      async (t) => {
        await t.close();
        return undefined;
      },
      (err: Error) => err,
    );
    expect(failed?.message).toMatch(new RegExp(`ADMIN_TOKENS_FILE ${file}: line 2 is not a SHA-256 digest`));
    expect(failed?.message).not.toContain('root');
    const missing = await buildTestApp({ ADMIN_TOKENS_FILE: path.join(dir, 'nope') }).catch((err: Error) => err);
    expect((missing as Error).message).toMatch(/cannot be read \(ENOENT\)/);
  });
});
