// V8's code cache for the server bundle, kept between starts by dist/<variant>/start.mjs (start.ts).
//
// Node's own compile cache (NODE_COMPILE_CACHE, module.enableCompileCache()) keeps what V8 compiled when a module was
// compiled: the bundle's top level, not the functions a start runs, which V8 compiles on their first call, every
// start anew (Fastify, its router, pino, drizzle and the rest: about a third of a start). This cache is taken after
// the server is ready (`vm.Script#createCachedData`), so it holds every function the start ran.
//
// A code cache is code: whoever can write the file chooses what the server runs. So it is read only from a folder of
// this user's that no one else may write, from a file of this user's that no one else may write, and written through
// a temporary file and a rename, so servers starting at once never read half a file. What holds that is the check of
// the file through the descriptor it is read from (fstat, opened without following a link); the folder's check by
// path is a first filter, since its parent (Node's compile-cache folder) may be shared. Anything wrong only means no
// cache: the server starts as it would without one.
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  constants,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What became of the code cache at this start; logged at debug once the server is ready. */
export interface CodeCacheState {
  /**
   * `used`: V8 took the cached code. `missing`: none yet, one is made once ready. `rejected`: V8 refused it (another
   * V8 or other V8 flags), a new one is made once ready. `off`: NODE_DISABLE_COMPILE_CACHE. `unusable`: see `reason`.
   */
  readonly state: 'used' | 'missing' | 'rejected' | 'off' | 'unusable';
  readonly file?: string;
  readonly reason?: string;
}

/** The folder of the cache: NODE_COMPILE_CACHE's, or where Node puts its own by default; undefined when switched off. */
export function cacheFolder(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  return path.join(env.NODE_COMPILE_CACHE || path.join(tmpdir(), 'node-compile-cache'), 'flagship');
}

/**
 * The cache file of one bundle on this Node. `hash` is the bundle's content hash, taken by the build; its size and
 * modification time are in the name too, so an edited or replaced bundle never meets the code of another (V8 itself
 * checks its version and flags, but of the source only the length).
 */
export function cacheFileName(bundle: { readonly hash: string; readonly size: number; readonly mtimeMs: number }): string {
  return `server-${bundle.hash}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}-${process.version}-${process.arch}.v8`;
}

/** Why a folder or file may not be trusted with code, or undefined if it may: it must be this user's and no one else's to write. */
export function untrusted(stats: Stats, what: string): string | undefined {
  const uid = process.getuid?.();
  // Windows has no owner ids to compare; its temp folder is the user's own.
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return `${what} belongs to user ${stats.uid}, not to this one (${uid})`;
  if ((stats.mode & 0o022) !== 0) return `${what} may be written by others (mode ${(stats.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The cached code, or why there is none (a missing file is `undefined`, not a problem). */
export function readCache(folder: string, name: string): { readonly data?: Buffer; readonly problem?: string } {
  let dir: Stats;
  try {
    dir = lstatSync(folder);
  } catch {
    return {};
  }
  if (!dir.isDirectory()) return { problem: `${folder} is not a folder` };
  const folderProblem = untrusted(dir, `the folder ${folder}`);
  if (folderProblem) return { problem: folderProblem };
  const file = path.join(folder, name);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? {} : { problem: `${file} cannot be read (${(err as Error).message})` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: `${file} is not a file` };
    const fileProblem = untrusted(stats, file);
    if (fileProblem) return { problem: fileProblem };
    return { data: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache through a temporary file and a rename; returns what went wrong, or undefined. Never throws. */
export function writeCache(folder: string, name: string, data: Buffer): string | undefined {
  const file = path.join(folder, name);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    // The parent may be Node's own compile-cache folder, which other users share: it is made as Node makes it (the
    // umask's mode), and only this folder is this user's alone.
    mkdirSync(path.dirname(folder), { recursive: true });
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const problem = untrusted(lstatSync(folder), `the folder ${folder}`);
    if (problem) return `${problem}; remove it, or choose another folder with NODE_COMPILE_CACHE`;
    writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
    return undefined;
  } catch (err) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Left behind in a folder that refuses even that; the next write uses another name.
    }
    return `${file} cannot be written (${(err as Error).message}); the server starts without a code cache`;
  }
}

/** How many cache files a folder keeps: each build of a bundle, on each Node, makes one of about 1.3 MB. */
export const CACHE_FILES_KEPT = 16;
/** A temporary file older than this was left by a writer that died before its rename. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;
/** A name cacheFileName makes (any Node version, prereleases included), and writeCache's temporary name for one. */
const CACHE_FILE = /^server-[0-9a-f]+-\d+-\d+-v[^/]+\.v8$/;
const TEMPORARY = /\.\d+\.tmp$/;

/**
 * Removes the caches of old builds once `kept` is written: every build makes a cache of its own (its hash, size and
 * time are in the name) and nothing else ever removes one, so a developer who rebuilds all day would fill the temp
 * folder. The newest CACHE_FILES_KEPT stay, `kept` always among them; a file of another build that was just removed
 * only means one start without a cache. Touches nothing but this module's own names, and nothing in a folder it would
 * not write to. Returns how many files it removed. Never throws.
 */
export function pruneCache(folder: string, kept: string, now = Date.now()): number {
  let removed = 0;
  try {
    if (untrusted(lstatSync(folder), `the folder ${folder}`)) return 0;
    const caches: Array<{ name: string; mtimeMs: number }> = [];
    for (const name of readdirSync(folder)) {
      const temporary = TEMPORARY.test(name);
      if (name === kept || !CACHE_FILE.test(name.replace(TEMPORARY, ''))) continue;
      const stats = lstatSync(path.join(folder, name), { throwIfNoEntry: false });
      if (!stats?.isFile()) continue;
      if (!temporary) caches.push({ name, mtimeMs: stats.mtimeMs });
      else if (now - stats.mtimeMs > ABANDONED_AFTER_MS) removed += remove(path.join(folder, name));
    }
    caches.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { name } of caches.slice(CACHE_FILES_KEPT - 1)) removed += remove(path.join(folder, name));
  } catch {
    // A folder that cannot be listed keeps what it has.
  }
  return removed;
}

function remove(file: string): number {
  try {
    rmSync(file);
    return 1;
  } catch {
    return 0;
  }
}
