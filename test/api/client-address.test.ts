// TRUST_PROXY decides who the client is, and rate limits, audit records, logs and the /metrics allow-list all take
// that answer. It names the hops that may speak for the client (a count, or their addresses); anything the client
// itself writes into X-Forwarded-For is ignored, so a forged header buys neither more attempts nor the operator's access.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';

const PROXY = '10.9.9.9';

describe('TRUST_PROXY', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('takes a hop count or proxy addresses; `true` is refused with the safe forms named', () => {
    const trust = (value: string) => loadConfig({ DATABASE_URL: 'sqlite::memory:', TRUST_PROXY: value }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('10.0.0.1, 10.1.0.0/16,loopback')).toEqual(['10.0.0.1', '10.1.0.0/16', 'loopback']);
    for (const bad of ['true', 'yes', 'any']) {
      expect(() => trust(bad)).toThrow(
        /would trust X-Forwarded-For from anyone.*use a number of proxies in front of the server.*or the proxies' addresses or CIDR ranges/,
      );
    }
    expect(() => trust('proxy.example')).toThrow(/TRUST_PROXY="proxy.example" is neither a number of proxies nor a list of proxy addresses/);
  });

  it('a hop count: signups are counted by the address the proxy saw, whatever the client wrote before it', async () => {
    t = await buildTestApp({ TRUST_PROXY: '1', SIGNUP_RATE_LIMIT: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await signUp(t.app, 'hop', { 'x-forwarded-for': `10.0.0.${i}, 203.0.113.5` }, PROXY)).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect((await signUp(t.app, 'hop', { 'x-forwarded-for': '203.0.113.6' }, PROXY)).status).toBe(201);
  });

  it('proxy addresses: a forged X-Forwarded-For bypasses neither rate limit nor METRICS_ALLOW, and is not what logs show', async () => {
    t = await buildTestApp({ TRUST_PROXY: PROXY, SIGNUP_RATE_LIMIT: '3', AUTH_FAILURE_RATE_LIMIT: '3', METRICS_ALLOW: '127.0.0.1' });
    const app = t.app;
    // A client reaching the server directly: its header is its own words.
    const direct = '198.51.100.7';
    const signups = [];
    for (let i = 0; i < 4; i++) signups.push((await signUp(app, 'forged', { 'x-forwarded-for': `192.0.2.${i}` }, direct)).status);
    expect(signups).toEqual([201, 201, 201, 429]);

    const bad = `Bearer fs_${'x'.repeat(43)}`;
    const me = (xff: string, authorization = bad) =>
      app.inject({ method: 'GET', url: '/v1/me', headers: { authorization, 'x-forwarded-for': xff, 'x-request-id': `me-${xff}` }, remoteAddress: direct });
    for (let i = 0; i < 3; i++) expect((await me(`192.0.2.${10 + i}`)).statusCode).toBe(401);
    expect((await me('192.0.2.20')).statusCode).toBe(429);

    // /metrics: loopback is allowed, and a remote client saying it is loopback is not, directly or through the proxy.
    const metrics = (xff: string | undefined, remoteAddress: string) =>
      app.inject({ method: 'GET', url: '/metrics', headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, remoteAddress });
    expect((await metrics('127.0.0.1', direct)).statusCode).toBe(404);
    expect((await metrics(`127.0.0.1, ${direct}`, PROXY)).statusCode).toBe(404);
    expect((await metrics(undefined, '127.0.0.1')).statusCode).toBe(200);
    // A relay on loopback that TRUST_PROXY does not name (another proxy on the host) is not the operator either.
    expect((await metrics('127.0.0.1', '127.0.0.1')).statusCode).toBe(404);

    // The request line's address is the real client's: the socket's, or the one the trusted proxy appended.
    await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': '192.0.2.1', 'x-request-id': 'direct-1' }, remoteAddress: direct });
    await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-forwarded-for': '192.0.2.1, 203.0.113.8', 'x-request-id': 'proxied-1' },
      remoteAddress: PROXY,
    });
    const addressOf = (id: string) => t!.logs.find((l) => l.reqId === id && l.msg === 'request completed')?.req.remoteAddress;
    expect(addressOf('direct-1')).toBe(direct);
    expect(addressOf('proxied-1')).toBe('203.0.113.8');
  });

  it('the audit trail records the client the trusted proxy saw, never the address the client wrote', async () => {
    t = await buildTestApp({ TRUST_PROXY: PROXY }, { modules: 'enterprise' });
    const { token } = await signUp(t.app, 'audited', { 'x-forwarded-for': '192.0.2.50, 203.0.113.50' }, PROXY);
    const auth = { authorization: `Bearer ${token}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...auth, 'x-forwarded-for': '192.0.2.51' },
      remoteAddress: '198.51.100.51',
      payload: { name: 'Audited', key: 'AUD' },
    });
    expect(created.statusCode).toBe(201);
    const records = (await t.app.inject({ method: 'GET', url: '/v1/audit?limit=10', headers: auth, remoteAddress: PROXY })).json().items as Array<{
      action: string;
      request: { ip: string };
    }>;
    expect(records.find((r) => r.action === 'project.create')?.request.ip).toBe('198.51.100.51');
    // The signup came through the trusted proxy: the client it names, not the proxy and not the forged first hop.
    expect(records.find((r) => r.action === 'org.create')?.request.ip).toBe('203.0.113.50');
    expect(records.map((r) => r.request.ip)).not.toContain('192.0.2.51');
    expect(records.map((r) => r.request.ip)).not.toContain('192.0.2.50');
  });
});
