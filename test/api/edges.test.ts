// The smaller edges an attacker probes: a token in the query string reaching the logs, a cross-site form wiping the
// test server, a ready file that overwrites or deletes someone's file, and a body schema described to a caller who
// has not even authenticated.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { redactUrl } from '../../src/server/log-redaction.js';
import { ReadyFile } from '../../src/server/ready-file.js';
import { createTesting } from '../../src/testing/index.js';
import { createLogger } from '../../src/server/logger.js';
import { buildTestApp, signUp, type TestApp } from '../support/app.js';
import { runBundle } from '../support/server-process.js';

describe('token-like query parameters never reach the logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the request line keeps the path and other parameters, with credentials redacted', async () => {
    const secret = `fs_${'S3cret'.repeat(7)}x`;
    const url = `/v1/me?access_token=${secret}&limit=5&X-Api-Key=k3y&client_secret=c5&cursor=abc&id_token=${secret}`;
    const res = await t.app.inject({ method: 'GET', url, headers: { 'x-request-id': 'query-token-1' } });
    expect(res.statusCode).toBe(401);
    const line = t.logs.find((l) => l.reqId === 'query-token-1' && l.msg === 'request completed');
    expect(line?.req.url).toBe('/v1/me?access_token=[redacted]&limit=5&X-Api-Key=[redacted]&client_secret=[redacted]&cursor=abc&id_token=[redacted]');
    expect(JSON.stringify(t.logs)).not.toMatch(/S3cret|k3y|c5&/);
  });

  it('no line carries the Authorization or Cookie header, on an answered request or a refused one', async () => {
    const secret = `fs_${'H3ader'.repeat(7)}x`;
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { 'x-request-id': 'header-token-1', authorization: `Bearer ${secret}`, cookie: `session=C00kie${secret}` },
    });
    expect(refused.statusCode).toBe(401);
    const line = t.logs.find((l) => l.reqId === 'header-token-1' && l.msg === 'request completed');
    expect(line?.req).toMatchObject({ method: 'GET', url: '/v1/me' });
    expect(JSON.stringify(t.logs)).not.toMatch(/H3ader|C00kie/);
  });

  it('redactUrl: names are matched however they are written; a URL without a query is kept as is', () => {
    expect(redactUrl('/a')).toBe('/a');
    expect(redactUrl('/a?')).toBe('/a?');
    expect(redactUrl('/a?ACCESS_TOKEN=1&refresh%5Ftoken=2&token&password=3')).toBe(
      '/a?ACCESS_TOKEN=[redacted]&refresh%5Ftoken=[redacted]&token&password=[redacted]',
    );
    expect(redactUrl('/a?status=todo&status=done')).toBe('/a?status=todo&status=done');
  });
});

describe('authentication comes before the body is read', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await buildTestApp();
    owner = (await signUp(t.app, 'auth-first')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an anonymous caller, or one with a wrong token, gets a 401 and learns nothing of the schema or the content types', async () => {
    const refused = [
      await t.app.inject({ method: 'POST', url: '/v1/members', payload: { bogus: 1 } }),
      await t.app.inject({ method: 'POST', url: '/v1/members', headers: { authorization: `Bearer fs_${'x'.repeat(43)}` }, payload: { bogus: 1 } }),
      await t.app.inject({ method: 'POST', url: '/v1/projects', headers: { 'content-type': 'text/plain' }, payload: 'hello' }),
      await t.app.inject({ method: 'POST', url: '/v1/projects', headers: { 'content-type': 'application/json' }, payload: '{not json' }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
      expect(res.body).not.toMatch(/body\.|required|content type/);
    }
  });

  it('an authenticated caller still gets the 400 naming the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/members', headers: { authorization: `Bearer ${owner}` }, payload: { bogus: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('/testing/* changes only for a program, never for a cross-site form', () => {
  let t: TestApp;
  beforeAll(async () => {
    const settings = { testing: true, testingAllowPersistent: false, seed: undefined };
    t = await buildTestApp({}, { features: async (config) => [await createTesting({ config, settings, logger: createLogger('silent') })] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a bare POST, a form and a text body are refused with 415 and change nothing; JSON or x-flagship-testing go through', async () => {
    const { token } = await signUp(t.app, 'csrf');
    const me = async () => (await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode;
    for (const headers of [
      {},
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'multipart/form-data; boundary=x' },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/testing/reset', headers, payload: headers['content-type' as never] ? 'a=1' : undefined });
      expect(res.statusCode, JSON.stringify(headers)).toBe(415);
      expect(res.json().error.message).toMatch(/send a JSON body .* or the x-flagship-testing header/);
    }
    expect((await t.app.inject({ method: 'DELETE', url: '/testing/clock' })).statusCode).toBe(415);
    expect(await me()).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: '/testing/clock', headers: { 'x-flagship-testing': '1' } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/testing/clock/advance', payload: { ms: 1 } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/testing/reset', headers: { 'x-flagship-testing': '1' } })).statusCode).toBe(204);
    expect(await me()).toBe(401);
  });
});

describe('a file the server cannot use is named with the problem, never quoted', () => {
  it('--seed pointed at a file that is not JSON', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-seed-')), 'shadow');
    writeFileSync(file, 'root:*:20200:0:99999:7:::\n');
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    const settings = { testing: true, testingAllowPersistent: false, seed: file };
    const failed = await Promise.resolve(createTesting({ config, settings, logger: createLogger('silent') })).catch((err: Error) => err);
    expect((failed as Error).message).toMatch(`--seed ${file} is not JSON; give a JSON file`);
    expect((failed as Error).message).not.toContain('root');
    const missing = await Promise.resolve(createTesting({ config, settings: { ...settings, seed: `${file}.none` }, logger: createLogger('silent') })).catch(
      (err: Error) => err,
    );
    expect((missing as Error).message).toMatch(/\.none does not exist;/);
  });
});

describe('--ready-file writes only a file it creates, and removes only that', () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), 'flagship-ready-'));

  it('refuses an existing file at start, naming it, and leaves it as it was', async () => {
    const file = path.join(dir(), 'precious.txt');
    writeFileSync(file, 'root:*:20200:0:99999:7:::\n');
    const ready = new ReadyFile(file);
    await expect(ready.claim()).rejects.toThrow(`--ready-file ${file} already exists and this server did not create it`);
    await ready.remove();
    expect(readFileSync(file, 'utf8')).toBe('root:*:20200:0:99999:7:::\n');
  });

  it('writes a new file whole and removes it at the end, but not a file that replaced it', async () => {
    const file = path.join(dir(), 'ready.json');
    const ready = new ReadyFile(file);
    await ready.claim();
    await ready.write({ url: 'http://127.0.0.1:1' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: 'http://127.0.0.1:1' });
    await ready.remove();
    expect(() => readFileSync(file)).toThrow(/ENOENT/);

    const again = new ReadyFile(file);
    await again.claim();
    await again.write({ url: 'http://127.0.0.1:2' });
    rmSync(file);
    writeFileSync(file, 'someone else’s');
    await again.remove();
    expect(readFileSync(file, 'utf8')).toBe('someone else’s');
  });

  it('a file created at the path after start is not overwritten', async () => {
    const file = path.join(dir(), 'ready.json');
    const ready = new ReadyFile(file);
    await ready.claim();
    writeFileSync(file, 'theirs');
    await expect(ready.write({ url: 'x' })).rejects.toThrow(/something created it after start/);
    expect(readFileSync(file, 'utf8')).toBe('theirs');
  });

  it('the server exits 2 at start on an existing --ready-file, before listening, and the file is untouched', async () => {
    const file = path.join(dir(), 'existing.json');
    writeFileSync(file, 'keep me');
    const { code, stderr, stdout } = await runBundle(inject('bundles').dev!, ['--ready-file', file, '--database-url', 'sqlite::memory:']);
    expect(code).toBe(2);
    expect(stderr).toContain(`--ready-file ${file} already exists and this server did not create it`);
    expect(stdout).not.toMatch(/flagship listening/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});
