// dist/dev/ as other projects get it: copied (or unpacked from its tarball) into an empty folder outside the
// repository, with no node_modules anywhere above it, it runs with Node alone; a missing or foreign addon is refused
// with the fix instead of a loader stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runBundle, startServer } from '../support/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const devDir = () => path.dirname(inject('bundles').dev!);

/** Every folder from `dir` up to the root: none may hold node_modules, or the test would prove nothing. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    expect(existsSync(path.join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
    if (path.dirname(d) === d) return;
  }
}

/** A copy of dist/dev/ in a fresh temporary folder outside the repository. */
async function copyOfDevFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flagship-shipped-'));
  expect(path.relative(ROOT, dir).startsWith('..')).toBe(true);
  assertNoNodeModulesAbove(dir);
  for (const file of await readdir(devDir())) await copyFile(path.join(devDir(), file), path.join(dir, file));
  return dir;
}

async function signupAndCreate(url: string): Promise<number> {
  const signup = await fetch(`${url}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ org: { name: 'Shipped', slug: 'shipped' }, user: { email: 'a@shipped.example', name: 'A' } }),
  });
  expect(signup.status).toBe(201);
  const { token } = (await signup.json()) as { token: string };
  const project = await fetch(`${url}/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'P', key: 'PRJ' }),
  });
  return project.status;
}

describe('the dev folder, shipped', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await copyOfDevFolder();
  });

  it('answers --version from the copy', async () => {
    const { code, stdout, stderr } = await runBundle(path.join(dir, 'server.mjs'), ['--version'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/variant: dev\ndialects: sqlite\nscaling: off\nenterprise: off\ntesting: compiled in/);
  });

  it.each([
    ['a file database', ['--database-url', 'sqlite:./data/shipped.db'], 'data/shipped.db'],
    ['sqlite::memory:', ['--database-url', 'sqlite::memory:'], undefined],
  ])('serves the API on %s', async (_name, args, file) => {
    const server = await startServer(path.join(dir, 'server.mjs'), { cwd: dir, args });
    try {
      await server.ready();
      expect(await signupAndCreate(server.url)).toBe(201);
      if (file) expect(existsSync(path.join(dir, file))).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('names the platform, Node-API version and Node it was built with in the build report', async () => {
    const report = JSON.parse(await readFile(path.join(dir, 'build-report.json'), 'utf8'));
    expect(report.nativeAddon).toMatchObject({
      file: 'better_sqlite3.node',
      platform: process.platform,
      arch: process.arch,
      abi: process.versions.modules,
      // better-sqlite3's addon is built on Node-API, so the folder runs on any Node that offers that version.
      napi: expect.stringMatching(/^\d+$/),
      node: process.version,
    });
    expect(report.externalImports).not.toContain('better-sqlite3');
    expect(report.groups['dependency:better-sqlite3']).toBeGreaterThan(0);
  });

  it('refuses to start without its addon, saying the folder belongs together', async () => {
    const bare = await mkdtemp(path.join(tmpdir(), 'flagship-no-addon-'));
    await copyFile(path.join(dir, 'server.mjs'), path.join(bare, 'server.mjs'));
    const { code, stderr } = await runBundle(path.join(bare, 'server.mjs'), ['--database-url', 'sqlite::memory:', '--port', '0'], { cwd: bare });
    expect(code).toBe(2);
    expect(stderr).toMatch(/the SQLite addon .*better_sqlite3\.node is missing; copy the whole dist\/dev\/ folder/);
  });

  it('refuses an addon it cannot load, naming what it was built for and what to do', async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'flagship-bad-addon-'));
    await copyFile(path.join(dir, 'server.mjs'), path.join(broken, 'server.mjs'));
    await writeFile(path.join(broken, 'better_sqlite3.node'), 'not a shared library');
    const { code, stderr } = await runBundle(path.join(broken, 'server.mjs'), ['--database-url', 'sqlite::memory:', '--port', '0'], { cwd: broken });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `cannot load the SQLite addon .* built for ${process.platform}-${process.arch}, Node-API \\d+ or later .*rebuild it here \\(\`npm ci && node build\\.mjs dev\``,
      ),
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

// Unpacked with the system's tar, as a CI job would: proof the archive is an ordinary one.
const systemTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).status === 0;
if (!systemTar) console.warn('skipping the --pack test: no `tar` on PATH to unpack the archive with (apt-get install tar)');

describe.runIf(systemTar)('node build.mjs dev --pack', () => {
  it('writes a tarball named for its platform that unpacks into a folder which serves', async () => {
    // Packs into a copy of the repository's dist/, built by the global setup: only the pack step runs here.
    const { packVariant, tarballName } = await import('../../build/pack.mjs');
    const report = JSON.parse(await readFile(path.join(devDir(), 'build-report.json'), 'utf8'));
    const file = await packVariant({ root: ROOT, variant: { name: 'dev' }, report });
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    expect(path.basename(file)).toBe(tarballName('dev', version, report.nativeAddon));
    expect(path.basename(file)).toMatch(
      new RegExp(`^flagship-dev-${version.replace(/\./g, '\\.')}-${process.platform}-${process.arch}-.*napi${report.nativeAddon.napi}\\.tgz$`),
    );
    const into = await mkdtemp(path.join(tmpdir(), 'flagship-unpacked-'));
    assertNoNodeModulesAbove(into);
    const untar = spawnSync('tar', ['-xzf', file, '-C', into], { encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    const unpacked = path.join(into, 'flagship-dev');
    expect((await readdir(unpacked)).sort()).toEqual([
      'better_sqlite3.node',
      'bin.mjs',
      'build-report.json',
      'package.json',
      'server.mjs',
      'server.mjs.map',
      'start.mjs',
      'testing.d.mts',
      'testing.mjs',
    ]);
    const server = await startServer(path.join(unpacked, 'server.mjs'), { cwd: into, args: ['--database-url', 'sqlite::memory:'] });
    try {
      await server.ready();
      expect(await signupAndCreate(server.url)).toBe(201);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
