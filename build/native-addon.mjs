// The SQLite driver's compiled addon, for builds that carry SQLite. The bundle holds better-sqlite3's JavaScript; its
// addon (a shared library, not bundleable) is copied beside server.mjs, and the bundle loads it from there through
// better-sqlite3's `nativeBinding` option, so the folder runs with Node alone. An addon only loads on the platform,
// CPU, C library and Node ABI it was compiled for: the build records them, in the bundle (to refuse a mismatch at
// start with the fix) and in build-report.json (to tell a CI job which artifact it needs).
import { existsSync, readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ADDON_FILE = 'better_sqlite3.node';

export class NativeAddonError extends Error {
  name = 'NativeAddonError';
}

/** The C library of this Linux process (an addon built against glibc does not load on musl, and back). */
function libc() {
  if (process.platform !== 'linux') return 'n/a';
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * The Node-API version better-sqlite3's addon is built against (its binding.gyp defines NAPI_VERSION), or null for an
 * addon built per Node ABI (better-sqlite3 12 and earlier).
 */
function napiVersion(pkgDir) {
  try {
    return /NAPI_VERSION=(\d+)/.exec(readFileSync(path.join(pkgDir, 'binding.gyp'), 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Finds better-sqlite3's addon under `root` and loads it once in this process: an addon that loads here was built for
 * this platform and this Node ABI, which is what the bundle will then ask for.
 */
export function locateSqliteAddon(root) {
  const require = createRequire(path.join(root, 'package.json'));
  let pkgFile;
  try {
    pkgFile = require.resolve('better-sqlite3/package.json');
  } catch {
    throw new NativeAddonError('better-sqlite3 is not installed; run `npm ci` before building a variant that carries SQLite.');
  }
  const pkgDir = path.dirname(pkgFile);
  // An addon compiled here (`npm rebuild better-sqlite3`) wins over the prebuilt one the package ships, as it does for
  // better-sqlite3's own loader.
  const compiled = path.join(pkgDir, 'build', 'Release', ADDON_FILE);
  const source = existsSync(compiled) ? compiled : (require(path.join(pkgDir, 'lib', 'binding.js')).getPrebuildPath() ?? compiled);
  try {
    require(source);
  } catch (err) {
    throw new NativeAddonError(
      `cannot load better-sqlite3's addon ${path.relative(root, source)} with this Node ${process.version} (${err.message.split('\n')[0]}); run \`npm rebuild better-sqlite3\` with the Node that builds, then build again.`,
    );
  }
  const target = Object.freeze({
    file: ADDON_FILE,
    platform: process.platform,
    arch: process.arch,
    libc: libc(),
    abi: process.versions.modules,
    napi: napiVersion(pkgDir),
    node: process.version,
    betterSqlite3: require(pkgFile).version,
  });
  return { source, target };
}

/** Copies the addon beside the bundle. */
export async function placeSqliteAddon(addon, outDir) {
  await copyFile(addon.source, path.join(outDir, addon.target.file));
}
