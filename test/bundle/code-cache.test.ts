// dist/<variant>/start.mjs and V8's code cache (src/start/): the first start saves the code it compiled once ready,
// the next takes it; a cache V8 refuses is replaced; code is never taken from a folder or file others may write; a
// folder that cannot be written, or NODE_DISABLE_COMPILE_CACHE, only means no cache; the caches of older builds do not
// pile up. Each start serves the API.
import { chmod, chown, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CACHE_FILES_KEPT, cacheFileName, type CodeCacheState } from '../../src/start/code-cache.js';
import { Client, newOrg } from '../support/api.js';
import { startServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

const start = () => path.join(path.dirname(inject('bundles').dev!), 'start.mjs');
const scratch = await mkdtemp(path.join(tmpdir(), 'flagship-code-cache-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

type Logged = CodeCacheState & { readonly saved?: string };

/** Starts dev through start.mjs with `env`, checks that it serves, and returns what it logged of the code cache. */
async function startOnce(env: Record<string, string>): Promise<Logged> {
  const server = await startServer(start(), { env: { LOG_LEVEL: 'debug', ...env }, args: ['--database-url', 'sqlite::memory:'] });
  try {
    await server.ready();
    // A signup: a validator, a rate limiter and a write, compiled after the start (newOrg fails unless it is a 201).
    await newOrg(new Client(server.url), 'cache');
    const line = await waitFor(
      'the code cache logged',
      () => server.output.find((l) => l.includes('"msg":"code cache"')),
      10_000,
      50,
      () => server.output.slice(-20).join('\n'),
    );
    return (JSON.parse(line) as { codeCache: Logged }).codeCache;
  } finally {
    expect(await server.stop()).toBe(0);
  }
}

describe('start.mjs and the code cache', () => {
  it('saves the code of the first start once ready, in a folder and file of its own, and the next start takes it', async () => {
    const cache = path.join(scratch, 'first');
    const first = await startOnce({ NODE_COMPILE_CACHE: cache });
    expect(first).toMatchObject({ state: 'missing', saved: 'saved' });
    const folder = path.join(cache, 'flagship');
    expect(path.dirname(first.file!)).toBe(folder);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(first.file!)).mode & 0o777).toBe(0o600);
    expect(await readdir(folder)).toEqual([path.basename(first.file!)]);
    expect(await startOnce({ NODE_COMPILE_CACHE: cache })).toEqual({ state: 'used', file: first.file });
  });

  it('once it has saved its own, removes the caches of older builds beyond the newest few', async () => {
    const cache = path.join(scratch, 'pruned');
    const folder = path.join(cache, 'flagship');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const now = Date.now();
    const old = Array.from({ length: CACHE_FILES_KEPT + 3 }, (_, i) =>
      cacheFileName({ hash: (0xabc000 + i).toString(16), size: 100 + i, mtimeMs: now - (i + 1) * 60_000 }),
    );
    for (const [i, name] of old.entries()) {
      await writeFile(path.join(folder, name), 'old', { mode: 0o600 });
      await utimes(path.join(folder, name), (now - (i + 1) * 60_000) / 1000, (now - (i + 1) * 60_000) / 1000);
    }
    const first = await startOnce({ NODE_COMPILE_CACHE: cache });
    expect(first).toMatchObject({ state: 'missing', saved: 'saved; removed 4 cache file(s) of other builds' });
    expect((await readdir(folder)).sort()).toEqual([path.basename(first.file!), ...old.slice(0, CACHE_FILES_KEPT - 1)].sort());
  });

  it('replaces a cache V8 refuses', async () => {
    const cache = path.join(scratch, 'refused');
    const { file } = await startOnce({ NODE_COMPILE_CACHE: cache });
    await writeFile(file!, Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(await startOnce({ NODE_COMPILE_CACHE: cache })).toMatchObject({ state: 'rejected', saved: 'saved' });
    expect((await startOnce({ NODE_COMPILE_CACHE: cache })).state).toBe('used');
  });

  it('takes no code from a folder or a file others may write, and writes none there', async () => {
    const cache = path.join(scratch, 'shared');
    const { file } = await startOnce({ NODE_COMPILE_CACHE: cache });
    const folder = path.dirname(file!);

    await chmod(file!, 0o666);
    const fromFile = await startOnce({ NODE_COMPILE_CACHE: cache });
    expect(fromFile).toMatchObject({ state: 'unusable', file });
    expect(fromFile.reason).toMatch(/may be written by others \(mode 666\)/);
    expect(fromFile.saved).toBeUndefined();

    await chmod(file!, 0o600);
    await chmod(folder, 0o777);
    const fromFolder = await startOnce({ NODE_COMPILE_CACHE: cache });
    expect(fromFolder).toMatchObject({ state: 'unusable', file });
    expect(fromFolder.reason).toMatch(/the folder .* may be written by others \(mode 777\)/);
    expect(fromFolder.saved).toBeUndefined();
  });

  it("takes no code from another user's file, however safe its mode, nor through a symbolic link", async () => {
    const cache = path.join(scratch, 'planted');
    const { file } = await startOnce({ NODE_COMPILE_CACHE: cache });
    const me = process.getuid!();
    const other = me === 0 ? 65534 : me + 1;
    // Only root may give a file away; elsewhere the owner check is left to the unit test of `untrusted`.
    if (me === 0) {
      await chown(file!, other, other);
      const planted = await startOnce({ NODE_COMPILE_CACHE: cache });
      expect(planted).toMatchObject({ state: 'unusable', file });
      expect(planted.reason).toMatch(new RegExp(`belongs to user ${other}, not to this one \\(${me}\\)`));
      await chown(file!, me, me);
    }
    const real = `${file!}.real`;
    await rename(file!, real);
    await symlink(real, file!);
    const linked = await startOnce({ NODE_COMPILE_CACHE: cache });
    expect(linked).toMatchObject({ state: 'unusable', file });
    expect(linked.reason).toMatch(/cannot be read/);
  });

  it('starts without a cache where the folder cannot be made', async () => {
    const blocker = path.join(scratch, 'a-file');
    await writeFile(blocker, 'not a folder');
    const logged = await startOnce({ NODE_COMPILE_CACHE: path.join(blocker, 'cache') });
    expect(logged.state).toBe('missing');
    expect(logged.saved).toMatch(/cannot be written .*; the server starts without a code cache/);
  });

  it('keeps no cache with NODE_DISABLE_COMPILE_CACHE', async () => {
    const cache = path.join(scratch, 'off');
    expect(await startOnce({ NODE_COMPILE_CACHE: cache, NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({
      state: 'off',
      reason: 'NODE_DISABLE_COMPILE_CACHE is set',
    });
    await expect(readdir(cache)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
