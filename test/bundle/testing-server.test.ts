// The test-only tools as the built bundles serve them: present in dev only when started with --testing (and on a
// throwaway database unless asked), refused by prod with the reason; --seed and the ready file; the clock moving
// token expiry; reset.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runBundle, startServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

const dev = () => inject('bundles').dev!;
const prod = () => inject('bundles').prod!;

async function waitForFile(file: string): Promise<string> {
  return waitFor(`${file} written`, () => readFile(file, 'utf8').catch(() => undefined));
}

/** What marks a call to /testing/* as a program's. */
const PROGRAM = { 'x-flagship-testing': '1' };
const me = (url: string, token: string) => fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('dev without --testing', () => {
  it('serves no test-only route', async () => {
    const server = await startServer(dev(), { args: ['--database-url', 'sqlite::memory:'] });
    try {
      await server.ready();
      for (const [method, route] of [
        ['POST', '/testing/reset'],
        ['POST', '/testing/seed'],
        ['GET', '/testing/clock'],
      ] as const) {
        expect((await fetch(`${server.url}${route}`, { method })).status, route).toBe(404);
      }
      expect(((await (await fetch(`${server.url}/healthz`)).json()) as { features: unknown[] }).features).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe('dev with --testing', () => {
  it('refuses a database file unless asked, and runs on one when asked', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'flagship-testing-file-'));
    const refused = await runBundle(dev(), ['--testing', '--database-url', 'sqlite:./data/app.db'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--testing serves \/testing\/reset, which deletes every row, and the database is the file \.\/data\/app\.db; use --database-url sqlite::memory:/,
    );
    const server = await startServer(dev(), { cwd, args: ['--testing', '--testing-allow-persistent', '--database-url', 'sqlite:./data/app.db'] });
    try {
      await server.ready();
      expect((await fetch(`${server.url}/testing/reset`, { method: 'POST', headers: PROGRAM })).status).toBe(204);
    } finally {
      await server.stop();
    }
  });

  it('applies --seed before ready, writes the URL and tokens to the ready file, moves the clock, resets', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-seeded-'));
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    await writeFile(
      path.join(dir, 'seed.json'),
      JSON.stringify({
        org: { name: 'Acme', slug: 'acme' },
        members: [{ email: 'ann@acme.example', name: 'Ann', role: 'owner', tokens: [{ name: 'short', expiresAt: inAnHour }] }],
        projects: [{ name: 'Web', key: 'WEB', tasks: [{ title: 'first' }] }],
      }),
    );
    const readyFile = path.join(dir, 'ready.json');
    const server = await startServer(dev(), {
      cwd: dir,
      args: ['--testing', '--database-url', 'sqlite::memory:', '--seed', 'seed.json', '--ready-file', readyFile],
    });
    try {
      const ready = JSON.parse(await waitForFile(readyFile));
      expect(ready).toMatchObject({ url: server.url, pid: server.proc.pid, variant: 'dev', testing: { seeded: { org: { slug: 'acme' } } } });
      // The log says it too, in a line a harness can match without knowing the log format beyond JSON.
      const readyLine = () => server.output.map((l) => JSON.parse(l) as { msg?: string; url?: string }).find((l) => l.msg === 'ready');
      await expect.poll(() => readyLine()?.url, { timeout: 30_000 }).toBe(server.url);
      const ann = ready.testing.seeded.members['ann@acme.example'];
      expect((await me(ready.url, ann.token)).status).toBe(200);
      expect((await me(ready.url, ann.tokens.short)).status).toBe(200);

      const moved = await fetch(`${ready.url}/testing/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 2 * 3_600_000 }),
      });
      expect(moved.status).toBe(200);
      const health = (await (await fetch(`${ready.url}/healthz`)).json()) as { featureHealth: { testing: { clockOffsetMs: number } } };
      expect(health.featureHealth.testing.clockOffsetMs).toBe(2 * 3_600_000);
      const expired = await me(ready.url, ann.tokens.short);
      expect(expired.status).toBe(401);
      expect(await expired.text()).toMatch(/expired at/);
      expect((await me(ready.url, ann.token)).status).toBe(200);
      expect((await fetch(`${ready.url}/testing/clock`, { method: 'DELETE', headers: PROGRAM })).status).toBe(200);
      expect((await me(ready.url, ann.tokens.short)).status).toBe(200);

      // What a cross-site page can make a browser send is refused; a program's call (the header) goes through.
      expect((await fetch(`${ready.url}/testing/reset`, { method: 'POST' })).status).toBe(415);
      const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' };
      expect((await fetch(`${ready.url}/testing/reset`, form)).status).toBe(415);
      expect((await me(ready.url, ann.token)).status).toBe(200);
      expect((await fetch(`${ready.url}/testing/reset`, { method: 'POST', headers: PROGRAM })).status).toBe(204);
      expect((await me(ready.url, ann.token)).status).toBe(401);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Removed at shutdown, so a harness reusing the path never reads a stale URL.
    await expect(readFile(readyFile)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a seed file that is not a valid seed, naming the field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-bad-seed-'));
    await writeFile(
      path.join(dir, 'seed.json'),
      JSON.stringify({ org: { name: 'Acme', slug: 'Not A Slug' }, members: [{ email: 'ann@acme.example', name: 'Ann', role: 'boss' }] }),
    );
    const { code, stderr } = await runBundle(dev(), ['--testing', '--database-url', 'sqlite::memory:', '--seed', 'seed.json'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--seed seed\.json is not a valid seed: \/org\/slug must match pattern/);
  });

  it("accepts the README's example seed as written", async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Test server\n'), readme.indexOf('\n## ', readme.indexOf('\n## Test server\n') + 1));
    const example = /^```json\n([\s\S]*?)^```$/m.exec(section)?.[1];
    expect(example, 'the Test server section shows a seed').toBeDefined();
    const server = await startServer(dev(), { args: ['--testing', '--database-url', 'sqlite::memory:'] });
    try {
      await server.ready();
      const res = await fetch(`${server.url}/testing/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example });
      expect(res.status, await res.clone().text()).toBe(201);
      expect(Object.keys(((await res.json()) as { tokens: object }).tokens)).toEqual(['ann@acme.example', 'vic@acme.example']);
    } finally {
      await server.stop();
    }
  });

  it('answers a bad seed request with 400 naming the field', async () => {
    const server = await startServer(dev(), { args: ['--testing', '--database-url', 'sqlite::memory:'] });
    try {
      await server.ready();
      const res = await fetch(`${server.url}/testing/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ org: { name: 'A', slug: 'a' }, members: [{ email: 'a@a.example', name: 'A', role: 'admin' }] }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: 'validation_failed', details: [{ field: 'body.members', message: 'must hold exactly one owner' }] },
      });
    } finally {
      await server.stop();
    }
  });
});

describe('--ready-file', () => {
  it('stops the server with the reason when the file cannot be written', async () => {
    const { code, stderr } = await runBundle(dev(), [
      '--database-url',
      'sqlite::memory:',
      '--port',
      '0',
      '--ready-file',
      '/nonexistent-flagship-dir/ready.json',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--ready-file \/nonexistent-flagship-dir\/ready\.json cannot be written \(ENOENT.*\); give a path in an existing, writable folder/);
  });
});

describe('prod and the testing options', () => {
  it.each([
    ['--testing', ['--testing'], {}],
    ['FLAGSHIP_TESTING', [], { FLAGSHIP_TESTING: 'true' }],
    ['--seed', ['--seed', 'seed.json'], {}],
  ])('refuses %s, saying the build does not carry the tools and which does', async (_name, args, env) => {
    const { code, stderr } = await runBundle(prod(), args, { env: { DATABASE_URL: 'postgres://app@127.0.0.1:1/flagship', ...env } });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /the "prod" build does not carry the test-only tools .*compiled only into builds whose flags say "testing": true, such as dev\. Run test suites against dist\/dev\/server\.mjs/,
    );
  });

  it('does not list them in --help', async () => {
    const { stdout } = await runBundle(prod(), ['--help']);
    expect(stdout).not.toContain('--testing');
    expect((await runBundle(dev(), ['--help'])).stdout).toContain('--testing');
  });
});
