// The code cache's rules on their own (src/start/code-cache.ts): where it lives, what its file is named after, and
// which folders and files it trusts with code. test/bundle/code-cache.test.ts runs them in the built start.mjs.
import { chmodSync, mkdtempSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheFileName, cacheFolder, untrusted, writeCache } from '../../src/start/code-cache.js';

const uid = process.getuid!();
const stats = (over: Partial<Stats>) => ({ uid, mode: 0o40700, ...over }) as Stats;

describe('the code cache', () => {
  it("lives in Node's compile cache folder, which NODE_COMPILE_CACHE moves and NODE_DISABLE_COMPILE_CACHE switches off", () => {
    expect(cacheFolder({})).toBe(path.join(tmpdir(), 'node-compile-cache', 'flagship'));
    expect(cacheFolder({ NODE_COMPILE_CACHE: '/var/cache/app' })).toBe(path.join('/var/cache/app', 'flagship'));
    expect(cacheFolder({ NODE_COMPILE_CACHE: '/var/cache/app', NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined();
  });

  it("is named after the bundle's content hash, size and modification time, and the Node it was made by", () => {
    const bundle = { hash: '0123456789abcdef', size: 1_200_000, mtimeMs: 1_700_000_000_000.5 };
    const name = cacheFileName(bundle);
    expect(name).toBe(`server-0123456789abcdef-1200000-1700000000000-${process.version}-${process.arch}.v8`);
    // V8 checks only the length of the source: two bundles of one length must never share a file.
    expect(cacheFileName({ ...bundle, hash: 'fedcba9876543210' })).not.toBe(name);
    expect(cacheFileName({ ...bundle, mtimeMs: bundle.mtimeMs + 1000 })).not.toBe(name);
  });

  it("trusts only what is this user's and no one else's to write", () => {
    expect(untrusted(stats({}), 'it')).toBeUndefined();
    expect(untrusted(stats({ mode: 0o100600 }), 'it')).toBeUndefined();
    expect(untrusted(stats({ uid: uid + 1 }), 'it')).toBe(`it belongs to user ${uid + 1}, not to this one (${uid})`);
    expect(untrusted(stats({ mode: 0o40770 }), 'it')).toBe('it may be written by others (mode 770)');
    expect(untrusted(stats({ mode: 0o100602 }), 'it')).toBe('it may be written by others (mode 602)');
  });

  it('writes nothing into a folder others may write, even one that became so after the start read it', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'flagship-cache-write-'));
    try {
      chmodSync(folder, 0o777);
      expect(writeCache(folder, 'server-x.v8', Buffer.from('code'))).toMatch(/may be written by others \(mode 777\); remove it, or choose another folder/);
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
