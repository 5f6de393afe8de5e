// The dev bundle's addon check: a bundle started where its addon cannot load (another platform or CPU; for an addon
// built per Node ABI another ABI, for a Node-API addon a Node without its Node-API version) is refused before the addon
// is touched, with what it was built for, what this is, and what to do.
import { describe, expect, it } from 'vitest';
import { NativeAddonError } from '../../src/db/errors.js';
import { addonMismatch, sqliteNativeBinding } from '../../src/db/sqlite/native-addon.js';

const built = {
  file: 'better_sqlite3.node',
  platform: 'linux',
  arch: 'x64',
  libc: 'glibc',
  abi: '115',
  napi: null,
  node: 'v20.20.2',
  betterSqlite3: '12.11.1',
};
const same = { platform: 'linux', arch: 'x64', abi: '115', napi: '9', node: 'v20.19.0' };
const napiBuilt = { ...built, abi: '137', napi: '10', node: 'v24.22.3', betterSqlite3: '13.2.0' };

describe('the SQLite addon check', () => {
  it('accepts the platform, CPU and ABI it was built for, whatever the Node patch release', () => {
    expect(addonMismatch(built, same)).toBeUndefined();
  });

  it.each([
    [
      'another Node ABI',
      { ...same, abi: '127', node: 'v22.12.0' },
      /built for linux-x64, Node ABI 115 \(Node 20\.20\.2\), but this is linux-x64, Node ABI 127, Node-API 9 \(Node 22\.12\.0\)/,
    ],
    ['another platform', { ...same, platform: 'darwin' }, /but this is darwin-x64, Node ABI 115/],
    ['another CPU', { ...same, arch: 'arm64' }, /but this is linux-arm64/],
  ])('refuses %s, saying what to do', (_name, here, message) => {
    const why = addonMismatch(built, here);
    expect(why).toMatch(message);
    expect(why).toMatch(/run the bundle with a Node that loads it .*rebuild it here \(`npm ci && node build\.mjs dev`.*--pack/);
  });

  it('loads a Node-API addon on every Node offering its Node-API version, whatever the ABI', () => {
    expect(addonMismatch(napiBuilt, { platform: 'linux', arch: 'x64', abi: '127', napi: '10', node: 'v22.14.0' })).toBeUndefined();
    expect(addonMismatch(napiBuilt, { platform: 'linux', arch: 'x64', abi: '141', napi: '11', node: 'v26.0.0' })).toBeUndefined();
    expect(addonMismatch(napiBuilt, { platform: 'linux', arch: 'x64', abi: '127', napi: '9', node: 'v22.11.0' })).toMatch(
      /built for linux-x64, Node-API 10 or later, but this is linux-x64, Node ABI 127, Node-API 9 \(Node 22\.11\.0\)/,
    );
    expect(addonMismatch(napiBuilt, { platform: 'darwin', arch: 'x64', abi: '137', napi: '10', node: 'v24.22.3' })).toMatch(/but this is darwin-x64/);
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
