// A bundle that carries SQLite loads better-sqlite3's compiled addon from the file build.mjs placed beside it, so the
// bundle's folder runs with Node alone. The addon only loads where it was built (platform, CPU, C library, Node ABI):
// started anywhere else, the bundle says what it was built for and what to do, instead of a loader stack trace.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeAddonError } from '../errors.js';

type AddonTarget = NonNullable<typeof __SQLITE_ADDON__>;

/** What this process can load, in the build's terms. */
export interface HostTarget {
  readonly platform: string;
  readonly arch: string;
  readonly abi: string;
  /** The highest Node-API version this Node offers. */
  readonly napi: string;
  readonly node: string;
}

function host(): HostTarget {
  return { platform: process.platform, arch: process.arch, abi: process.versions.modules, napi: process.versions.napi ?? '0', node: process.version };
}

const nodeOf = (t: { node: string }) => `Node ${t.node.replace(/^v/, '')}`;
const describeBuilt = (t: AddonTarget) =>
  t.napi === null ? `${t.platform}-${t.arch}, Node ABI ${t.abi} (${nodeOf(t)})` : `${t.platform}-${t.arch}, Node-API ${t.napi} or later`;
const describeHost = (t: HostTarget) => `${t.platform}-${t.arch}, Node ABI ${t.abi}, Node-API ${t.napi} (${nodeOf(t)})`;

const FIX =
  'run the bundle with a Node that loads it (a newer one for a Node-API addon, one of that ABI otherwise) on that platform, or rebuild it here (`npm ci && node build.mjs dev` in the flagship repository) ' +
  'or download the dist/dev tarball built for this platform (`node build.mjs dev --pack` names it by platform and ABI)';

/** Why a bundle built for `built` cannot load its addon in `here`, or undefined when it can. */
export function addonMismatch(built: AddonTarget, here: HostTarget): string | undefined {
  // A Node-API addon (better-sqlite3 13 and later) loads on every Node offering its Node-API version; an older addon
  // only on the ABI it was compiled for.
  const loads = built.napi === null ? built.abi === here.abi : Number(here.napi) >= Number(built.napi);
  if (built.platform === here.platform && built.arch === here.arch && loads) return undefined;
  return `this bundle's SQLite addon (${built.file}) was built for ${describeBuilt(built)}, but this is ${describeHost(here)}; ${FIX}`;
}

let loaded: object | undefined;

/**
 * The addon object to hand to better-sqlite3 as `nativeBinding`, loaded once; undefined when running from sources.
 * `dir` is where the addon lies (the bundle's folder), overridable for tests.
 */
export function sqliteNativeBinding(
  dir: URL = new URL('.', import.meta.url),
  built: AddonTarget | null = __SQLITE_ADDON__,
  here: HostTarget = host(),
): object | undefined {
  if (built === null) return undefined;
  if (loaded) return loaded;
  const mismatch = addonMismatch(built, here);
  if (mismatch) throw new NativeAddonError(mismatch);
  const file = fileURLToPath(new URL(built.file, dir));
  try {
    loaded = createRequire(import.meta.url)(file) as object;
  } catch (err) {
    const reason = ((err as Error).message ?? String(err)).split('\n')[0];
    const missing = (err as { code?: string }).code === 'MODULE_NOT_FOUND';
    throw new NativeAddonError(
      missing
        ? `the SQLite addon ${file} is missing; copy the whole dist/dev/ folder (server.mjs and ${built.file} belong together), or rebuild it with \`node build.mjs dev\``
        : `cannot load the SQLite addon ${file}, built for ${describeBuilt(built)} with ${built.libc === 'n/a' ? 'the platform C library' : built.libc}: ${reason}; ${FIX}`,
      { cause: err },
    );
  }
  return loaded;
}
