// A code cache is made per build (start.mjs, src/start/code-cache.ts): without pruning, every rebuild would leave
// another 1.3 MB in the temp folder for good. Once a start has written its cache, the folder keeps the newest few.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_FILES_KEPT, cacheFileName, pruneCache } from '../../src/start/code-cache.js';

const folders: string[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

function folder(): string {
  const f = mkdtempSync(path.join(tmpdir(), 'flagship-cache-prune-'));
  chmodSync(f, 0o700);
  folders.push(f);
  return f;
}

/** A file named as a build's cache, last written `ageMs` before `now`. */
function cache(dir: string, i: number, ageMs: number, now: number): string {
  const name = cacheFileName({ hash: (1000 + i).toString(16).padStart(16, '0'), size: 1000 + i, mtimeMs: now - ageMs });
  write(dir, name, ageMs, now);
  return name;
}
function write(dir: string, name: string, ageMs: number, now: number): void {
  const file = path.join(dir, name);
  writeFileSync(file, 'code', { mode: 0o600 });
  utimesSync(file, (now - ageMs) / 1000, (now - ageMs) / 1000);
}

describe('pruning the code caches of old builds', () => {
  it('keeps the newest caches and the one just written, removes the older ones and abandoned temporary files, and nothing else', () => {
    const dir = folder();
    const now = Date.now();
    // The cache just written is given an old time on purpose: it is kept by name, whatever its time.
    const current = cache(dir, 0, 10 * 24 * 3600_000, now);
    const builds = Array.from({ length: CACHE_FILES_KEPT + 5 }, (_, i) => cache(dir, i + 1, (i + 1) * 60_000, now));
    const abandoned = `${builds[0]}.4242.tmp`;
    const writing = `${builds[1]}.4343.tmp`;
    write(dir, abandoned, 2 * 3600_000, now);
    write(dir, writing, 1000, now);
    // A prerelease Node's cache is a build's cache too: its version has more than digits and dots.
    const nightly = `server-${'e'.repeat(16)}-9-9-v25.0.0-nightly20261201abc-${process.arch}.v8`;
    write(dir, nightly, 40 * 60_000, now);
    const others = ['notes.txt', 'server-abc.v8.bak'];
    for (const name of others) write(dir, name, 30 * 24 * 3600_000, now);

    expect(pruneCache(dir, current, now)).toBe(builds.length - (CACHE_FILES_KEPT - 1) + 2);
    const left = new Set(readdirSync(dir));
    expect(left.has(current)).toBe(true);
    expect(builds.filter((b) => left.has(b))).toEqual(builds.slice(0, CACHE_FILES_KEPT - 1));
    expect(left.has(abandoned)).toBe(false);
    expect(left.has(nightly)).toBe(false);
    expect(left.has(writing)).toBe(true);
    for (const name of others) expect(left.has(name)).toBe(true);
  });

  it('removes nothing from a folder others may write, nor from one that is not there', () => {
    const dir = folder();
    const now = Date.now();
    const current = cache(dir, 0, 0, now);
    const builds = Array.from({ length: CACHE_FILES_KEPT + 2 }, (_, i) => cache(dir, i + 1, (i + 1) * 60_000, now));
    chmodSync(dir, 0o777);
    expect(pruneCache(dir, current, now)).toBe(0);
    for (const b of builds) expect(existsSync(path.join(dir, b))).toBe(true);
    expect(pruneCache(path.join(dir, 'missing'), current, now)).toBe(0);
  });
});
