// The dev bundle's addon check: a bundle started on another platform or Node ABI than its addon was built for is
// refused before the addon is touched, with what it was built for, what this is, and what to do.
import { describe, expect, it } from 'vitest';
import { NativeAddonError } from '../../src/db/errors.js';
import { addonMismatch, sqliteNativeBinding } from '../../src/db/sqlite/native-addon.js';

const built = { file: 'better_sqlite3.node', platform: 'linux', arch: 'x64', libc: 'glibc', abi: '115', node: 'v20.20.2', betterSqlite3: '12.11.1' };
const same = { platform: 'linux', arch: 'x64', abi: '115', node: 'v20.19.0' };

describe('the SQLite addon check', () => {
  it('accepts the platform, CPU and ABI it was built for, whatever the Node patch release', () => {
    expect(addonMismatch(built, same)).toBeUndefined();
  });

  it.each([
    [
      'another Node ABI',
      { ...same, abi: '127', node: 'v22.12.0' },
      /built for linux-x64, Node ABI 115 \(Node 20\.20\.2\), but this is linux-x64, Node ABI 127 \(Node 22\.12\.0\)/,
    ],
    ['another platform', { ...same, platform: 'darwin' }, /but this is darwin-x64, Node ABI 115/],
    ['another CPU', { ...same, arch: 'arm64' }, /but this is linux-arm64/],
  ])('refuses %s, saying what to do', (_name, here, message) => {
    const why = addonMismatch(built, here);
    expect(why).toMatch(message);
    expect(why).toMatch(/run the bundle with a Node of that ABI .*rebuild it here \(`npm ci && node build\.mjs dev`.*--pack/);
  });

  it('throws the mismatch as a NativeAddonError before loading anything', () => {
    const nowhere = new URL('file:///nonexistent-flagship-dir/');
    expect(() => sqliteNativeBinding(nowhere, built, { ...same, abi: '999' })).toThrow(NativeAddonError);
    expect(() => sqliteNativeBinding(nowhere, built, { ...same, abi: '999' })).toThrow(/Node ABI 999/);
  });

  it('lets better-sqlite3 find its own addon when running from sources', () => {
    expect(sqliteNativeBinding(undefined, null)).toBeUndefined();
  });
});
