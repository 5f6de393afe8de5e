// What a security review checks on the running bundles, where the process is the subject: rate limits on signup and
// failed authentication behind a proxy on loopback, /metrics only where the operator allows, and secrets in
// DATABASE_URL kept out of the logs, even when start-up fails on them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, errorOf } from '../support/api.js';
import { DIALECTS } from '../support/dialects.js';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';

describe('rate limits (dist/dev)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'flagship-limits-'));
    // The test stands in for a proxy on loopback, telling the server who each client is.
    server = await startServer(inject('bundles').dev!, { cwd, env: { SIGNUP_RATE_LIMIT: '3', AUTH_FAILURE_RATE_LIMIT: '3', TRUST_PROXY: 'loopback' } });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('signups: the next one over SIGNUP_RATE_LIMIT from an address is a 429 with Retry-After; other addresses go on', async () => {
    const api = new Client(server.url);
    const signup = (n: number, ip: string) =>
      api.post('/v1/signup', { org: { name: 'R', slug: `rate-${n}-${Date.now()}` }, user: { email: 'r@rate.example', name: 'R' } }, from(ip));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await signup(i, '10.0.0.1')).status);
    expect(statuses).toEqual([201, 201, 201]);
    const over = await signup(3, '10.0.0.1');
    expect(over.status).toBe(429);
    expect(errorOf(over).code).toBe('rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signup(4, '10.0.0.2')).status).toBe(201);
  });

  it('failed authentications: over AUTH_FAILURE_RATE_LIMIT, even a valid token from that address is a 429 until the window ends', async () => {
    const api = new Client(server.url);
    const signup = await api.post(
      '/v1/signup',
      { org: { name: 'A', slug: `auth-${Date.now()}` }, user: { email: 'a@auth.example', name: 'A' } },
      from('10.0.1.9'),
    );
    const good = api.as(signup.body.token);
    const bad = api.as(`fs_${'x'.repeat(43)}`);
    for (let i = 0; i < 3; i++) expect((await bad.get('/v1/me', from('10.0.1.1'))).status).toBe(401);
    const blocked = await good.get('/v1/me', from('10.0.1.1'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorOf(blocked).message).toMatch(/too many failed authentications/);
    expect((await good.get('/v1/me', from('10.0.1.2'))).status).toBe(200);
  });
});

describe('/metrics only where METRICS_ALLOW says (dist/dev)', () => {
  async function metricsStatus(env: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
    const cwd = mkdtempSync(path.join(tmpdir(), 'flagship-metrics-'));
    const server = await startServer(inject('bundles').dev!, { cwd, env });
    try {
      await server.ready();
      return (await fetch(`${server.url}/metrics`, { headers })).status;
    } finally {
      await server.stop();
    }
  }

  it('loopback by default; none; a range that excludes the caller; a range that includes it', async () => {
    expect(await metricsStatus({})).toBe(200);
    expect(await metricsStatus({ METRICS_ALLOW: 'none' })).toBe(404);
    expect(await metricsStatus({ METRICS_ALLOW: '10.0.0.0/8' })).toBe(404);
    expect(await metricsStatus({ METRICS_ALLOW: '10.0.0.0/8', TRUST_PROXY: 'loopback' }, { 'x-forwarded-for': '10.1.2.3' })).toBe(200);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('secrets in DATABASE_URL never reach the logs (dist/prod)', () => {
  it('a password in the user part and in ?password= is redacted wherever the URL is logged', async () => {
    const { createDatabase } = await import('../support/postgres/index.js');
    const url = new URL(await createDatabase(inject('pg'), `secret_${Date.now()}`));
    // The harness trusts local connections, so the server starts whatever the password says.
    url.password = 'Userinfo-S3cret';
    url.searchParams.set('password', 'Param-S3cret');
    url.searchParams.set('sslpassword', 'Ssl-S3cret');
    const server = await startServer(inject('bundles').prod!, { env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'trace' } });
    let output: string[];
    try {
      await server.ready();
      await new Client(server.url).get('/readyz');
    } finally {
      await server.stop();
      output = server.output;
    }
    // And when start-up fails on it.
    const down = new URL(url);
    down.port = '1';
    const failed = await runBundle(inject('bundles').prod!, [], { env: { DATABASE_URL: down.toString(), DB_START_RETRY_MS: '300', LOG_LEVEL: 'trace' } });
    const all = [...output, failed.stdout, failed.stderr].join('\n');
    expect(failed.code).toBe(1);
    for (const secret of ['Userinfo-S3cret', 'Param-S3cret', 'Ssl-S3cret']) expect(all).not.toContain(secret);
    expect(all).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/secret_\d+\?password=\*\*\*&sslpassword=\*\*\*/);
  });
});
